from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models
from django.utils.translation import gettext_lazy as _

from mutualis.core.time import DEFAULT_TIME_ZONE


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("users are identified by their e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: one account, logged in by e-mail, member of several organisations."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="fr"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email


class OrganisationKind(models.TextChoices):
    BUYER = "buyer", _("public buyer")
    BUSINESS = "business", _("business")
    STATE = "state", _("State authority")
    OPERATOR = "operator", _("platform operator")


class BuyerType(models.TextChoices):
    """What sort of public body a buyer is; it sets which EU threshold applies."""

    COMMUNE = "commune", _("commune")
    EPCI = "epci", _("inter-communal body (EPCI)")
    DEPARTEMENT = "departement", _("département")
    REGION = "region", _("region")
    HOSPITAL = "hospital", _("hospital")
    CENTRAL_GOVERNMENT = "central", _("central government authority")
    BODY_PUBLIC_LAW = "body-public-law", _("body governed by public law")
    UTILITY = "utility", _("utility (entity of Directive 2014/25/EU)")
    OTHER = "other", _("other public body")


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=300)
    buyer_type = models.CharField(
        _("type of buyer"), max_length=20, choices=BuyerType.choices, blank=True
    )
    country = models.CharField(_("country"), max_length=2, default="FR")
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, db_index=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)
    vat_number = models.CharField(_("VAT number"), max_length=16, blank=True)
    national_id = models.CharField(
        _("national identifier"),
        max_length=64,
        blank=True,
        help_text=_("For bodies outside France, as given in their notices."),
    )
    insee_code = models.CharField(_("INSEE code"), max_length=5, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("belongs to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text=_("The EPCI of a commune, the region of a département."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    town = models.CharField(_("town"), max_length=200, blank=True)
    nuts = models.ForeignKey(
        "referential.NutsCode",
        verbose_name=_("NUTS"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=DEFAULT_TIME_ZONE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~models.Q(siret=""),
                name="organisation_unique_siret",
            ),
            # A business from another Member State has no SIRET; its VAT number
            # is what identifies it. French establishments of one company share
            # their VAT number, so the rule stops at businesses without SIRET.
            models.UniqueConstraint(
                fields=["vat_number"],
                condition=models.Q(kind="business", siret="")
                & ~models.Q(vat_number=""),
                name="organisation_unique_foreign_vat_number",
            ),
            models.UniqueConstraint(
                fields=["kind", "insee_code"],
                condition=~models.Q(insee_code=""),
                name="organisation_unique_insee_code",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_buyer(self):
        return self.kind == OrganisationKind.BUYER

    @property
    def is_business(self):
        return self.kind == OrganisationKind.BUSINESS


class Role(models.TextChoices):
    BUYER_ADMIN = "buyer-admin", _("buyer admin")
    BUYER_AGENT = "buyer-agent", _("buyer agent")
    OPENER = "opener", _("opener (opening commission)")
    SIGNATORY = "signatory", _("signatory")
    COMPANY_ADMIN = "company-admin", _("company admin")
    BIDDER = "bidder", _("bidder")
    CONTROLLER = "controller", _("controller")
    OPERATOR_ADMIN = "operator-admin", _("operator admin")
    SUPPORT = "support", _("support")


ROLES_BY_KIND = {
    OrganisationKind.BUYER: {
        Role.BUYER_ADMIN,
        Role.BUYER_AGENT,
        Role.OPENER,
        Role.SIGNATORY,
    },
    OrganisationKind.BUSINESS: {Role.COMPANY_ADMIN, Role.BIDDER},
    OrganisationKind.STATE: {Role.CONTROLLER},
    OrganisationKind.OPERATOR: {Role.OPERATOR_ADMIN, Role.SUPPORT},
}


class Membership(models.Model):
    """A person's role in one organisation; a person may hold several roles there."""

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"


class ApiToken(models.Model):
    """A person's API token for one of their organisations; only its SHA-256 is kept.

    It acts with the roles its user holds in that organisation, and no other.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    # Empty only on tokens revoked when tokens became per organisation, whose
    # user then belonged to several organisations.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    label = models.CharField(_("label"), max_length=100)
    # The first characters, shown to tell tokens apart; too short to use.
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(_("SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False)
                | models.Q(revoked_at__isnull=False),
                name="api_token_live_has_organisation",
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class Invitation(models.Model):
    """An offer of a role, mailed to an address; the membership exists once accepted.

    Only the SHA-256 of the link's token is kept. One invitation is open at a time
    for an address, role and organisation: inviting again renews it.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_digest = models.CharField(
        _("SHA-256 of the token"), max_length=64, unique=True
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email", "role"],
                condition=models.Q(accepted_at=None, declined_at=None),
                name="invitation_one_open_per_role",
            )
        ]

    def __str__(self):
        return f"{self.email} — {self.get_role_display()} — {self.organisation}"

    @property
    def is_answered(self):
        return self.accepted_at is not None or self.declined_at is not None
