"""Who may see, deposit and open which bid: the one place bids decides it.

Before the deadline a bid exists only for the business that deposited it: its
company admins and bidders see its metadata and receipt, never through the buyer's
side. The buyer's staff, the operator and a superuser see nothing. After the
deadline the buyer's staff see the deposit register; only the buyer's openers start
the opening, open the valid bids and then read their files.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _

from mutualis.accounts.access import (
    BUYER_STAFF,
    COMPANY_STAFF,
    business_organisations,
    has_role,
    organisations_of,
    roles_in,
)
from mutualis.accounts.models import OrganisationKind, Role
from mutualis.bids.models import (
    Bid,
    BidFile,
    BidState,
    OpenerKey,
    OpeningAction,
    OpeningEvent,
    Sealing,
    SubmittedShare,
)
from mutualis.bids.receipts import format_instant
from mutualis.core.time import now
from mutualis.tenders.models import State

BUYER_SIDE = (*BUYER_STAFF, Role.OPENER)


def is_depositor(user, bid):
    return has_role(user, bid.bidder, *COMPANY_STAFF)


def is_buyer_side(user, consultation):
    return has_role(user, consultation.buyer, *BUYER_SIDE)


def is_opener(user, consultation):
    return has_role(user, consultation.buyer, Role.OPENER)


def _deadline_text(consultation):
    return format_instant(consultation.submission_deadline, consultation.time_zone)


# Deposit


def deposit_refusal(user, business, consultation):
    """Why `user` may not deposit for `business` on `consultation`, or None."""
    if not (business.is_business and has_role(user, business, *COMPANY_STAFF)):
        return _(
            "Only a company admin or a bidder of a business may deposit a bid for it."
        )
    if roles_in(user, consultation.buyer):
        return _(
            "You hold a role in the buyer of this consultation: its own staff may "
            "not bid on it."
        )
    return _consultation_refusal(consultation)


def deposit_page_refusal(user, consultation):
    """Why `user` may not deposit on `consultation` for any business, or None."""
    if not depositing_businesses(user).exists():
        return _(
            "Only a company admin or a bidder of a business may deposit a bid; "
            "your account belongs to no business."
        )
    return _consultation_refusal(consultation)


def _consultation_refusal(consultation):
    if (
        consultation.state != State.PUBLISHED
        or consultation.submission_deadline is None
    ):
        return _("This consultation does not accept bids.")
    followed = consultation.followed_from
    if followed is not None:
        return _(
            "This call is published on %(platform)s: bids go there, at %(url)s."
        ) % {"platform": followed.source.name, "url": followed.origin_url}
    if consultation.notice_id:
        return _(
            "This call was published on TED by a buyer outside this platform: "
            "bids go to the buyer, as its notice says."
        )
    return None


def require_deposit(user, business, consultation):
    refusal = deposit_refusal(user, business, consultation)
    if refusal:
        raise PermissionDenied(refusal)


def depositing_businesses(user):
    """The businesses `user` may deposit for."""
    return business_organisations(user)


# Seeing bids


def past_deadline(queryset):
    """Keep only the bids (or register lines) whose deadline has passed."""
    return queryset.filter(consultation__submission_deadline__lt=now())


def business_bids(user):
    """The bids of the businesses `user` is company admin or bidder of."""
    return Bid.objects.filter(bidder__in=business_organisations(user))


def listable_bids(user):
    """Every bid `user` may know of: their businesses' own, and, once the deadline
    has passed, those made to the buyers they work for."""
    buyers = organisations_of(user, *BUYER_SIDE, kind=OrganisationKind.BUYER)
    return business_bids(user) | past_deadline(
        Bid.objects.filter(consultation__buyer__in=buyers)
    )


def bid_for_receipt(user, receipt_number):
    """The bid behind a receipt, for the depositing business only; else 404."""
    bid = (
        business_bids(user)
        .select_related("consultation", "lot", "bidder", "deposited_by")
        .filter(receipt_number=receipt_number)
        .first()
    )
    if bid is None:
        raise Http404(_("No such receipt."))
    return bid


def can_view_receipt(user, bid):
    return is_depositor(user, bid)


def register_refusal(user, consultation):
    """Why `user` may not see the deposits and opening register, or None."""
    if not consultation.deadline_passed():
        return _(
            "No one can see or open the bids before the deadline, %(deadline)s."
        ) % {"deadline": _deadline_text(consultation)}
    if not is_buyer_side(user, consultation):
        return _("Only the staff of %(buyer)s can see the bids made to it.") % {
            "buyer": consultation.buyer
        }
    return None


def consultation_bids(user, consultation):
    """The bids made to `consultation`, for its buyer's staff after the deadline."""
    if register_refusal(user, consultation):
        return Bid.objects.none()
    return consultation.bids.all()


def opening_events(user, consultation):
    if register_refusal(user, consultation):
        return OpeningEvent.objects.none()
    return consultation.opening_events.all()


# Opening


def session_started(consultation):
    return consultation.opening_events.filter(
        action=OpeningAction.SESSION_STARTED
    ).exists()


def opening_refusal(user, consultation):
    """Why `user` may not start the opening of `consultation`, or None."""
    if not consultation.deadline_passed():
        return _("Bids cannot be opened before the deadline, %(deadline)s.") % {
            "deadline": _deadline_text(consultation)
        }
    if not is_opener(user, consultation):
        return _(
            "Only the members of the opening commission of %(buyer)s may open bids."
        ) % {"buyer": consultation.buyer}
    if consultation.state != State.PUBLISHED:
        return _("The bids of this consultation have already been opened.")
    return None


def can_start_opening(user, consultation):
    return opening_refusal(user, consultation) is None and not session_started(
        consultation
    )


def require_start_opening(user, consultation):
    refusal = opening_refusal(user, consultation)
    if refusal is None and session_started(consultation):
        refusal = _("The opening session has already started.")
    if refusal:
        raise PermissionDenied(refusal)


def can_open_bids(user, consultation):
    return opening_refusal(user, consultation) is None and session_started(consultation)


def require_open_bids(user, consultation):
    refusal = opening_refusal(user, consultation)
    if refusal is None and not session_started(consultation):
        refusal = _("Start the opening session before opening the bids.")
    if refusal:
        raise PermissionDenied(refusal)


def can_open_bid(user, bid):
    """Whether the opening by `user` would open `bid`: only a valid bid, in session."""
    return bid.is_valid and can_open_bids(user, bid.consultation)


# Reading files


def readable_files(user, consultation):
    """The files of the opened bids of `consultation`, for its openers only."""
    if not (consultation.deadline_passed() and is_opener(user, consultation)):
        return BidFile.objects.none()
    return BidFile.objects.filter(
        bid__consultation=consultation, bid__state=BidState.OPENED
    )


def can_read_file(user, bid_file):
    return (
        readable_files(user, bid_file.bid.consultation).filter(pk=bid_file.pk).exists()
    )


def file_for_reading(user, consultation, pk):
    """An opened bid's file that `user` may read; 404 for anyone else."""
    bid_file = (
        readable_files(user, consultation)
        .select_related("bid__consultation")
        .filter(pk=pk)
        .first()
    )
    if bid_file is None:
        raise Http404(_("No such file."))
    return bid_file


# Opener keys and commissions


def key_buyers(user):
    """The buyers `user` is an opener of: where they may register a key."""
    return organisations_of(user, Role.OPENER, kind=OrganisationKind.BUYER)


def require_register_key(user, buyer):
    if not (buyer.is_buyer and has_role(user, buyer, Role.OPENER)):
        raise PermissionDenied(
            _("Only an opener of %(buyer)s may register a key for it.")
            % {"buyer": buyer}
        )


def own_keys(user):
    return OpenerKey.objects.filter(user=user)


def own_key(user, pk):
    """A key `user` registered; 404 for anyone else's."""
    key = own_keys(user).filter(pk=pk).first()
    if key is None:
        raise Http404(_("No such key."))
    return key


def current_keys(buyer):
    """The unrevoked keys of people who are still openers of `buyer`."""
    return OpenerKey.objects.filter(
        buyer=buyer,
        revoked_at__isnull=True,
        user__memberships__organisation=buyer,
        user__memberships__role=Role.OPENER,
    ).distinct()


def commission_refusal(user, consultation):
    """Why `user` may not name the opening commission of `consultation`, or None."""
    if not has_role(user, consultation.buyer, *BUYER_STAFF):
        return _(
            "Only a buyer admin or agent of %(buyer)s may name its commission."
        ) % {"buyer": consultation.buyer}
    if consultation.state != State.DRAFT:
        return _(
            "The commission can be changed only while the consultation is a draft."
        )
    return None


def require_commission(user, consultation):
    refusal = commission_refusal(user, consultation)
    if refusal:
        raise PermissionDenied(refusal)


def can_see_sealing(user, consultation):
    """sealing.json holds public keys only: public once published, staff before."""
    return consultation.state != State.DRAFT or has_role(
        user, consultation.buyer, *BUYER_STAFF
    )


# Shares in an opening session


def commission_keys_of(user, consultation):
    """The keys of `user` in the opening commission of `consultation`."""
    return OpenerKey.objects.filter(
        user=user, commissions__consultation=consultation
    ).order_by("pk")


def share_refusal(user, consultation):
    """Why `user` may not fetch or hand over key shares now, or None."""
    refusal = opening_refusal(user, consultation)
    if refusal is None and not session_started(consultation):
        refusal = _("Start the opening session before handing over shares.")
    if refusal is None and not commission_keys_of(user, consultation).exists():
        refusal = _("None of your keys is in the opening commission.")
    return refusal


def require_shares(user, consultation):
    refusal = share_refusal(user, consultation)
    if refusal:
        raise PermissionDenied(refusal)


def share_counts(user, consultation):
    """How many shares of each bid (by pk) the session holds, for its openers."""
    if opening_refusal(user, consultation) is not None:
        return {}
    rows = (
        SubmittedShare.objects.filter(bid__consultation=consultation)
        .values("bid")
        .annotate(count=Count("pk"))
    )
    return {row["bid"]: row["count"] for row in rows}


def sealed_bid_to_open(user, consultation, receipt_number):
    """A valid sealed bid of `consultation` for its openers after the deadline."""
    bid = (
        consultation_bids(user, consultation)
        .filter(receipt_number=receipt_number, sealing=Sealing.AGE)
        .first()
    )
    if bid is None or not is_opener(user, consultation):
        raise Http404(_("No such bid."))
    return bid
