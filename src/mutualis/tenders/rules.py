"""What a draft needs before it is published; each failed rule says which rule it is.

References are to Directive 2014/24/EU. The platform always takes bids
electronically, so the shortened time limits for electronic submission apply.
"""

import dataclasses
import datetime as dt

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.accounts.models import BuyerType
from mutualis.bids.access import current_keys
from mutualis.core.time import now, to_local
from mutualis.referential import thresholds
from mutualis.referential.loaders import ReferentialError
from mutualis.tenders.models import Nature, Procedure

# Procedures whose first deadline is for requests to participate.
TWO_STAGE = {Procedure.RESTRICTED}


@dataclasses.dataclass(frozen=True)
class MinimumPeriod:
    deadline: str
    days: int
    article: str


# Minimum time from publication of the contract notice, above the EU thresholds.
MINIMUM_PERIODS = {
    # Art. 27(1) and (4): 35 days, less 5 when bids are submitted electronically.
    Procedure.OPEN: MinimumPeriod("submission_deadline", 30, "27"),
    # Art. 28(1): 30 days for the receipt of requests to participate.
    Procedure.RESTRICTED: MinimumPeriod("participation_deadline", 30, "28"),
}


@dataclasses.dataclass(frozen=True)
class Failure:
    rule: str
    message: str

    def __str__(self):
        return self.message


class Facts:
    """What the rules share: the instant of publication and the EU threshold."""

    def __init__(self, consultation, at):
        self.consultation = consultation
        self.at = at
        self.threshold_error = None
        try:
            self.threshold = threshold_for(consultation, at)
        except ReferentialError as error:
            self.threshold, self.threshold_error = None, error

    @property
    def above_threshold(self):
        value = self.consultation.estimated_value
        if value is None or self.threshold is None:
            return False
        return thresholds.is_above_threshold(value, self.threshold)


def check_publication(consultation, at=None):
    """Every rule `consultation` fails if published at `at` (now by default)."""
    facts = Facts(consultation, at or now())
    failures = []
    for rule in RULES:
        failures.extend(rule(consultation, facts))
    return failures


def deadlines_set(consultation, facts):
    missing = [
        field
        for field in required_deadlines(consultation)
        if not getattr(consultation, field)
    ]
    return [
        Failure(
            "deadlines-set",
            _("Deadlines set: the %(deadline)s is missing.")
            % {"deadline": deadline_label(field)},
        )
        for field in missing
    ]


def deadlines_in_future(consultation, facts):
    return [
        Failure(
            "deadlines-in-future",
            _(
                "Deadlines in the future: the %(deadline)s (%(when)s) has already passed."
            )
            % {
                "deadline": deadline_label(field),
                "when": local_text(consultation, field),
            },
        )
        for field in required_deadlines(consultation)
        if getattr(consultation, field) and getattr(consultation, field) <= facts.at
    ]


def deadlines_in_order(consultation, facts):
    questions = consultation.questions_deadline
    submission = consultation.submission_deadline
    failures = []
    if questions and submission and questions >= submission:
        failures.append(
            Failure(
                "deadlines-in-order",
                _(
                    "Deadlines in order: the deadline for questions must come before the deadline for bids."
                ),
            )
        )
    participation = consultation.participation_deadline
    two_stage = consultation.procedure in TWO_STAGE
    if two_stage and participation and submission and participation >= submission:
        failures.append(
            Failure(
                "deadlines-in-order",
                _(
                    "Deadlines in order: the deadline for requests to participate must come before the deadline for bids."
                ),
            )
        )
    return failures


def has_document(consultation, facts):
    if consultation.documents.exists():
        return []
    return [
        Failure(
            "document-attached",
            _("Documents attached: attach at least one consultation document (DCE)."),
        )
    ]


def commission_named(consultation, facts):
    """Sealed bids need their openers' keys: k of n current keys of openers."""
    commission = getattr(consultation, "opening_commission", None)
    if commission is None:
        return [
            Failure(
                "opening-commission",
                _(
                    "Opening commission: name the openers' keys and how many must act together."
                ),
            )
        ]
    keys = list(commission.keys.all())
    current = set(current_keys(consultation.buyer).values_list("pk", flat=True))
    if not keys or any(key.pk not in current for key in keys):
        return [
            Failure(
                "opening-commission",
                _(
                    "Opening commission: every key must be a current key of an opener of %(buyer)s."
                )
                % {"buyer": consultation.buyer},
            )
        ]
    if not 1 <= commission.threshold <= len(keys):
        return [
            Failure(
                "opening-commission",
                _(
                    "Opening commission: the openers needed must be between 1 and %(count)d."
                )
                % {"count": len(keys)},
            )
        ]
    return []


def main_cpv_set(consultation, facts):
    if consultation.main_cpv_id:
        return []
    return [Failure("main-cpv", _("Main CPV code: choose the main CPV code."))]


def value_set(consultation, facts):
    if consultation.estimated_value is not None:
        return []
    return [
        Failure(
            "estimated-value",
            _(
                "Estimated value: give the estimated value; it decides which EU threshold and procedures apply (Art. 5)."
            ),
        )
    ]


def lots_within_value(consultation, facts):
    value = consultation.estimated_value
    lots_total = sum(lot.estimated_value or 0 for lot in consultation.lots.all())
    if value is None or lots_total <= value:
        return []
    return [
        Failure(
            "lots-value",
            _(
                "Estimated value: the lots add up to %(lots)s, more than the estimated value %(value)s; the estimated value is the total of all the lots (Directive 2014/24/EU, Art. 5(8))."
            )
            % {
                "lots": money(lots_total, consultation.currency),
                "value": money(value, consultation.currency),
            },
        )
    ]


def procedure_fits_value(consultation, facts):
    if consultation.procedure != Procedure.ADAPTED or not facts.above_threshold:
        return []
    return [
        Failure(
            "eu-threshold",
            _(
                "EU threshold: the estimated value %(value)s is at or above the EU threshold %(threshold)s for %(scope)s: use an EU procedure."
            )
            % {
                "value": money(consultation.estimated_value, consultation.currency),
                "threshold": money(threshold_value(facts.threshold), "EUR"),
                "scope": scope_text(consultation),
            },
        )
    ]


def minimum_time_limits(consultation, facts):
    period = MINIMUM_PERIODS.get(consultation.procedure)
    deadline = getattr(consultation, period.deadline) if period else None
    if deadline is None or not facts.above_threshold:
        return []
    left = deadline - facts.at
    if left >= dt.timedelta(days=period.days):
        return []
    return [
        Failure(
            "minimum-time-limit",
            ngettext(
                "Minimum time limit (Directive 2014/24/EU, Art. %(article)s): above the EU threshold, the %(deadline)s must be at least %(days)s days after publication (%(procedure)s); %(left)s day is left.",
                "Minimum time limit (Directive 2014/24/EU, Art. %(article)s): above the EU threshold, the %(deadline)s must be at least %(days)s days after publication (%(procedure)s); %(left)s days are left.",
                left.days,
            )
            % {
                "article": period.article,
                "deadline": deadline_label(period.deadline),
                "procedure": consultation.get_procedure_display(),
                "days": period.days,
                "left": left.days,
            },
        )
    ]


def threshold_known(consultation, facts):
    if facts.threshold_error is None:
        return []
    return [Failure("eu-threshold", str(facts.threshold_error))]


RULES = [
    deadlines_set,
    deadlines_in_future,
    deadlines_in_order,
    has_document,
    commission_named,
    main_cpv_set,
    value_set,
    lots_within_value,
    threshold_known,
    procedure_fits_value,
    minimum_time_limits,
]


def required_deadlines(consultation):
    fields = ["questions_deadline", "submission_deadline"]
    if consultation.procedure in TWO_STAGE:
        fields.insert(1, "participation_deadline")
    return fields


def deadline_label(field):
    return {
        "questions_deadline": _("deadline for questions"),
        "participation_deadline": _("deadline for requests to participate"),
        "submission_deadline": _("deadline for bids"),
    }[field]


def local_text(consultation, field):
    local = consultation.local(getattr(consultation, field))
    return f"{local:%Y-%m-%d %H:%M} {consultation.time_zone}"


def money(value, currency):
    return f"{number_format(value, 2, force_grouping=True)} {currency}"


def scope_text(consultation):
    buyer_type = consultation.buyer.buyer_type or BuyerType.OTHER
    return _("%(buyer_type)s, %(nature)s contracts") % {
        "buyer_type": BuyerType(buyer_type).label,
        "nature": Nature(consultation.nature).label,
    }


def threshold_for(consultation, at):
    """The EU threshold for this buyer, nature and main CPV code on that day."""
    codes = [cpv.code for cpv in consultation.all_cpv]
    return thresholds.applicable_threshold(
        consultation.buyer.buyer_type or BuyerType.OTHER,
        consultation.nature,
        cpv_codes=codes,
        on=to_local(at, consultation.time_zone).date(),
    )


def threshold_value(threshold):
    return getattr(threshold, "value", threshold)


def allowed_procedures(consultation, at=None):
    """The procedures this draft may use, as far as its value tells."""
    if Facts(consultation, at or now()).above_threshold:
        return [p for p in Procedure if p != Procedure.ADAPTED]
    return list(Procedure)
