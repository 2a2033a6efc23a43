"""Forms of the consultation pages: drafting, lots, documents, portal search."""

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from mutualis.accounts.models import Organisation
from mutualis.core.time import (
    DEFAULT_TIME_ZONE,
    WallClockError,
    is_valid_time_zone,
    to_local,
    to_utc,
)
from mutualis.exchange.models import FeedSource
from mutualis.referential.models import CpvCode, NutsCode
from mutualis.tenders.models import Language, Nature, Procedure
from mutualis.tenders.search import HERE, Criteria, public_consultations

CPV_FORMAT = re.compile(r"^(\d{8})(?:-(\d))?$")
NUTS_FORMAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
SEPARATORS = re.compile(r"[\s,;]+")
DEADLINES = ("questions_deadline", "participation_deadline", "submission_deadline")


def split_codes(text):
    return [code for code in SEPARATORS.split(text or "") if code]


def find_cpv(code):
    """The CpvCode for "45233140" or "45233140-2", or a ValidationError naming it."""
    match = CPV_FORMAT.match(code.strip())
    if not match:
        raise ValidationError(
            _(
                "%(code)s is not a CPV code (8 digits, with or without the check digit, as in 45233140-2)."
            ),
            code="cpv-format",
            params={"code": code},
        )
    digits, check = match.groups()
    cpv = CpvCode.objects.filter(code__startswith=f"{digits}-").first()
    if cpv is None or (check and cpv.code != f"{digits}-{check}"):
        raise ValidationError(
            _("Unknown CPV code: %(code)s."), code="cpv-unknown", params={"code": code}
        )
    return cpv


class CpvCodeField(forms.CharField):
    """One CPV code, typed as digits, cleaned to its CpvCode row."""

    def clean(self, value):
        value = super().clean(value)
        return find_cpv(value) if value else None


class CpvCodesField(forms.CharField):
    """Several CPV codes separated by commas or spaces; each unknown one is named."""

    widget = forms.TextInput

    def clean(self, value):
        value = super().clean(value)
        found, errors = [], []
        for code in split_codes(value):
            try:
                found.append(find_cpv(code))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(found))


class NutsCodesField(forms.CharField):
    """Several NUTS codes (FRC11 FRC12); each unknown one is named."""

    def clean(self, value):
        codes = [code.upper() for code in split_codes(super().clean(value))]
        rows = NutsCode.objects.in_bulk(codes, field_name="code")
        unknown = [code for code in codes if code not in rows]
        if unknown:
            raise ValidationError(
                [
                    ValidationError(
                        _("Unknown NUTS code: %(code)s."),
                        code="nuts-unknown",
                        params={"code": code},
                    )
                    for code in unknown
                ]
            )
        return [rows[code] for code in dict.fromkeys(codes)]


# Beyond these years a date is a typing slip, and the time zone arithmetic would
# overflow Python's datetime at its ends.
FIRST_YEAR, LAST_YEAR = 1990, 2200


def plausible_date(value):
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Give a date between the years %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="out_of_range",
        )


class WallClockField(forms.DateTimeField):
    """A date and time as read on a clock, naive; the form turns it into UTC."""

    widget = forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
    )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        try:
            result = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None
        if result.tzinfo is not None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        plausible_date(result)
        return result


def with_blank(choices):
    return [("", _("any")), *choices]


class ConsultationForm(forms.Form):
    """The facts of a draft; deadlines are typed in the consultation's time zone."""

    buyer = forms.ModelChoiceField(
        label=_("Buyer"), queryset=Organisation.objects.none(), empty_label=None
    )
    reference = forms.CharField(label=_("Reference"), max_length=100)
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False
    )
    language = forms.ChoiceField(
        label=_("Main language"),
        choices=Language.choices,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text=_("The language of the title and description above."),
    )
    nature = forms.ChoiceField(label=_("Contract nature"), choices=Nature.choices)
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    estimated_value = forms.DecimalField(
        label=_("Estimated value (excl. VAT)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Z]{3}$",
        initial="EUR",
        error_messages={"invalid": _("Give a currency as three capitals, as EUR.")},
    )
    main_cpv = CpvCodeField(
        label=_("Main CPV code"),
        required=False,
        help_text=_("8 digits, with or without the check digit: 45233140-2."),
    )
    extra_cpv = CpvCodesField(
        label=_("Additional CPV codes"),
        required=False,
        help_text=_("Separated by commas or spaces."),
    )
    nuts = NutsCodesField(
        label=_("Place of performance (NUTS codes)"),
        required=False,
        help_text=_("Separated by commas or spaces, as FRC11 FRC13."),
    )
    time_zone = forms.CharField(
        label=_("Time zone"), initial=DEFAULT_TIME_ZONE, max_length=64
    )
    questions_deadline = WallClockField(
        label=_("Deadline for questions"),
        required=False,
        help_text=_("Date and time in the consultation's time zone."),
    )
    participation_deadline = WallClockField(
        label=_("Deadline for requests to participate"),
        required=False,
        help_text=_("Restricted procedure only; in the consultation's time zone."),
    )
    submission_deadline = WallClockField(
        label=_("Deadline for bids"),
        required=False,
        help_text=_("Date and time in the consultation's time zone."),
    )

    def __init__(self, *args, buyers=None, consultation=None, **kwargs):
        if consultation is not None:
            kwargs.setdefault("initial", initial_for(consultation))
        super().__init__(*args, **kwargs)
        if buyers is None:
            del self.fields["buyer"]
        else:
            self.fields["buyer"].queryset = buyers

    def clean_time_zone(self):
        zone = self.cleaned_data["time_zone"].strip()
        if not is_valid_time_zone(zone):
            raise ValidationError(
                _("%(zone)s is not a known time zone (as Europe/Paris)."),
                params={"zone": zone},
            )
        return zone

    def clean(self):
        data = super().clean()
        zone = data.get("time_zone")
        for name in DEADLINES:
            local = data.get(name)
            if local is None or zone is None:
                continue
            try:
                data[name] = to_utc(local, zone)
            except WallClockError as error:
                self.add_error(name, str(error))
        return data

    def draft_fields(self):
        """The cleaned values as create_draft and update_draft take them."""
        fields = {k: v for k, v in self.cleaned_data.items() if k != "buyer"}
        # A form sent without a language keeps the draft's (French by default).
        if not fields["language"]:
            del fields["language"]
        return fields


def initial_for(consultation):
    initial = {
        name: getattr(consultation, name)
        for name in (
            "reference",
            "title",
            "description",
            "language",
            "nature",
            "procedure",
            "estimated_value",
            "currency",
            "time_zone",
        )
    }
    initial["main_cpv"] = consultation.main_cpv.code if consultation.main_cpv else ""
    initial["extra_cpv"] = " ".join(c.code for c in consultation.extra_cpv.all())
    initial["nuts"] = " ".join(n.code for n in consultation.nuts.all())
    for name in DEADLINES:
        instant = getattr(consultation, name)
        if instant:
            local = to_local(instant, consultation.time_zone)
            initial[name] = local.replace(tzinfo=None)
    return initial


class TextForm(forms.Form):
    """A draft's title and description in one of its other languages."""

    # The draft's own form is on the same page: its fields keep their ids.
    prefix = "text"
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False
    )

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (code, label)
            for code, label in Language.choices
            if code != consultation.language
        ]

    @classmethod
    def for_text(cls, consultation, language):
        """The form filled with the draft's text in `language`, or empty."""
        text = consultation.texts.filter(language=language).first()
        initial = {"language": language}
        if text is not None:
            initial |= {"title": text.title, "description": text.description}
        return cls(consultation=consultation, initial=initial)


class LotForm(forms.Form):
    number = forms.IntegerField(label=_("Lot number"), min_value=1)
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False
    )
    estimated_value = forms.DecimalField(
        label=_("Estimated value (excl. VAT)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
    )
    main_cpv = CpvCodeField(
        label=_("Main CPV code of the lot"),
        required=False,
        help_text=_("8 digits, with or without the check digit: 45233140-2."),
    )

    @classmethod
    def for_lot(cls, lot, *args, **kwargs):
        initial = {
            "number": lot.number,
            "title": lot.title,
            "description": lot.description,
            "estimated_value": lot.estimated_value,
            "main_cpv": lot.main_cpv.code if lot.main_cpv else "",
        }
        return cls(*args, initial=initial, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [
                super(MultipleFileField, self).clean(item, initial) for item in data
            ]
        return [super().clean(data, initial)] if data else []


class DocumentUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Consultation documents (DCE)"),
        help_text=_("You may choose several files at once."),
    )


class SearchForm(forms.Form):
    """The portal's search, sent by GET so that it works without JavaScript."""

    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    cpv = CpvCodeField(
        label=_("CPV code"),
        required=False,
        help_text=_("Finds the code and every code below it."),
    )
    nuts = forms.CharField(
        label=_("Place (NUTS code)"),
        required=False,
        max_length=5,
        help_text=_("FR, FRC or FRC11: a code finds the regions inside it."),
    )
    # A name, not a list: a region has thousands of buyers, and a list of them
    # weighed more than the rest of the page.
    buyer = forms.CharField(
        label=_("Buyer"),
        required=False,
        max_length=200,
        help_text=_("Words of its name, as Dijon or syndicat des eaux."),
    )
    procedure = forms.ChoiceField(
        label=_("Procedure"), choices=with_blank(Procedure.choices), required=False
    )
    nature = forms.ChoiceField(
        label=_("Contract nature"), choices=with_blank(Nature.choices), required=False
    )
    closes_from = forms.DateField(
        validators=[plausible_date],
        label=_("Closing from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    closes_to = forms.DateField(
        validators=[plausible_date],
        label=_("Closing until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    platform = forms.ChoiceField(
        label=_("Platform"),
        required=False,
        help_text=_("This platform, or one of the network's that it follows."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        sources = FeedSource.objects.filter(
            Exists(public_consultations().filter(followed__source=OuterRef("pk")))
        )
        self.fields["platform"].choices = [
            ("", _("any")),
            (HERE, _("this platform")),
            *((str(source.pk), source.name) for source in sources),
        ]

    def clean_nuts(self):
        code = self.cleaned_data["nuts"].strip().upper()
        if code and not NUTS_FORMAT.match(code):
            raise ValidationError(
                _("%(code)s is not a NUTS code (as FRC or FRC11)."),
                params={"code": code},
            )
        return code

    def criteria(self):
        data = self.cleaned_data
        return Criteria(
            text=data["q"],
            cpv=data["cpv"],
            nuts=data["nuts"],
            buyer_name=data["buyer"],
            procedure=data["procedure"],
            nature=data["nature"],
            closes_from=data["closes_from"],
            closes_to=data["closes_to"],
            platform=data["platform"],
        )


class DownloadAsForm(forms.Form):
    """For a person in several businesses: the one their downloads count for."""

    organisation = forms.ModelChoiceField(
        label=_("Download on behalf of"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("(no organisation)"),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
