"""Amending a published consultation: a new DCE version, moved deadlines, or both.

An amendment always gives its reason and is published before the deadline for
bids. The files it replaces or withdraws stay listed and downloadable as previous
versions. Identified downloaders and bidders are told by mail; a bid deposited
before the amendment stays valid unless its bidder deposits a new one.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.accounts.models import User
from mutualis.bids.models import Bid, BidState
from mutualis.core import journal
from mutualis.core.addresses import portal_url
from mutualis.core.journal import record
from mutualis.core.mail import queue_mail
from mutualis.core.time import now
from mutualis.tenders import access, dce, rules
from mutualis.tenders.actions import new_document
from mutualis.tenders.models import (
    Amendment,
    Consultation,
    Download,
    PreviousDocument,
    State,
)

# TODO(amendments): the deadline for requests to participate of a restricted
# procedure is not moved by an amendment yet; add it here and to the form.
DEADLINES = ("questions_deadline", "submission_deadline")
# Directive 2014/24/EU, Art. 47(3)(a) and 53(2): above the EU thresholds, what the
# documents add must reach the bidders at least six days before the deadline.
DAYS_BEFORE_DEADLINE = 6
REASON_MAX_LENGTH = 5000


class AmendmentRefused(ValidationError):
    """The amendment broke a rule; `messages` say which."""


def amend_refusal(user, consultation, at=None):
    """Why `user` may not amend `consultation`, or None."""
    if not access.is_buyer_staff(user, consultation):
        return _("Only the buyer's admins and agents amend its consultations.")
    if consultation.state != State.PUBLISHED:
        return _("Only a published consultation can be amended.")
    if consultation.deadline_passed(at):
        return _(
            "The deadline for bids has passed: the consultation can no longer be "
            "amended."
        )
    return None


def can_amend(user, consultation, at=None):
    return amend_refusal(user, consultation, at) is None


def require_amend(user, consultation, at=None):
    refusal = amend_refusal(user, consultation, at)
    if refusal:
        raise PermissionDenied(refusal)


def publish_amendment(
    user, consultation, *, reason, uploads=(), withdrawn=(), **deadlines
):
    """Publish an amendment: `uploads` replace the current files of the same name
    or are added, `withdrawn` names current files to take out, and
    `questions_deadline` / `submission_deadline` move those deadlines."""
    require_amend(user, consultation)
    reason = clean_reason(reason)
    uploads, withdrawn = list(uploads), set(withdrawn)
    check_files(consultation, uploads, withdrawn)
    stored = []
    try:
        for upload in uploads:
            stored.append(dce.store(upload, consultation.pk))
        with transaction.atomic():
            amendment = record_amendment(
                user, consultation, reason, stored, withdrawn, deadlines
            )
    except BaseException:
        for item in stored:
            dce.delete_stored(item.path)
        raise
    return amendment


def record_amendment(user, consultation, reason, stored, withdrawn, deadlines):
    consultation = locked(user, consultation)
    journal.hold()
    at = now()
    moved = moved_deadlines(consultation, deadlines)
    if not stored and not withdrawn and not moved:
        raise AmendmentRefused(
            _("Nothing changes: add or withdraw a file, or move a deadline.")
        )
    amendment = Amendment(
        consultation=consultation,
        number=next_number(consultation),
        reason=reason,
        published_at=at,
        published_by=user,
        **{f"{field}_before": getattr(consultation, field) for field in DEADLINES},
        **{f"{field}_after": value for field, value in moved.items()},
    )
    for field, value in moved.items():
        setattr(consultation, field, value)
    check_deadlines(consultation, moved, changes_files=bool(stored or withdrawn), at=at)
    amendment.save()
    if stored or withdrawn:
        new_version(user, consultation, amendment, stored, withdrawn)
    consultation.save(update_fields=[*moved, "updated_at"])
    record(
        "tenders.consultation.amended",
        actor=user,
        obj=consultation,
        at=at,
        number=amendment.number,
        reason=reason,
        dce_version=amendment.dce_version,
        added=amendment.documents_added,
        replaced=amendment.documents_replaced,
        withdrawn=amendment.documents_withdrawn,
        files=[
            {"name": item.name, "size": item.size, "sha256": item.sha256}
            for item in stored
        ],
        **moved,
    )
    queue_amendment_mails(amendment)
    return amendment


def clean_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise AmendmentRefused({"reason": _("Give the reason for the amendment.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise AmendmentRefused(
            {
                "reason": _("Keep the reason under %(count)d characters.")
                % {"count": REASON_MAX_LENGTH}
            }
        )
    return reason


def check_files(consultation, uploads, withdrawn):
    errors = []
    current = set(consultation.documents.values_list("name", flat=True))
    names = [dce.clean_name(upload.name) for upload in uploads]
    for upload in uploads:
        try:
            dce.check_size(upload)
        except ValidationError as error:
            errors.append(error)
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(
            ValidationError(
                _("%(name)s is chosen twice."), code="duplicate", params={"name": name}
            )
        )
    for name in sorted(withdrawn - current):
        errors.append(
            ValidationError(
                _("%(name)s is not a current document."),
                code="unknown",
                params={"name": name},
            )
        )
    for name in sorted(withdrawn & set(names)):
        errors.append(
            ValidationError(
                _("%(name)s is both withdrawn and uploaded: upload it to replace it."),
                code="both",
                params={"name": name},
            )
        )
    if withdrawn and not (current - withdrawn) and not names:
        errors.append(
            ValidationError(
                _("The consultation must keep at least one document."), code="empty"
            )
        )
    if errors:
        raise AmendmentRefused(errors)


def moved_deadlines(consultation, deadlines):
    unknown = set(deadlines) - set(DEADLINES)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    return {
        field: value
        for field, value in deadlines.items()
        if value is not None and value != getattr(consultation, field)
    }


def check_deadlines(consultation, moved, changes_files, at):
    """The rules of rules.py for the deadlines as amended, with the messages the
    buyer saw at publication, and the time a change of the documents needs."""
    failures = [
        rules.Failure(
            "deadlines-in-future",
            _(
                "Deadlines in the future: the new %(deadline)s (%(when)s) has already passed."
            )
            % {
                "deadline": rules.deadline_label(field),
                "when": rules.local_text(consultation, field),
            },
        )
        for field in moved
        if getattr(consultation, field) <= at
    ]
    failures += rules.deadlines_in_order(consultation, None)
    # The minimum periods run from the publication of the notice (Art. 27, 28).
    published = rules.Facts(consultation, consultation.published_at or at)
    if "submission_deadline" in moved:
        failures += rules.minimum_time_limits(consultation, published)
    if changes_files:
        failures += time_to_take_into_account(
            consultation, rules.Facts(consultation, at)
        )
    if failures:
        raise AmendmentRefused([failure.message for failure in failures])


def time_to_take_into_account(consultation, facts):
    deadline = consultation.submission_deadline
    needed = dt.timedelta(days=DAYS_BEFORE_DEADLINE)
    if deadline is None or not facts.above_threshold or deadline - facts.at >= needed:
        return []
    return [
        rules.Failure(
            "amendment-time-limit",
            ngettext(
                "Time to take the change into account (Directive 2014/24/EU, Art. 47(3)): above the EU threshold, new documents must leave at least %(days)s day before the deadline for bids; move the deadline for bids.",
                "Time to take the change into account (Directive 2014/24/EU, Art. 47(3)): above the EU threshold, new documents must leave at least %(days)s days before the deadline for bids; move the deadline for bids.",
                DAYS_BEFORE_DEADLINE,
            )
            % {"days": DAYS_BEFORE_DEADLINE},
        )
    ]


def new_version(user, consultation, amendment, stored, withdrawn):
    """Move the replaced and withdrawn files to the previous versions, then attach
    the new ones: together they make the next DCE version."""
    version = dce_version(consultation)
    uploaded = {item.name for item in stored}
    current = {d.name: d for d in consultation.documents.select_for_update()}
    superseded = [
        current[name] for name in sorted(uploaded | withdrawn) if name in current
    ]
    for document in superseded:
        keep_as_previous(document, amendment, version)
    for item in stored:
        new_document(user, consultation, item)
    amendment.dce_version = version + 1
    amendment.documents_added = sorted(uploaded - set(current))
    amendment.documents_replaced = sorted(uploaded & set(current))
    amendment.documents_withdrawn = sorted(withdrawn)
    amendment.save(
        update_fields=[
            "dce_version",
            "documents_added",
            "documents_replaced",
            "documents_withdrawn",
        ]
    )


def keep_as_previous(document, amendment, version):
    previous = PreviousDocument(
        consultation=document.consultation,
        superseded_by=amendment,
        version=version,
        name=document.name,
        size=document.size,
        sha256=document.sha256,
        content_type=document.content_type,
        uploaded_at=document.uploaded_at,
    )
    previous.file.name = document.file.name
    previous.save()
    # The download register keeps the document's name (Download.document_name).
    document.delete()


def dce_version(consultation):
    """The version of the current DCE: 1 as published, one more per amendment of
    its files."""
    last = consultation.amendments.aggregate(last=Max("dce_version"))["last"]
    return last or 1


def next_number(consultation):
    last = consultation.amendments.aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def locked(user, consultation):
    fresh = (
        Consultation.objects.select_for_update()
        .select_related("buyer")
        .get(pk=consultation.pk)
    )
    require_amend(user, fresh)
    return fresh


def record_previous_download(user, previous, organisation=None):
    """A line of the download register for a previous version of a file."""
    consultation = previous.consultation
    access.require(user, consultation, "download")
    user = user if user.is_authenticated else None
    with transaction.atomic():
        download = Download.objects.create(
            consultation=consultation,
            document=None,
            document_name=previous_label(previous),
            user=user,
            organisation=organisation if user else None,
            at=now(),
        )
        record(
            "tenders.dce.downloaded",
            actor=user,
            obj=consultation,
            document=previous.name,
            version=previous.version,
        )
    return download


def previous_label(previous):
    return _("%(name)s (version %(version)s)") % {
        "name": previous.name,
        "version": previous.version,
    }


# Mails


def amendment_recipients(amendment):
    """Each user to tell, with the bids they deposited that the amendment finds."""
    consultation = amendment.consultation
    bids = (
        Bid.objects.filter(consultation=consultation, state=BidState.RECEIVED)
        .select_related("lot")
        .order_by("received_at", "pk")
    )
    by_user = {}
    for bid in bids:
        by_user.setdefault(bid.deposited_by_id, []).append(bid)
    downloaders = Download.objects.filter(
        consultation=consultation, user__isnull=False
    ).values_list("user", flat=True)
    users = User.objects.filter(pk__in={*by_user, *downloaders}, is_active=True)
    return [(user, by_user.get(user.pk, [])) for user in users.order_by("pk")]


def queue_amendment_mails(amendment):
    """One mail per user and amendment: its key keeps anyone from being told twice."""
    for user, bids in amendment_recipients(amendment):
        subject, body = render_amendment_mail(amendment, user, bids)
        key = f"tenders.amendment:{amendment.pk}:{user.pk}"
        queue_mail(key, user.email, subject, body)


def render_amendment_mail(amendment, user, bids):
    consultation = amendment.consultation
    with translation.override(user.language):
        subject = _("%(reference)s: amendment %(number)s to the consultation") % {
            "reference": consultation.reference,
            "number": amendment.number,
        }
        body = render_to_string(
            "tenders/amendment_email.txt",
            {
                "amendment": amendment,
                "consultation": consultation,
                "bids": [
                    {"bid": bid, "received": local_text(consultation, bid.received_at)}
                    for bid in bids
                ],
                "deadline": local_text(consultation, consultation.submission_deadline),
                "questions_deadline": local_text(
                    consultation, amendment.questions_deadline_after
                ),
                "submission_deadline": local_text(
                    consultation, amendment.submission_deadline_after
                ),
                "url": f"{portal_url(consultation)}#amendments",
            },
        )
    return subject, body


def local_text(consultation, instant):
    if instant is None:
        return ""
    local = dateformat.format(consultation.local(instant), "j F Y, H:i")
    return f"{local} ({consultation.time_zone})"
