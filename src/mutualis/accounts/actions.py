"""What changes people, organisations and memberships.

Each action checks permission, commits in one transaction with its journal entry,
and sends mail only after the commit.
"""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from mutualis.accounts import access
from mutualis.accounts.identifiers import business_identifiers
from mutualis.accounts.models import (
    ROLES_BY_KIND,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from mutualis.core.journal import record

EMAIL_TAKEN = _(
    "An account already uses this e-mail address. If it is yours, log in, or "
    "reset your password if you have forgotten it."
)
# Someone told whom to ask for access gets at most this many names.
ADMINS_NAMED = 3


def sign_up(*, email, full_name, password, language):
    """Create and return the account of a person signing up.

    The caller has run the password validators (the sign-up form does).
    TODO(email-verification): confirm the address by a mailed link before the
    account can be added to an organisation; until then an admin adding a member by
    e-mail trusts that whoever signed up with it owns the mailbox.
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
    already registered is refused, saying whom to ask for access.
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
    if country == "FR" and not re.fullmatch(r"\d{5}", place["postcode"]):
        raise ValidationError({"postcode": _("A French postcode has 5 digits.")})
    return place


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
    names = [
        admin.full_name
        for admin in access.admins_of(organisation)[:ADMINS_NAMED]
        if admin.full_name
    ]
    if field == "siret":
        first = gettext("This SIRET is already registered, for “%(name)s”.")
    else:
        first = gettext("This VAT number is already registered, for “%(name)s”.")
    if names:
        then = ngettext(
            "Ask its admin, %(admins)s, to add you as a member.",
            "Ask one of its admins (%(admins)s) to add you as a member.",
            len(names),
        )
    else:
        then = gettext("Ask the platform's support to add you as a member.")
    return ValidationError(
        f"{first} {then}",
        code="already_registered",
        params={"name": organisation.name, "admins": ", ".join(names)},
    )


def add_member(actor, organisation, *, email, role):
    """Give the person with account `email` the `role` in `organisation`."""
    if not access.can_manage_members(actor, organisation):
        raise PermissionDenied
    if role not in ROLES_BY_KIND.get(organisation.kind, set()):
        raise ValidationError(
            {"role": _("This role does not exist in this kind of organisation.")}
        )
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise ValidationError(
            {
                "email": _(
                    "No account uses this e-mail address. Ask the person to sign up, "
                    "then add them."
                )
            }
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        if not created:
            raise ValidationError(
                {
                    "role": ValidationError(
                        _("%(name)s already holds this role."),
                        params={"name": user.full_name},
                    )
                }
            )
        record(
            "accounts.member-added",
            actor=actor,
            obj=organisation,
            user=user.pk,
            role=role,
        )
        transaction.on_commit(lambda: _tell_member_added(membership, actor))
    access.forget_roles(user)
    return membership


def _tell_member_added(membership, actor):
    user = membership.user
    with translation.override(user.language):
        context = {
            "user": user,
            "actor": actor,
            "organisation": membership.organisation,
            "role": membership.get_role_display(),
            "platform_name": settings.MUTUALIS_PLATFORM_NAME,
            "url": settings.MUTUALIS_BASE_URL + reverse("web:dashboard"),
        }
        subject = gettext("%(platform)s: you are now %(role)s of %(organisation)s") % {
            "platform": settings.MUTUALIS_PLATFORM_NAME,
            "role": context["role"],
            "organisation": membership.organisation.name,
        }
        body = render_to_string("accounts/email/member_added.txt", context)
    send_mail(subject, body, None, [user.email])


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
