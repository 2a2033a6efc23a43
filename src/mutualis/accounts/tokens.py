"""API tokens: created shown once, kept as a hash, revoked by their owner.

A token acts for one person within one of their organisations, with the roles
they hold there and no other. It carries 256 random bits, so one SHA-256 is
enough to keep it: unlike a password it cannot be guessed from a list.
"""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mutualis.accounts.access import act_within, organisations_of, roles_in
from mutualis.accounts.models import ApiToken
from mutualis.core.journal import record
from mutualis.core.time import now

TOKEN_PREFIX = "mut_"  # noqa: S105 (a marker, not a secret)
MAX_LABEL_LENGTH = ApiToken._meta.get_field("label").max_length


def digest_of(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user, organisation, label):
    """Create a token of `user` for `organisation`; return it and its secret.

    The secret is shown only now.
    """
    if organisation is None or not roles_in(user, organisation):
        raise ValidationError(
            _("organisation: choose one of the organisations you belong to.")
        )
    label = label.strip()
    if not label:
        raise ValidationError(_("Give the token a name, e.g. the machine it is for."))
    if len(label) > MAX_LABEL_LENGTH:
        raise ValidationError(
            _("A token's name may have at most %(limit)d characters.")
            % {"limit": MAX_LABEL_LENGTH}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            organisation=organisation,
            label=label,
            prefix=secret[:10],
            digest=digest_of(secret),
            created_at=now(),
        )
        record(
            "api-token.created",
            actor=user,
            obj=token,
            label=label,
            organisation=organisation.pk,
        )
    return token, secret


def revoke_token(user, token):
    """Revoke `token`; only its owner may."""
    if token.user_id != user.pk:
        raise PermissionDenied(_("This token is not yours."))
    with transaction.atomic():
        token.revoked_at = now()
        token.save(update_fields=["revoked_at"])
        record("api-token.revoked", actor=user, obj=token, label=token.label)
    return token


def tokens_of(user):
    return ApiToken.objects.filter(user=user).select_related("organisation")


def token_of(user, pk):
    """`user`'s own token `pk`, or None."""
    return tokens_of(user).filter(pk=pk).first()


def token_organisations(user):
    """The organisations `user` may make a token for: those they belong to."""
    return organisations_of(user).order_by("name", "pk")


def token_for_secret(secret):
    """The live token `secret`, its user acting within its organisation; or None.

    A token whose user left the organisation, or was deactivated, is refused.
    """
    token = (
        ApiToken.objects.select_related("user", "organisation")
        .filter(digest=digest_of(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not roles_in(token.user, token.organisation):
        return None
    act_within(token.user, token.organisation)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now())
    return token


def user_for_secret(secret):
    """The user of the live token `secret`, limited to its organisation; or None."""
    token = token_for_secret(secret)
    return token.user if token else None


def bearer_secret(request):
    """The token of an `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()
