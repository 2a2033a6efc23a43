"""What changes people, organisations and memberships.

Each action checks permission, commits in one transaction with its journal entry,
and sends mail only after the commit.
"""

import datetime as dt
import re
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mutualis.accounts import access
from mutualis.accounts.identifiers import business_identifiers
from mutualis.accounts.models import (
    ROLES_BY_KIND,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from mutualis.core.addresses import absolute_url
from mutualis.core.journal import record
from mutualis.core.time import now

EMAIL_TAKEN = _(
    "An account already uses this e-mail address. If it is yours, log in, or "
    "reset your password if you have forgotten it."
)
INVITATION_VALIDITY = dt.timedelta(days=14)


def sign_up(*, email, full_name, password, language):
    """Create and return the account of a person signing up.

    The caller has run the password validators (the sign-up form does). The
    address is not confirmed here: joining an organisation takes the link of an
    invitation mailed to it.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    _require({"email": email, "full_name": full_name.strip()})
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=email).exists():
                raise _email_taken()
            user = User.objects.create_user(
                email, password, full_name=full_name.strip(), language=language
            )
            record("accounts.signed-up", actor=user, obj=user)
    except IntegrityError:
        # The same address signed up in parallel, between our check and insert.
        raise _email_taken() from None
    return user


def _email_taken():
    return ValidationError({"email": ValidationError(EMAIL_TAKEN, code="email_taken")})


def _require(values):
    missing = {
        field: ValidationError(_("This field is required."), code="required")
        for field, value in values.items()
        if not value
    }
    if missing:
        raise ValidationError(missing)


def reset_password(user, password):
    """Give `user` a new password, once they have proved they own their e-mail."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record("accounts.password-reset", actor=user, obj=user)
    return user


def register_business(
    user, *, name, address, postcode, town, country="FR", siret="", vat_number=""
):
    """Register a business with `user` as its company admin, and return it.

    A French business gives its SIRET, another Member State's its VAT number; one
    already registered is refused, saying how to join it.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    siret, siren, vat_number, place = check_business(
        country=country,
        siret=siret,
        vat_number=vat_number,
        name=name,
        address=address,
        postcode=postcode,
        town=town,
    )
    try:
        with transaction.atomic():
            _refuse_if_registered(siret, vat_number)
            organisation = Organisation.objects.create(
                kind=OrganisationKind.BUSINESS,
                country=country,
                siret=siret,
                siren=siren,
                vat_number=vat_number,
                **place,
            )
            Membership.objects.create(
                user=user, organisation=organisation, role=Role.COMPANY_ADMIN
            )
            record(
                "accounts.business-registered",
                actor=user,
                obj=organisation,
                country=country,
                siret=siret,
                vat_number=vat_number,
            )
    except IntegrityError:
        # Registered in parallel: the check now finds it and says so.
        _refuse_if_registered(siret, vat_number)
        raise
    access.forget_roles(user)
    return organisation


def check_business(*, country, siret, vat_number, **place):
    """Return (siret, siren, vat_number, place) cleaned, or raise every fault at once.

    `place` holds name, address, postcode and town; the ValidationError is keyed by
    those names and country, siret, vat_number.
    """
    errors = {}
    try:
        siret, siren, vat_number = business_identifiers(country, siret, vat_number)
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        place = _check_place(country, place)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    return siret, siren, vat_number, place


def _check_place(country, values):
    place = {field: (value or "").strip() for field, value in values.items()}
    required = ["name", "address", "town"]
    if country == "FR":
        required.append("postcode")
    _require({field: place[field] for field in required})
    if country == "FR":
        _check_french_postcode(place["postcode"])
    return place


def _check_french_postcode(postcode):
    if not re.fullmatch(r"\d{5}", postcode):
        raise ValidationError({"postcode": _("A French postcode has 5 digits.")})
    # 2A and 2B are département codes, not postcodes: Corsican postcodes start with 20.
    if not (1 <= int(postcode[:2]) <= 95 or postcode[:2] in ("97", "98")):
        raise ValidationError(
            {
                "postcode": _(
                    "This is not a French postcode: it starts with the number of a "
                    "département, 01 to 95, or 97 or 98 overseas."
                )
            }
        )


def _refuse_if_registered(siret, vat_number):
    if siret:
        field = "siret"
        existing = Organisation.objects.filter(siret=siret).first()
    else:
        field = "vat_number"
        existing = Organisation.objects.filter(
            kind=OrganisationKind.BUSINESS, siret="", vat_number=vat_number
        ).first()
    if existing is not None:
        raise ValidationError({field: _already_registered(field, existing)})


def _already_registered(field, organisation):
    # Nobody's name: the page must not tell a stranger who works for the business.
    if field == "siret":
        message = _(
            "This SIRET is already registered, for “%(name)s”. Its administrator "
            "can invite you to join it, or the platform's support can help."
        )
    else:
        message = _(
            "This VAT number is already registered, for “%(name)s”. Its "
            "administrator can invite you to join it, or the platform's support "
            "can help."
        )
    return ValidationError(
        message, code="already_registered", params={"name": organisation.name}
    )


def add_member(actor, organisation, *, email, role):
    """Invite `email` to hold `role` in `organisation`, and return the invitation.

    Nothing changes until the owner of the address accepts; whether an account uses
    it is not told. The returned invitation carries its link's `token`, kept nowhere
    else; inviting again renews the open invitation and its link.
    """
    if not access.can_manage_members(actor, organisation):
        raise PermissionDenied
    if role not in ROLES_BY_KIND.get(organisation.kind, set()):
        raise ValidationError(
            {"role": _("This role does not exist in this kind of organisation.")}
        )
    email = User.objects.normalize_email(email.strip()).lower()
    _require({"email": email})
    token = secrets.token_urlsafe(32)
    at = now()
    with transaction.atomic():
        if Membership.objects.filter(
            organisation=organisation, role=role, user__email__iexact=email
        ).exists():
            raise ValidationError(
                {
                    "role": ValidationError(
                        _("%(email)s already holds this role."),
                        params={"email": email},
                    )
                }
            )
        invitation, _created = Invitation.objects.update_or_create(
            organisation=organisation,
            email=email,
            role=role,
            accepted_at=None,
            declined_at=None,
            defaults={
                "invited_by": actor,
                "token_digest": access.token_digest(token),
                "created_at": at,
                "expires_at": at + INVITATION_VALIDITY,
            },
        )
        record(
            "accounts.member-invited",
            actor=actor,
            obj=organisation,
            invitation=invitation.pk,
            role=role,
        )
        transaction.on_commit(lambda: _send_invitation(invitation, token))
    invitation.token = token
    return invitation


def _send_invitation(invitation, token):
    user = User.objects.filter(email__iexact=invitation.email).first()
    language = user.language if user else settings.LANGUAGE_CODE
    zone = invitation.organisation.time_zone
    with translation.override(language), timezone.override(zone):
        url = reverse("web:invitation", kwargs={"token": token})
        context = {
            "actor": invitation.invited_by,
            "organisation": invitation.organisation,
            "role": invitation.get_role_display(),
            "platform_name": settings.MUTUALIS_PLATFORM_NAME,
            "url": absolute_url(url),
            "signup_url": absolute_url(
                reverse("web:signup") + "?" + urlencode({"next": url})
            ),
            "expires_at": invitation.expires_at,
        }
        subject = gettext(
            "%(platform)s: you are invited to be %(role)s of %(organisation)s"
        ) % {
            "platform": settings.MUTUALIS_PLATFORM_NAME,
            "role": context["role"],
            "organisation": invitation.organisation.name,
        }
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def accept_invitation(user, invitation):
    """Give `user` the role `invitation` offers them, and return the membership."""
    with transaction.atomic():
        invitation = _answerable(user, invitation)
        invitation.accepted_at = now()
        invitation.save(update_fields=["accepted_at"])
        membership, _created = Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, role=invitation.role
        )
        record(
            "accounts.invitation-accepted",
            actor=user,
            obj=invitation.organisation,
            invitation=invitation.pk,
            user=user.pk,
            role=invitation.role,
        )
    access.forget_roles(user)
    return membership


def decline_invitation(user, invitation):
    """Refuse the role `invitation` offers `user`; the link then stops working."""
    with transaction.atomic():
        invitation = _answerable(user, invitation)
        invitation.declined_at = now()
        invitation.save(update_fields=["declined_at"])
        record(
            "accounts.invitation-declined",
            actor=user,
            obj=invitation.organisation,
            invitation=invitation.pk,
            role=invitation.role,
        )
    return invitation


def _answerable(user, invitation):
    # Locked and read again: a second click or another tab must find it answered.
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .get(pk=invitation.pk)
    )
    refusal = access.invitation_refusal(user, invitation)
    if refusal:
        raise PermissionDenied(refusal)
    return invitation


def remove_role(actor, membership):
    """Take one role from a member; the last admin keeps the admin role."""
    organisation = membership.organisation
    if not access.can_manage_members(actor, organisation):
        raise PermissionDenied
    with transaction.atomic():
        _keep_one_admin(membership)
        deleted, _by_model = Membership.objects.filter(pk=membership.pk).delete()
        if deleted:
            record(
                "accounts.role-removed",
                actor=actor,
                obj=organisation,
                user=membership.user_id,
                role=membership.role,
            )
    access.forget_roles(membership.user)
    access.forget_roles(actor)


def _keep_one_admin(membership):
    organisation = membership.organisation
    admin_role = access.admin_role_of(organisation)
    if membership.role != admin_role:
        return
    # Locking the admins' rows stops two admins removing each other at once (on
    # SQLite the IMMEDIATE transaction already lets one writer through at a time).
    admins = list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, role=admin_role)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise ValidationError(
            _(
                "%(name)s is the last admin of %(organisation)s: make someone else "
                "admin before removing this role."
            ),
            code="last_admin",
            params={"name": membership.user.full_name, "organisation": organisation},
        )
