"""Who may see and manage a business's vault: the one place vault decides it.

Only the business's own members see its vault; its company admins and bidders
manage it. Buyers, the operator and a superuser see nothing: a document reaches a
buyer only inside a sealed bid, once the bid is opened.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from mutualis.accounts.access import COMPANY_STAFF, has_role, organisations_of
from mutualis.accounts.models import OrganisationKind
from mutualis.core.time import now, to_local
from mutualis.vault.models import Document, Version

# A business holds only these two roles today; the sets stay apart so that a
# read-only role can join VIEWERS alone.
VIEWERS = COMPANY_STAFF
MANAGERS = COMPANY_STAFF


def can_view(user, business):
    return business.is_business and has_role(user, business, *VIEWERS)


def can_manage(user, business):
    return business.is_business and has_role(user, business, *MANAGERS)


def require_manage(user, business):
    if not can_manage(user, business):
        raise PermissionDenied(
            _("Only a company admin or a bidder of the business may change its vault.")
        )


def vault_businesses(user):
    """The businesses whose vault `user` may see."""
    return organisations_of(user, *VIEWERS, kind=OrganisationKind.BUSINESS)


def business_for(user, pk):
    """The business `pk`, if `user` may see its vault; else 404."""
    business = vault_businesses(user).filter(pk=pk).first()
    if business is None:
        raise Http404(_("No such vault."))
    return business


def documents_of(user, business):
    """`business`'s documents with their current versions, for one of its members."""
    if not can_view(user, business):
        return Document.objects.none()
    return Document.objects.filter(business=business).select_related(
        "current", "current__uploaded_by"
    )


def document_for(user, pk):
    """The document `pk`, for a member of its business; else 404."""
    document = (
        Document.objects.select_related("business", "current")
        .filter(pk=pk, business__in=vault_businesses(user))
        .first()
    )
    if document is None:
        raise Http404(_("No such document."))
    return document


def version_for(user, pk):
    """The version `pk`, for a member of its document's business; else 404."""
    version = (
        Version.objects.select_related("document", "document__business")
        .filter(pk=pk, document__business__in=vault_businesses(user))
        .first()
    )
    if version is None:
        raise Http404(_("No such document."))
    return version


def valid_for_deposit(user):
    """The current, valid versions of the documents of the businesses `user` may
    deposit for, to add to a bid; each is judged on its business's calendar."""
    versions = (
        Version.objects.filter(
            document__current=F("pk"),
            document__business__in=organisations_of(
                user, *COMPANY_STAFF, kind=OrganisationKind.BUSINESS
            ),
        )
        .select_related("document", "document__business")
        .order_by("document__business__name", "document__kind", "document__title")
    )
    return [v for v in versions if v.is_valid(today_of(v.document.business))]


def today_of(business):
    """The date it is where `business` is: validity dates are calendar days there."""
    return to_local(now(), business.time_zone).date()
