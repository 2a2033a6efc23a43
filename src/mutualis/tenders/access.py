"""Who may see and change which consultation: the one place tenders decides it.

Published, opened and awarded consultations are public. Drafts and cancelled
consultations are seen only by the buyer's staff (buyer admins and agents), who
alone edit a draft, attach its documents, publish it and read its download register.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from mutualis.accounts.access import (
    BUYER_STAFF,
    business_organisations,
    buyer_organisations,
    has_role,
    organisations_of,
)
from mutualis.accounts.models import OrganisationKind, Role
from mutualis.tenders.models import PUBLIC_STATES, Consultation, State


def is_buyer_staff(user, consultation):
    return has_role(user, consultation.buyer, *BUYER_STAFF)


def can_create_for(user, buyer):
    return buyer.is_buyer and has_role(user, buyer, *BUYER_STAFF)


def can_view(user, consultation):
    return consultation.state in PUBLIC_STATES or is_buyer_staff(user, consultation)


def can_edit(user, consultation):
    return consultation.state == State.DRAFT and is_buyer_staff(user, consultation)


# A draft's documents change with the draft; amendments after publication are
# their own action.
can_add_document = can_edit
can_remove_document = can_edit
can_publish = can_edit


def can_cancel(user, consultation):
    # TODO(sans-suite): a published consultation is ended by a public declaration
    # with its reason, told to every bidder and identified downloader; until the
    # amendments work brings it, only a draft can be cancelled.
    return consultation.state == State.DRAFT and is_buyer_staff(user, consultation)


def can_see_download_register(user, consultation):
    return is_buyer_staff(user, consultation)


def can_download(user, consultation):
    return can_view(user, consultation)


CHECKS = {
    "view": can_view,
    "edit": can_edit,
    "add_document": can_add_document,
    "remove_document": can_remove_document,
    "publish": can_publish,
    "cancel": can_cancel,
    "download_register": can_see_download_register,
    "download": can_download,
}


def allowed(user, consultation, action):
    return CHECKS[action](user, consultation)


def require(user, consultation, action):
    """Raise PermissionDenied unless `user` may do `action` on `consultation`."""
    if not allowed(user, consultation, action):
        raise PermissionDenied(_("You may not do this on this consultation."))


def require_create_for(user, buyer):
    if not can_create_for(user, buyer):
        raise PermissionDenied(_("You may not draft consultations for this buyer."))


def visible_consultations(user):
    """Every consultation `user` may see: the public ones, and their buyers' own."""
    public = Consultation.objects.filter(state__in=PUBLIC_STATES)
    if not user.is_authenticated:
        return public
    own = Consultation.objects.filter(buyer__in=buyer_organisations(user))
    return public | own


def managed_consultations(user):
    """The consultations of the buyers `user` works for, whatever their state."""
    return Consultation.objects.filter(buyer__in=buyer_organisations(user))


def followed_consultations(user):
    """The buyer side's list: every consultation for its staff, and for the members
    of an opening commission the published ones they may come to open."""
    openers_of = organisations_of(user, Role.OPENER, kind=OrganisationKind.BUYER)
    return Consultation.objects.filter(
        Q(buyer__in=buyer_organisations(user))
        | (Q(buyer__in=openers_of) & ~Q(state=State.DRAFT))
    )


def consultation_for(user, pk, action="view", queryset=None):
    """The consultation `pk` if `user` may do `action` on it.

    A consultation the user may not even see is reported as absent (404), so that
    drafts do not leak; one they see but may not change gives 403.
    """
    queryset = Consultation.objects.all() if queryset is None else queryset
    consultation = queryset.select_related("buyer").filter(pk=pk).first()
    if consultation is None or not can_view(user, consultation):
        raise Http404(_("No such consultation."))
    require(user, consultation, action)
    return consultation


def document_for(user, consultation, pk):
    """A document of `consultation`, which the caller has already checked."""
    document = consultation.documents.filter(pk=pk).first()
    if document is None:
        raise Http404(_("No such document."))
    return document


def lot_for(user, consultation, pk):
    lot = consultation.lots.filter(pk=pk).first()
    if lot is None:
        raise Http404(_("No such lot."))
    return lot


def download_organisation(user, chosen_pk=None):
    """The business `user` downloads for: the one chosen, or their only one."""
    if not user.is_authenticated:
        return None
    organisations = business_organisations(user)
    if chosen_pk:
        return organisations.filter(pk=chosen_pk).first()
    only = list(organisations[:2])
    return only[0] if len(only) == 1 else None
