import dataclasses

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from mutualis.core.time import DEFAULT_TIME_ZONE, now, to_local


class Language(models.TextChoices):
    """The 24 official languages of the EU, by their ISO 639-1 codes."""

    BG = "bg", _("Bulgarian")
    CS = "cs", _("Czech")
    DA = "da", _("Danish")
    DE = "de", _("German")
    EL = "el", _("Greek")
    EN = "en", _("English")
    ES = "es", _("Spanish")
    ET = "et", _("Estonian")
    FI = "fi", _("Finnish")
    FR = "fr", _("French")
    GA = "ga", _("Irish")
    HR = "hr", _("Croatian")
    HU = "hu", _("Hungarian")
    IT = "it", _("Italian")
    LT = "lt", _("Lithuanian")
    LV = "lv", _("Latvian")
    MT = "mt", _("Maltese")
    NL = "nl", _("Dutch")
    PL = "pl", _("Polish")
    PT = "pt", _("Portuguese")
    RO = "ro", _("Romanian")
    SK = "sk", _("Slovak")
    SL = "sl", _("Slovenian")
    SV = "sv", _("Swedish")


@dataclasses.dataclass(frozen=True)
class Text:
    """A consultation's title and description in one language."""

    language: str
    title: str
    description: str

    @property
    def language_name(self):
        return language_name(self.language)


def language_name(code):
    """The name of the language `code` in the reader's language, else the code."""
    return Language(code).label if code in Language.values else code


def reader_language(code=None):
    """The language part of `code` (the active language by default): "pt-br" → "pt"."""
    return (code or get_language() or "").split("-")[0].lower()


class Nature(models.TextChoices):
    """Contract nature, with the eForms contract-nature codes as values."""

    WORKS = "works", _("works")
    SUPPLIES = "supplies", _("supplies")
    SERVICES = "services", _("services")


class Procedure(models.TextChoices):
    """Procedure, with the eForms procurement-procedure-type codes as values."""

    OPEN = "open", _("open procedure")
    RESTRICTED = "restricted", _("restricted procedure")
    NEGOTIATED_WITH_CALL = "neg-w-call", _("competitive procedure with negotiation")
    NEGOTIATED_WITHOUT_CALL = (
        "neg-wo-call",
        _("negotiated procedure without prior call"),
    )
    COMPETITIVE_DIALOGUE = "comp-dial", _("competitive dialogue")
    INNOVATION_PARTNERSHIP = "innovation", _("innovation partnership")
    ADAPTED = "adapted", _("adapted procedure (below the EU thresholds)")
    DESIGN_CONTEST = "design-contest", _("design contest")
    OTHER = "oth-single", _("other procedure")


class State(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("consultation state", "draft")
    PUBLISHED = "published", pgettext_lazy("consultation state", "published")
    OPENED = "opened", pgettext_lazy("consultation state", "opened")
    AWARDED = "awarded", pgettext_lazy("consultation state", "awarded")
    CANCELLED = "cancelled", pgettext_lazy("consultation state", "cancelled")


# The only moves a consultation's state can make; actions.py checks every change here.
TRANSITIONS = {
    State.DRAFT: {State.PUBLISHED, State.CANCELLED},
    State.PUBLISHED: {State.OPENED, State.AWARDED, State.CANCELLED},
    State.OPENED: {State.AWARDED, State.CANCELLED},
    State.AWARDED: set(),
    State.CANCELLED: set(),
}


# What the portal shows to everyone; drafts and cancelled calls stay with the buyer.
PUBLIC_STATES = (State.PUBLISHED, State.OPENED, State.AWARDED)


class InvalidTransition(ValueError):
    pass


class Phase(models.TextChoices):
    """What a user sees: a published consultation is open until its deadline."""

    DRAFT = "draft", pgettext_lazy("consultation state", "draft")
    OPEN = "open", pgettext_lazy("consultation state", "open for bids")
    CLOSED = "closed", pgettext_lazy("consultation state", "closed, awaiting opening")
    OPENED = "opened", pgettext_lazy("consultation state", "bids opened")
    AWARDED = "awarded", pgettext_lazy("consultation state", "awarded")
    CANCELLED = "cancelled", pgettext_lazy("consultation state", "cancelled")


class Consultation(models.Model):
    buyer = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    reference = models.CharField(_("reference"), max_length=100)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=3, default="fr")
    nature = models.CharField(
        _("contract nature"), max_length=16, choices=Nature.choices
    )
    procedure = models.CharField(
        _("procedure"), max_length=20, choices=Procedure.choices
    )
    estimated_value = models.DecimalField(
        _("estimated value (excl. VAT)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    main_cpv = models.ForeignKey(
        "referential.CpvCode",
        verbose_name=_("main CPV code"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    extra_cpv = models.ManyToManyField(
        "referential.CpvCode",
        verbose_name=_("additional CPV codes"),
        blank=True,
        related_name="+",
    )
    nuts = models.ManyToManyField(
        "referential.NutsCode",
        verbose_name=_("place of performance (NUTS)"),
        blank=True,
        related_name="consultations",
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=DEFAULT_TIME_ZONE
    )
    questions_deadline = models.DateTimeField(_("deadline for questions"), null=True)
    # Restricted procedures: candidates first ask to take part (Art. 28, 2014/24/EU).
    participation_deadline = models.DateTimeField(
        _("deadline for requests to participate"), null=True, blank=True
    )
    submission_deadline = models.DateTimeField(_("deadline for bids"), null=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    opened_at = models.DateTimeField(
        pgettext_lazy("date", "opened"), null=True, blank=True
    )
    awarded_at = models.DateTimeField(_("awarded"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set for a consultation that came in from a published notice (TED, eForms).
    notice_id = models.CharField(_("notice identifier"), max_length=64, blank=True)
    # The procedure identifier shared by all the notices of one procedure
    # (eForms ContractFolderID).
    procedure_identifier = models.CharField(
        _("procedure identifier"), max_length=64, blank=True, db_index=True
    )
    notice_publication_id = models.CharField(
        _("publication number"), max_length=32, blank=True
    )

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "reference"], name="consultation_unique_reference"
            ),
            models.UniqueConstraint(
                fields=["notice_id"],
                condition=~models.Q(notice_id=""),
                name="consultation_unique_notice",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submission_deadline"]),
            # The portal lists in this order: a page of the unfiltered list is
            # read from the index instead of sorting every public consultation.
            models.Index(
                fields=["-published_at", "-created_at"], name="consultation_listing"
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    def can_move_to(self, state):
        return state in TRANSITIONS[State(self.state)]

    def move_to(self, state):
        """Set the new state if the transition table allows it; the caller saves."""
        if not self.can_move_to(state):
            raise InvalidTransition(
                _("A consultation cannot go from %(from)s to %(to)s.")
                % {"from": self.get_state_display(), "to": State(state).label}
            )
        self.state = state

    def deadline_passed(self, at=None):
        return self.submission_deadline is not None and (at or now()) > (
            self.submission_deadline
        )

    @property
    def phase(self):
        if self.state == State.PUBLISHED:
            # A notice of a restricted procedure may give only the deadline for
            # requests to participate: once it is past, the call is closed too.
            last = self.submission_deadline or self.participation_deadline
            return Phase.CLOSED if last and now() > last else Phase.OPEN
        return Phase(self.state)

    @property
    def ted_url(self):
        """The notice on TED, for a consultation imported from a published notice."""
        if not self.notice_publication_id:
            return ""
        number, _, year = self.notice_publication_id.partition("-")
        return f"https://ted.europa.eu/en/notice/-/detail/{number.lstrip('0')}-{year}"

    @property
    def followed_from(self):
        """The process of another platform this consultation shows, or None
        (portal mode, mutualis.exchange.following): bids go to that platform."""
        try:
            return self.followed
        except ObjectDoesNotExist:
            return None

    @property
    def is_elsewhere(self):
        """Published by a buyer outside this platform: nobody answers it here."""
        return bool(self.notice_id) or self.followed_from is not None

    def get_phase_display(self):
        return self.phase.label

    def local(self, instant):
        return to_local(instant, self.time_zone) if instant else None

    @property
    def local_submission_deadline(self):
        return self.local(self.submission_deadline)

    @property
    def local_questions_deadline(self):
        return self.local(self.questions_deadline)

    @property
    def local_participation_deadline(self):
        return self.local(self.participation_deadline)

    @property
    def is_public(self):
        return self.state in PUBLIC_STATES

    @property
    def all_cpv(self):
        return [self.main_cpv, *self.extra_cpv.all()] if self.main_cpv else []

    @property
    def main_text(self):
        return Text(self.language, self.title, self.description)

    def all_texts(self):
        """The text in the main language first, then in the others, by code."""
        others = sorted(self.texts.all(), key=lambda text: text.language)
        return [self.main_text, *(text.as_text() for text in others)]

    def text_in(self, language=None):
        """The text in `language` (the reader's by default) if given, else the main
        one; .all() so that a prefetched list asks nothing more."""
        wanted = reader_language(language)
        for text in self.texts.all():
            if text.language == wanted:
                return text.as_text()
        return self.main_text

    @property
    def reader_text(self):
        return self.text_in()

    def previous_versions(self):
        """The files amendments replaced or withdrew, with the amendment of each."""
        return self.previous_documents.select_related("superseded_by")


class Lot(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="lots",
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    estimated_value = models.DecimalField(
        _("estimated value (excl. VAT)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    main_cpv = models.ForeignKey(
        "referential.CpvCode",
        verbose_name=_("main CPV code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identifier = models.CharField(
        _("identifier in the notice"), max_length=32, blank=True
    )

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="lot_unique_number"
            )
        ]

    def __str__(self):
        return _("Lot %(number)s: %(title)s") % {
            "number": self.number,
            "title": self.title,
        }


class ConsultationText(models.Model):
    """A consultation's title and description in a language other than its main one."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="texts",
    )
    language = models.CharField(_("language"), max_length=3, choices=Language.choices)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("consultation text")
        verbose_name_plural = _("consultation texts")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "language"],
                name="consultation_text_unique_language",
            )
        ]

    def __str__(self):
        return f"{self.language}: {self.title}"

    def as_text(self):
        return Text(self.language, self.title, self.description)


class SearchEntry(models.Model):
    """A public consultation as the portal search reads it (tenders.search_index).

    `key` orders the listing, newest first: the second of publication, then the
    consultation's id, in one integer, so that each engine's full-text index can
    hand back its matches already in listing order. `facets` holds one token per
    filter value (CPV prefixes, NUTS prefixes, buyer, procedure, nature, platform).
    """

    consultation = models.OneToOneField(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_entry",
    )
    key = models.BigIntegerField(_("listing key"), unique=True)
    words = models.TextField(_("words"))
    facets = models.TextField(_("facets"))
    deadline = models.DateTimeField(_("deadline for bids"), null=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self):
        return str(self.consultation_id)


def texts_in_reader_language():
    """A prefetch of each consultation's text in the reader's language only."""
    texts = ConsultationText.objects.filter(language=reader_language())
    return models.Prefetch("texts", queryset=texts)


def document_path(document, filename):
    # The stored name is ours; the user's name, accents and all, stays in `name`.
    return f"dce/{document.consultation_id}/{document.sha256}"


class Document(models.Model):
    """A file of the consultation documents (DCE)."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["consultation", "name"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "name"], name="document_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class Download(models.Model):
    """One line of the download register the buyer sees."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="downloads",
    )
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
        help_text=_("Empty when the whole DCE was downloaded as one archive."),
    )
    # Kept so that the register still names a document removed from a draft.
    document_name = models.CharField(_("document name"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
    )
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("download")
        verbose_name_plural = _("downloads")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.consultation.reference}"

    @property
    def is_anonymous(self):
        return self.user_id is None


class Award(models.Model):
    """A winner, from a contract award notice or the buyer's decision."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="awards",
    )
    lot = models.ForeignKey(
        Lot,
        verbose_name=_("lot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="awards",
    )
    winner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("winner"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    value = models.DecimalField(
        _("value (excl. VAT)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        ordering = ["consultation", "lot__number"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self):
        return f"{self.consultation.reference}: {self.winner}"


class Amendment(models.Model):
    """A change to a published consultation: a new DCE version, moved deadlines, or
    both, with its reason. Its number counts the consultation's amendments."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="amendments",
    )
    number = models.PositiveIntegerField(_("number"))
    reason = models.TextField(_("reason"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The version of the DCE this amendment put online; empty when no file changed.
    dce_version = models.PositiveIntegerField(_("DCE version"), null=True, blank=True)
    documents_added = models.JSONField(_("documents added"), default=list)
    documents_replaced = models.JSONField(_("documents replaced"), default=list)
    documents_withdrawn = models.JSONField(_("documents withdrawn"), default=list)
    # The deadlines before and after; `*_after` is empty when it did not move.
    questions_deadline_before = models.DateTimeField(
        _("deadline for questions before"), null=True, blank=True
    )
    questions_deadline_after = models.DateTimeField(
        _("deadline for questions after"), null=True, blank=True
    )
    submission_deadline_before = models.DateTimeField(
        _("deadline for bids before"), null=True, blank=True
    )
    submission_deadline_after = models.DateTimeField(
        _("deadline for bids after"), null=True, blank=True
    )

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="amendment_unique_number"
            )
        ]

    def __str__(self):
        return _("Amendment %(number)s to %(reference)s") % {
            "number": self.number,
            "reference": self.consultation.reference,
        }

    @property
    def changes_documents(self):
        return self.dce_version is not None

    @property
    def local_questions_deadline_before(self):
        return self.consultation.local(self.questions_deadline_before)

    @property
    def local_questions_deadline_after(self):
        return self.consultation.local(self.questions_deadline_after)

    @property
    def local_submission_deadline_before(self):
        return self.consultation.local(self.submission_deadline_before)

    @property
    def local_submission_deadline_after(self):
        return self.consultation.local(self.submission_deadline_after)


class PreviousDocument(models.Model):
    """A DCE file an amendment replaced or withdrew: listed and downloadable still."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="previous_documents",
    )
    superseded_by = models.ForeignKey(
        Amendment,
        verbose_name=_("superseded by"),
        on_delete=models.CASCADE,
        related_name="superseded_documents",
    )
    version = models.PositiveIntegerField(_("DCE version"))
    name = models.CharField(_("file name"), max_length=255)
    # The file stays where it was stored as a current document.
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["consultation", "-version", "name"]
        verbose_name = _("previous document")
        verbose_name_plural = _("previous documents")

    def __str__(self):
        return f"{self.name} (v{self.version})"
