"""Who may ask, read and answer the questions of a consultation: the one place.

Members of a business ask questions on a published consultation until its
deadline for questions (or, without one, its deadline for bids). The buyer's staff
see the questions with who asked them, and answer them until the deadline for
bids. Everyone who may see the consultation reads the answers, never the askers.
"""

from django.core.exceptions import PermissionDenied
from django.utils import dateformat
from django.utils.translation import gettext as _

from mutualis.accounts.access import (
    COMPANY_STAFF,
    business_organisations,
    has_role,
    roles_in,
)
from mutualis.core.time import now
from mutualis.tenders import access as tenders_access
from mutualis.tenders.models import State


def questions_deadline(consultation):
    """The instant questions close: the deadline for questions, or for bids."""
    return consultation.questions_deadline or consultation.submission_deadline


def deadline_text(consultation, instant):
    """`instant` as read in the consultation's zone, in the reader's language."""
    local = dateformat.format(consultation.local(instant), "j F Y, H:i")
    return f"{local} ({consultation.time_zone})"


def questions_open(consultation, at=None):
    deadline = questions_deadline(consultation)
    return consultation.state == State.PUBLISHED and (
        deadline is None or (at or now()) <= deadline
    )


def ask_refusal(user, consultation, business=None, at=None):
    """Why `user` may not ask a question on `consultation` (for `business`), or None."""
    if not user.is_authenticated or not asking_businesses(user).exists():
        return _("Only the members of a business may ask questions.")
    if business is not None and not (
        business.is_business and has_role(user, business, *COMPANY_STAFF)
    ):
        return _("You may ask questions only for a business you belong to.")
    if roles_in(user, consultation.buyer):
        return _("The buyer's own staff do not ask questions on its consultations.")
    if consultation.state != State.PUBLISHED:
        return _("This consultation takes no questions.")
    followed = consultation.followed_from
    if followed is not None:
        return _(
            "This call is published on %(platform)s: questions go there, at %(url)s."
        ) % {"platform": followed.source.name, "url": followed.origin_url}
    if consultation.notice_id:
        return _(
            "This call was published on TED by a buyer outside this platform: "
            "questions go to the buyer, as its notice says."
        )
    if not questions_open(consultation, at):
        deadline = questions_deadline(consultation)
        return _(
            "Questions closed on %(deadline)s: no question can be asked any more."
        ) % {"deadline": deadline_text(consultation, deadline)}
    return None


def can_ask(user, consultation, at=None):
    return ask_refusal(user, consultation, at=at) is None


def can_see_questions(user, consultation):
    """The buyer's staff see every question with who asked it."""
    return tenders_access.is_buyer_staff(user, consultation)


def can_answer(user, consultation, at=None):
    return (
        can_see_questions(user, consultation)
        and consultation.state == State.PUBLISHED
        and not consultation.deadline_passed(at)
    )


def can_read_answers(user, consultation):
    return tenders_access.can_view(user, consultation)


CHECKS = {
    "ask": can_ask,
    "see_questions": can_see_questions,
    "answer": can_answer,
    "read_answers": can_read_answers,
}


def allowed(user, consultation, action):
    return CHECKS[action](user, consultation)


def require(user, consultation, action):
    if action == "ask":
        refusal = ask_refusal(user, consultation)
        if refusal:
            raise PermissionDenied(refusal)
    elif not allowed(user, consultation, action):
        raise PermissionDenied(_("You may not do this on this consultation."))


def asking_businesses(user):
    """The businesses `user` may ask questions for."""
    return business_organisations(user)


def own_questions(user, consultation):
    """The questions `user` asked on `consultation`, for their own page."""
    if not user.is_authenticated:
        return consultation.questions.none()
    return consultation.questions.filter(asked_by=user)
