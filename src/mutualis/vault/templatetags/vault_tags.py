from django import template

from mutualis.vault import access

register = template.Library()


@register.inclusion_tag("web/vault/_deposit_documents.html", takes_context=True)
def vault_deposit_documents(context):
    """The valid vault documents the deposit page offers to seal with the bid."""
    versions = access.valid_for_deposit(context["user"])
    businesses = {version.document.business_id for version in versions}
    return {"versions": versions, "several_businesses": len(businesses) > 1}
