"""Portal mode: follow other platforms' OCDS feeds and show their calls here.

Each source is read on its own: a publisher that is down, a page that is not JSON or
not UTF-8, or a release that the OCDS 1.1.5 schema refuses is written in that
source's reading (FeedRun) and never stops the others. A page is stored in one
transaction, so a reading cut half-way keeps the pages before and starts again at
the page that failed. A process is compiled from every release of it kept so far,
in date order, so that a release arriving late still lands in its place.
"""

import json
import logging
import urllib.error
import urllib.request
from functools import cache, reduce
from operator import or_
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from jsonschema import Draft4Validator

from mutualis.accounts.models import Organisation, OrganisationKind
from mutualis.alerts.tasks import alert_on_publication
from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.exchange import ocds, ocds_in
from mutualis.exchange.access import can_manage_sources
from mutualis.exchange.models import (
    FeedRun,
    FeedSource,
    FollowedProcess,
    FollowedRelease,
    RunStatus,
)
from mutualis.referential.models import CpvCode, NutsCode
from mutualis.tenders import search_index
from mutualis.tenders.models import (
    Award,
    Consultation,
    ConsultationText,
    Language,
    Lot,
    State,
)

logger = logging.getLogger(__name__)

SCHEMA = Path(__file__).resolve().parent / "data" / "ocds" / "release-schema.json"
MAX_ERRORS = 50
USER_AGENT = "Mutualis portal (OCDS follower)"


class FeedError(Exception):
    """A page that could not be read; the message says why."""


@cache
def release_validator():
    return Draft4Validator(json.loads(SCHEMA.read_text()))


# Reading a page


def fetch(url):
    """The bytes at `url`, at most MUTUALIS_FEED_MAX_BYTES; raises FeedError."""
    if not url.lower().startswith(("http://", "https://")):
        raise FeedError(_("only http and https addresses are followed"))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    limit = settings.MUTUALIS_FEED_MAX_BYTES
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.MUTUALIS_FEED_TIMEOUT
        ) as response:
            body = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise FeedError(
            _("the publisher answered HTTP %(status)d") % {"status": error.code}
        ) from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FeedError(
            _("the publisher could not be reached (%(reason)s)") % {"reason": reason}
        ) from error
    if len(body) > limit:
        raise FeedError(_("the page is larger than %(limit)d bytes") % {"limit": limit})
    return body


def parse_page(body):
    """A release or record package from `body`; raises FeedError."""
    try:
        # JSON is UTF-8 (RFC 8259); a byte order mark is tolerated.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FeedError(
            _("the page is not UTF-8 (byte %(byte)s at position %(position)d)")
            % {"byte": f"0x{body[error.start]:02x}", "position": error.start}
        ) from error
    try:
        package = json.loads(text)
    except ValueError as error:
        raise FeedError(_("the page is not JSON (%(error)s)") % {"error": error}) from (
            error
        )
    if not isinstance(package, dict) or not (
        isinstance(package.get("releases"), list)
        or isinstance(package.get("records"), list)
    ):
        raise FeedError(_("the page is not an OCDS release or record package"))
    return package


def releases_in(package):
    """The full releases of a package: a record package gives each record's
    embedded releases, or its compiled release when it only links them."""
    if isinstance(package.get("releases"), list):
        return package["releases"]
    found = []
    for entry in package["records"]:
        if not isinstance(entry, dict):
            found.append(entry)
            continue
        embedded = [
            r for r in entry.get("releases") or [] if isinstance(r, dict) and "tag" in r
        ]
        if embedded:
            found.extend(embedded)
        elif entry.get("compiledRelease") is not None:
            found.append(entry["compiledRelease"])
        else:
            found.append(entry)
    return found


def check_release(release, position):
    """The schema's first complaint about `release`, or None."""
    error = next(iter(release_validator().iter_errors(release)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "release"
    name = release.get("id") if isinstance(release, dict) else None
    message = error.message
    if error.validator == "enum":
        # The schema's message would list the whole code list (currencies...).
        message = _("%(value)r is not a code of its code list") % {
            "value": error.instance
        }
    return _("release %(release)s: %(where)s: %(message)s") % {
        "release": name or f"#{position}",
        "where": where,
        "message": message[:300],
    }


# Following a source


def follow_all(at=None):
    """Read every followed source, each on its own; return their readings."""
    return [follow(source, at) for source in FeedSource.objects.filter(is_active=True)]


def follow(source, at=None):
    """Read `source` from where its last reading stopped; return the FeedRun."""
    run = Reading(source, at or now())
    # TODO(feed-errors): the errors are kept as text, in the platform's language,
    # whoever asked for the reading; kept as message and values, each reader could
    # have them in theirs.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            run.read()
        except Exception:
            # Whatever one source does, the others are still read.
            logger.exception("feed reading failed source=%s", source.pk)
            run.error(_("the reading stopped on an unexpected error"))
        return run.finish()


class Reading:
    def __init__(self, source, at):
        self.source = source
        self.at = at
        self.run = FeedRun(source=source, started_at=at, status=RunStatus.OK)
        self.alerts = []  # consultations new to the portal, alerted after commit

    def error(self, message):
        if len(self.run.errors) < MAX_ERRORS:
            self.run.errors.append(message)

    def read(self):
        url = self.source.resume_url or self.source.feed_url
        for _page in range(settings.MUTUALIS_FEED_MAX_PAGES):
            try:
                package = parse_page(fetch(url))
            except FeedError as error:
                self.error(f"{url}: {error}")
                return
            with transaction.atomic():
                self.store(package)
                next_url = _next_link(package)
                self.source.resume_url = url
                self.source.save(update_fields=["resume_url"])
            self.run.pages += 1
            if not next_url or next_url == url:
                return
            url = next_url

    def finish(self):
        run = self.run
        if run.errors:
            run.status = RunStatus.PARTIAL if run.pages else RunStatus.FAILED
        run.finished_at = now()
        run.save()
        for pk in self.alerts:
            alert_on_publication(pk)
        logger.info(
            "feed read source=%s status=%s pages=%d releases=%d refused=%d",
            self.source.pk,
            run.status,
            run.pages,
            run.releases,
            run.refused,
        )
        return run

    def store(self, package):
        touched = []
        for position, release in enumerate(releases_in(package), start=1):
            problem = check_release(release, position)
            date = None
            if problem is None:
                try:
                    date = ocds_in.parse_date(release["date"], self.source.time_zone)
                except ValueError:
                    problem = _(
                        "release %(release)s: date: %(value)r is not a date-time"
                    ) % {
                        "release": release["id"],
                        "value": release["date"],
                    }
            if problem:
                self.run.refused += 1
                self.error(problem)
                continue
            self.run.releases += 1
            ocid = release["ocid"][:200]
            if self.keep(ocid, release, date) and ocid not in touched:
                touched.append(ocid)
        for ocid in touched:
            self.apply(ocid)

    def keep(self, ocid, release, date):
        """Store `release`; whether it is new or changed (a page read again gives
        the releases it gave before)."""
        kept, created = FollowedRelease.objects.get_or_create(
            source=self.source,
            ocid=ocid,
            release_id=release["id"][:200],
            defaults={"date": date, "data": release},
        )
        if created:
            return True
        if kept.data == release:
            return False
        kept.date, kept.data = date, release
        kept.save(update_fields=["date", "data"])
        return True

    def refusal(self, ocid):
        """Why the process `ocid` is not shown from this source, or None."""
        own = f"{settings.MUTUALIS_OCID_PREFIX}-"
        if ocid.startswith(own):
            return _(
                "its OCID has this platform's own prefix (%(prefix)s): this is "
                "this platform, or one that shares its prefix; each platform needs "
                "a prefix of its own (MUTUALIS_OCID_PREFIX)"
            ) % {"prefix": settings.MUTUALIS_OCID_PREFIX}
        elsewhere = (
            FollowedProcess.objects.filter(ocid=ocid)
            .exclude(source=self.source)
            .select_related("source")
            .first()
        )
        if elsewhere:
            return _("it is already followed from %(platform)s") % {
                "platform": elsewhere.source.name
            }
        return None

    def apply(self, ocid):
        refusal = self.refusal(ocid)
        if refusal:
            self.error(
                _("process %(ocid)s: %(reason)s") % {"ocid": ocid, "reason": refusal}
            )
            return
        releases = list(self.source.releases.filter(ocid=ocid).order_by("date", "pk"))
        compiled = compile_releases([r.data for r in releases])
        try:
            incoming = ocds_in.read(compiled, self.source.time_zone)
            # A failed process leaves its consultation as it was.
            with transaction.atomic(), search_index.batched():
                mirror = Mirror(self.source, incoming, releases[0].date, self.at)
                followed, created = mirror.save()
        except ocds_in.NoTender:
            return
        except ocds_in.ProcessRefused as error:
            self.error(
                _("process %(ocid)s: %(reason)s") % {"ocid": ocid, "reason": error}
            )
            return
        if created:
            self.run.created += 1
            if followed.consultation.is_public:
                self.alerts.append(followed.consultation_id)
        else:
            self.run.updated += 1


def _next_link(package):
    links = package.get("links")
    next_url = links.get("next") if isinstance(links, dict) else None
    return next_url if isinstance(next_url, str) and next_url else ""


def compile_releases(releases):
    """The releases of one process merged oldest first (the OCDS merge rules)."""
    compiled = {}
    for release in releases:
        body = {k: v for k, v in release.items() if k not in ("id", "tag")}
        ocds.merge_into(compiled, body)
    return compiled


class Mirror:
    """Writes one followed process as a consultation of the source's buyer."""

    def __init__(self, source, incoming, published_at, at):
        self.source = source
        self.incoming = incoming
        self.published_at = min(published_at, at)
        self.at = at

    def save(self):
        """The FollowedProcess and whether it is new; raises ProcessRefused when the
        process moved to a state its consultation cannot go to."""
        incoming = self.incoming
        followed = (
            FollowedProcess.objects.select_related("consultation")
            .filter(source=self.source, ocid=incoming.ocid)
            .first()
        )
        consultation = followed.consultation if followed else Consultation()
        moved = followed and consultation.state != incoming.state
        if moved and not consultation.can_move_to(incoming.state):
            raise ocds_in.ProcessRefused(
                _("it went back to a state it had left (%(state)s)")
                % {"state": State(incoming.state).label}
            )
        consultation.state = incoming.state
        buyer = self.buyer()
        for name, value in self.values(buyer, consultation).items():
            setattr(consultation, name, value)
        consultation.save()
        self.codes(consultation)
        self.lots(consultation)
        self.awards(consultation)
        self.texts(consultation)
        followed, created = FollowedProcess.objects.update_or_create(
            source=self.source,
            ocid=incoming.ocid,
            defaults={
                "consultation": consultation,
                "origin_url": self.origin_url(),
                "documents": incoming.documents,
                "updated_at": self.at,
            },
        )
        record(
            "exchange.process.followed",
            obj=consultation,
            at=self.at,
            source=self.source.pk,
            ocid=incoming.ocid,
        )
        return followed, created

    def origin_url(self):
        """The call's page there; else the platform's address; else the root of
        its feed's site (a bidder has nothing to do with the JSON feed itself)."""
        if self.incoming.notice_url or self.source.site_url:
            return (self.incoming.notice_url or self.source.site_url)[:2000]
        feed = urlsplit(self.source.feed_url)
        return urlunsplit((feed.scheme, feed.netloc, "/", "", ""))

    def values(self, buyer, consultation):
        incoming = self.incoming
        return {
            "buyer": buyer,
            "reference": self.reference(buyer, consultation),
            "title": incoming.title,
            "description": incoming.description,
            "language": incoming.language,
            "nature": incoming.nature,
            "procedure": incoming.procedure,
            "estimated_value": incoming.estimated_value,
            "currency": incoming.currency,
            "time_zone": self.source.time_zone,
            "submission_deadline": incoming.submission_deadline,
            "questions_deadline": incoming.questions_deadline,
            "published_at": consultation.published_at or self.published_at,
            "awarded_at": (consultation.awarded_at or self.at)
            if incoming.state == State.AWARDED
            else None,
            "main_cpv": next(iter(self.cpv_codes()), None),
        }

    def reference(self, buyer, consultation):
        # References are unique per buyer; a publisher may reuse its tender ids.
        wanted = self.incoming.reference
        taken = Consultation.objects.filter(buyer=buyer, reference=wanted)
        if consultation.pk:
            taken = taken.exclude(pk=consultation.pk)
        return self.incoming.ocid[:100] if taken.exists() else wanted

    def cpv_codes(self):
        if not hasattr(self, "_cpv"):
            wanted = self.incoming.cpv
            query = reduce(or_, (Q(code__startswith=c) for c in wanted), Q(pk=None))
            by_short = {c.code[:8]: c for c in CpvCode.objects.filter(query)}
            self._cpv = [by_short[c] for c in wanted if c in by_short]
        return self._cpv

    def codes(self, consultation):
        consultation.extra_cpv.set(self.cpv_codes()[1:])
        consultation.nuts.set(NutsCode.objects.filter(code__in=self.incoming.nuts))

    def lots(self, consultation):
        by_short = {code.code[:8]: code for code in self.cpv_codes()}
        consultation.lots.exclude(
            number__in=[lot.number for lot in self.incoming.lots]
        ).delete()
        for lot in self.incoming.lots:
            Lot.objects.update_or_create(
                consultation=consultation,
                number=lot.number,
                defaults={
                    "title": lot.title,
                    "description": lot.description,
                    "main_cpv": by_short.get(lot.cpv),
                },
            )

    def texts(self, consultation):
        """The title and description in the other EU languages the source gives."""
        wanted = {
            language: values
            for language, values in self.incoming.texts.items()
            if language in Language.values and language != consultation.language
        }
        consultation.texts.exclude(language__in=wanted).delete()
        for language, values in wanted.items():
            ConsultationText.objects.update_or_create(
                consultation=consultation, language=language, defaults=values
            )

    def awards(self, consultation):
        """The awards as the source gives them now: read again whole each time."""
        consultation.awards.all().delete()
        lots = {lot.number: lot for lot in consultation.lots.all()}
        for award in self.incoming.awards:
            Award.objects.create(
                consultation=consultation,
                lot=lots.get(award.lot_number),
                winner=self.organisation(
                    OrganisationKind.BUSINESS, award.supplier_key, award.supplier_name
                ),
                value=award.value,
                currency=award.currency,
                decided_on=award.decided_on,
            )

    def buyer(self):
        incoming = self.incoming
        return self.organisation(
            OrganisationKind.BUYER, incoming.buyer_key, incoming.buyer_name
        )

    def organisation(self, kind, key, name):
        """The source's buyer or supplier, an organisation of its own: one of
        another platform is never merged with one of this platform."""
        found, _created = Organisation.objects.get_or_create(
            kind=kind,
            country=self.source.country,
            national_id=f"{self.source.pk}:{key}"[:64],
            defaults={"name": name, "time_zone": self.source.time_zone},
        )
        if found.name != name:
            found.name = name
            found.save(update_fields=["name"])
        return found


# Managing the sources


def add_source(user, **values):
    """Follow a new platform; only the operator's administrators do."""
    if not can_manage_sources(user):
        raise PermissionDenied(_("Only the platform's administrators manage sources."))
    with transaction.atomic():
        source = FeedSource.objects.create(**values)
        record(
            "exchange.source.added", actor=user, obj=source, feed_url=source.feed_url
        )
    return source


def set_active(user, source, active):
    if not can_manage_sources(user):
        raise PermissionDenied(_("Only the platform's administrators manage sources."))
    with transaction.atomic():
        source.is_active = active
        source.save(update_fields=["is_active"])
        record(
            "exchange.source.followed" if active else "exchange.source.paused",
            actor=user,
            obj=source,
        )
    return source
