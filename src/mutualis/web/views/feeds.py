"""Atom feeds: the newest consultations, and the history of each one.

Django's syndication framework writes them. A consultation's feed carries its
publication, every amendment (what changed and why) and every published answer, so
that a reader following it misses no change; answers never name who asked.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualis.bids.receipts import format_instant
from mutualis.tenders.models import texts_in_reader_language
from mutualis.tenders.search import public_consultations

LATEST = 50


class LatestConsultations(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Mutualis: new consultations")
    subtitle = gettext_lazy(
        "The consultations published on the platform, newest first."
    )

    def link(self):
        return reverse("web:consultation-list")

    def items(self):
        return (
            public_consultations()
            .filter(published_at__isnull=False)
            .select_related("buyer")
            .prefetch_related(texts_in_reader_language())
            .order_by("-published_at", "-pk")[:LATEST]
        )

    def item_title(self, consultation):
        return f"{consultation.reference} — {consultation.reader_text.title}"

    def item_description(self, consultation):
        facts = _("%(buyer)s. Deadline for bids: %(deadline)s.") % {
            "buyer": consultation.buyer,
            "deadline": _deadline(consultation, consultation.submission_deadline),
        }
        description = consultation.reader_text.description
        return f"{facts}\n\n{description}" if description else facts

    def item_link(self, consultation):
        return reverse("web:consultation-detail", args=[consultation.pk])

    def item_pubdate(self, consultation):
        return consultation.published_at

    def item_author_name(self, consultation):
        return str(consultation.buyer)


class ConsultationHistory(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, pk):
        consultation = (
            public_consultations().filter(pk=pk).select_related("buyer").first()
        )
        if consultation is None or consultation.published_at is None:
            raise Http404(_("No such consultation."))
        return consultation

    def title(self, consultation):
        return _("%(reference)s — %(title)s: history") % {
            "reference": consultation.reference,
            "title": consultation.reader_text.title,
        }

    def link(self, consultation):
        return reverse("web:consultation-detail", args=[consultation.pk])

    def items(self, consultation):
        events = [Event.published(consultation)]
        events += [
            Event.amended(consultation, a) for a in consultation.amendments.all()
        ]
        events += [Event.answered(consultation, a) for a in consultation.answers.all()]
        return sorted(events, key=lambda event: event.at, reverse=True)

    def item_title(self, event):
        return event.title

    def item_description(self, event):
        return event.text

    def item_link(self, event):
        return event.link

    def item_guid(self, event):
        return event.link

    def item_pubdate(self, event):
        return event.at


class Event:
    def __init__(self, consultation, at, anchor, title, text):
        page = reverse("web:consultation-detail", args=[consultation.pk])
        self.at, self.link, self.title, self.text = at, f"{page}#{anchor}", title, text

    @classmethod
    def published(cls, consultation):
        text = _("Published by %(buyer)s. Deadline for bids: %(deadline)s.") % {
            "buyer": consultation.buyer,
            "deadline": _deadline(consultation, _first_deadline(consultation)),
        }
        return cls(
            consultation, consultation.published_at, "published", _("Published"), text
        )

    @classmethod
    def amended(cls, consultation, amendment):
        lines = [_("Reason: %(reason)s") % {"reason": amendment.reason}]
        for label, names in (
            (_("Documents added: %(names)s"), amendment.documents_added),
            (_("Documents replaced: %(names)s"), amendment.documents_replaced),
            (_("Documents withdrawn: %(names)s"), amendment.documents_withdrawn),
        ):
            if names:
                lines.append(label % {"names": ", ".join(names)})
        if amendment.submission_deadline_after:
            lines.append(
                _("New deadline for bids: %(deadline)s")
                % {
                    "deadline": _deadline(
                        consultation, amendment.submission_deadline_after
                    )
                }
            )
        title = _("Amendment %(number)d") % {"number": amendment.number}
        anchor = f"amendment-{amendment.number}"
        return cls(
            consultation, amendment.published_at, anchor, title, "\n".join(lines)
        )

    @classmethod
    def answered(cls, consultation, answer):
        text = _("Question: %(question)s\nAnswer: %(answer)s") % {
            "question": answer.question_text,
            "answer": answer.text,
        }
        anchor = f"answer-{answer.pk}"
        return cls(consultation, answer.published_at, anchor, _("Answer"), text)


def _first_deadline(consultation):
    first = consultation.amendments.exclude(submission_deadline_before=None).first()
    return (
        first.submission_deadline_before if first else consultation.submission_deadline
    )


def _deadline(consultation, value):
    return format_instant(value, consultation.time_zone) if value else _("none")


urlpatterns = [
    path("consultations/feed/", LatestConsultations(), name="consultation-feed"),
    path(
        "consultations/<int:pk>/feed/",
        ConsultationHistory(),
        name="consultation-history-feed",
    ),
]
