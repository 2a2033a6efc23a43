"""OCDS 1.1.5 releases, records and packages, validated against the official schema."""

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from referencing import Registry, Resource

from mutualis.accounts.models import Organisation
from mutualis.core.time import now
from mutualis.exchange import ocds
from mutualis.tenders.amendments import publish_amendment
from mutualis.tenders.models import Award, Consultation, Lot, Nature, State
from tests.factories import BusinessFactory, ConsultationFactory
from tests.referential_data import ensure_cpv, ensure_nuts
from tests.shared_data import OCDS_SCHEMA, needs_shared_ocds
from tests.tenders.factories import WINTER_MORNING, published, upload

pytestmark = pytest.mark.django_db

URI = "http://testserver/ocds/releases/"
RC = "Règlement de consultation.pdf"


@pytest.fixture(autouse=True)
def _winter_morning():
    with time_machine.travel(WINTER_MORNING, tick=False) as traveller:
        yield traveller


# Validation against the official schema, offline


def dce(release):
    """The consultation documents of a release, without the notice's page."""
    documents = release["tender"]["documents"]
    return [d for d in documents if d["documentType"] == "biddingDocuments"]


def load_schema(name):
    return json.loads((OCDS_SCHEMA / name).read_text())


def validator(package_schema_name):
    """A draft-04 validator whose $ref to release-schema.json resolves locally."""
    release_schema = load_schema("release-schema.json")
    resource = Resource.from_contents(release_schema)
    registry = Registry().with_resource(release_schema["id"], resource)
    return Draft4Validator(load_schema(package_schema_name), registry=registry)


def schema_errors(package, kind="release"):
    checker = validator(f"{kind}-package-schema.json")
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(package)
    ]
    releases = package.get("releases") or [
        r for record in package.get("records", []) for r in record["releases"]
    ]
    errors += dates_without_offset(releases)
    errors += codelist_errors(releases)
    return errors


def dates_without_offset(releases):
    """jsonschema checks no format offline: check every date here."""
    found = []
    for release in releases:
        for path, value in walk(release):
            if path[-1] in ("date", "startDate", "endDate", "datePublished"):
                parsed = dt.datetime.fromisoformat(value)
                if parsed.utcoffset() is None:
                    found.append(f"{path}: {value} has no offset")
    return found


def walk(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))
    else:
        yield path, value


def codes(name):
    with (OCDS_SCHEMA / "codelists" / name).open(encoding="utf-8") as rows:
        return {row["Code"] for row in csv.DictReader(rows)}


def codelist_errors(releases):
    """The open codelists the schema does not enforce, for the fields we fill."""
    checks = [
        (("tender", "status"), "tenderStatus.csv"),
        (("tender", "procurementMethod"), "method.csv"),
        (("tender", "mainProcurementCategory"), "procurementCategory.csv"),
        (("tender", "documents", None, "documentType"), "documentType.csv"),
        (("parties", None, "roles", None), "partyRole.csv"),
        (("awards", None, "status"), "awardStatus.csv"),
        (("initiationType",), "initiationType.csv"),
    ]
    found = []
    for release in releases:
        for path, value in walk(release):
            for pattern, codelist in checks:
                if matches(path, pattern) and value not in codes(codelist):
                    found.append(f"{path}: {value} not in {codelist}")
    return found


def matches(path, pattern):
    return len(path) == len(pattern) and all(
        want is None or want == got for got, want in zip(path, pattern, strict=True)
    )


def assert_valid(consultation):
    releases = ocds.releases(consultation)
    release_package = ocds.release_package(releases, URI)
    record_package = ocds.record_package([ocds.record(consultation)], URI)
    assert schema_errors(release_package) == []
    assert schema_errors(record_package, "record") == []
    return releases


# Consultations in each state


def with_lots(**fields):
    consultation, agent = published(**fields)
    cpv, other = ensure_cpv("45233140-2", "45233222-1")
    Lot.objects.create(consultation=consultation, number=1, title="Chaussée")
    Lot.objects.create(
        consultation=consultation, number=2, title="Trottoirs", main_cpv=other
    )
    consultation.extra_cpv.set([other])
    consultation.nuts.set(ensure_nuts("FRC11"))
    return consultation, agent


def amended(consultation, agent):
    with time_machine.travel(WINTER_MORNING + dt.timedelta(days=2), tick=False):
        return publish_amendment(
            agent,
            consultation,
            reason="Erreur sur l'épaisseur de la couche de roulement.",
            uploads=[upload(RC, b"%PDF-1.7 rc v2"), upload("Plan.pdf")],
            submission_deadline=now() + dt.timedelta(days=40),
        )


def awarded(consultation):
    winner = Organisation.objects.filter(siret="12345678900017").first()
    winner = winner or BusinessFactory(
        name="Routes de Bourgogne SAS", siret="12345678900017"
    )
    for lot in consultation.lots.all():
        Award.objects.create(
            consultation=consultation,
            lot=lot,
            winner=winner,
            value=Decimal("61000.50"),
            decided_on=dt.date(2027, 3, 1),
        )
    at = WINTER_MORNING + dt.timedelta(days=60)
    Consultation.objects.filter(pk=consultation.pk).update(
        state=State.AWARDED, awarded_at=at
    )
    return Consultation.objects.get(pk=consultation.pk)


def cancelled(consultation):
    # The importer cancels a published consultation when its notice says so.
    with time_machine.travel(WINTER_MORNING + dt.timedelta(days=5), tick=False):
        consultation.state = State.CANCELLED
        consultation.save(update_fields=["state", "updated_at"])
    return consultation


@needs_shared_ocds
def test_a_published_consultation_with_lots_and_documents_is_one_valid_tender():
    consultation, _agent = with_lots(reference="2027-VOI-004")

    (release,) = assert_valid(consultation)

    assert release["ocid"] == f"ocds-mutualis-{consultation.pk}"
    assert release["id"] == f"ocds-mutualis-{consultation.pk}-tender-1"
    assert release["tag"] == ["tender"]
    assert release["date"] == "2027-01-11T10:00:00+01:00"
    tender = release["tender"]
    assert tender["id"] == "2027-VOI-004"
    assert tender["status"] == "active"
    assert tender["procurementMethod"] == "open"
    assert tender["mainProcurementCategory"] == "works"
    assert tender["value"] == {"amount": 150000.0, "currency": "EUR"}
    assert [item["id"] for item in tender["items"]] == ["lot-1", "lot-2"]
    assert tender["items"][1]["classification"]["id"] == "45233222"
    assert tender["items"][0]["deliveryAddress"] == {"region": "FRC11"}
    assert tender["tenderPeriod"]["endDate"] == "2027-02-15T10:00:00+01:00"
    assert tender["enquiryPeriod"]["endDate"] == "2027-02-05T10:00:00+01:00"
    notice, document = tender["documents"]
    assert notice["documentType"] == "tenderNotice"
    assert notice["url"] == f"http://127.0.0.1:8000/consultations/{consultation.pk}/"
    assert document["title"] == RC
    assert document["url"].endswith(
        f"/consultations/{consultation.pk}/documents/{consultation.documents.get().pk}/"
    )


@needs_shared_ocds
def test_an_amendment_is_a_release_with_its_rationale_and_the_new_dce():
    consultation, agent = with_lots()
    amendment = amended(consultation, agent)

    tender_release, amendment_release = assert_valid(consultation)

    assert amendment_release["tag"] == ["tenderAmendment"]
    assert amendment_release["id"].endswith("-amendment-1")
    (change,) = amendment_release["tender"]["amendments"]
    assert change["rationale"] == amendment.reason
    assert change["date"] == "2027-01-13T10:00:00+01:00"
    assert change["amendsReleaseID"] == tender_release["id"]
    assert change["releaseID"] == amendment_release["id"]
    before = tender_release["tender"]["tenderPeriod"]["endDate"]
    after = amendment_release["tender"]["tenderPeriod"]["endDate"]
    assert (before, after) == (
        "2027-02-15T10:00:00+01:00",
        "2027-02-22T10:00:00+01:00",
    )
    titles = [d["title"] for d in dce(tender_release)]
    assert titles == [RC]
    documents = dce(amendment_release)
    replaced = [d for d in documents if "description" in d]
    assert sorted(d["title"] for d in documents) == ["Plan.pdf", RC, RC]
    assert replaced[0]["description"] == (
        "Version 1, replaced or withdrawn by amendment 1."
    )


@needs_shared_ocds
def test_an_award_names_its_supplier_by_siret():
    consultation, agent = with_lots()
    amended(consultation, agent)
    consultation = awarded(consultation)

    *_, award_release = assert_valid(consultation)

    assert award_release["tag"] == ["award"]
    assert award_release["tender"]["status"] == "complete"
    supplier = next(p for p in award_release["parties"] if "supplier" in p["roles"])
    assert supplier["identifier"] == {
        "scheme": "FR-SIRET",
        "id": "12345678900017",
        "legalName": "Routes de Bourgogne SAS",
    }
    first, second = award_release["awards"]
    assert first["suppliers"] == [{"id": supplier["id"], "name": supplier["name"]}]
    assert first["id"] == "lot-1-FR-SIRET-12345678900017"
    assert first["value"] == {"amount": 61000.5, "currency": "EUR"}
    assert first["date"] == "2027-03-01T00:00:00+01:00"
    assert [a["items"][0]["id"] for a in (first, second)] == ["lot-1", "lot-2"]


@needs_shared_ocds
def test_a_cancelled_consultation_ends_with_a_cancellation_release():
    consultation, _agent = published()
    consultation = cancelled(consultation)

    tender_release, cancellation = assert_valid(consultation)

    assert cancellation["tag"] == ["tenderCancellation"]
    assert cancellation["tender"]["status"] == "cancelled"
    assert cancellation["date"] == "2027-01-16T10:00:00+01:00"
    assert tender_release["tender"]["status"] == "active"


def test_the_buyer_is_a_party_with_its_siret():
    consultation, _agent = published()
    consultation.buyer.siret = "21210154400017"
    consultation.buyer.save()

    (release,) = ocds.releases(Consultation.objects.get(pk=consultation.pk))

    (buyer,) = release["parties"]
    assert buyer["roles"] == ["buyer", "procuringEntity"]
    assert buyer["identifier"]["scheme"] == "FR-SIRET"
    assert release["buyer"] == {"id": "FR-SIRET-21210154400017", "name": buyer["name"]}


def test_the_compiled_release_is_the_latest_state_merged_by_id():
    consultation, agent = with_lots()
    amended(consultation, agent)
    consultation = awarded(consultation)

    compiled = ocds.record(consultation)["compiledRelease"]

    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["tenderPeriod"]["endDate"] == (
        "2027-02-22T10:00:00+01:00"
    )
    assert len(dce(compiled)) == 3
    assert [a["id"] for a in compiled["tender"]["amendments"]] == ["1"]
    assert len(compiled["awards"]) == 2
    roles = sorted(role for party in compiled["parties"] for role in party["roles"])
    assert roles == ["buyer", "procuringEntity", "supplier"]


def test_merging_replaces_values_merges_ids_and_null_removes():
    first = {"ocid": "o", "id": "1", "date": "2027-01-11T10:00:00+01:00", "tag": []}
    first |= {"tender": {"title": "A", "items": [{"id": "1", "description": "x"}]}}
    second = {"ocid": "o", "id": "2", "date": "2027-01-12T10:00:00+01:00", "tag": []}
    second |= {"tender": {"title": None, "items": [{"id": "2"}, {"id": "1"}]}}

    compiled = ocds.compile_releases([second, first])

    assert compiled["tender"] == {
        "items": [{"id": "1", "description": "x"}, {"id": "2"}]
    }
    assert compiled["date"] == second["date"]


def test_drafts_and_drafts_cancelled_are_not_public():
    draft = ConsultationFactory(state=State.DRAFT)
    dropped = ConsultationFactory(state=State.CANCELLED)
    consultation, _agent = published()

    public = list(ocds.public_consultations())

    assert public == [consultation]
    assert draft not in public and dropped not in public


def test_the_ocid_prefix_is_a_setting(settings):
    settings.MUTUALIS_OCID_PREFIX = "ocds-abc123"
    consultation, _agent = published()

    (release,) = ocds.releases(consultation)

    assert release["ocid"] == f"ocds-abc123-{consultation.pk}"


@needs_shared_ocds
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    title=st.text(min_size=1, max_size=120).filter(
        lambda t: t.strip() and "\x00" not in t
    ),
    lots=st.lists(
        st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t),
        max_size=3,
    ),
    value=st.none() | st.decimals(min_value=0, max_value=10**9, places=2),
    nature=st.sampled_from(Nature.values),
    with_award=st.booleans(),
)
def test_every_consultation_gives_valid_packages(
    title, lots, value, nature, with_award
):
    consultation, _agent = published(title=title, nature=nature)
    # Publication asks for a value; a consultation imported from a notice may lack it.
    consultation.estimated_value = value
    consultation.save(update_fields=["estimated_value"])
    for number, lot_title in enumerate(lots, start=1):
        Lot.objects.create(consultation=consultation, number=number, title=lot_title)
    if with_award:
        Award.objects.create(consultation=consultation, winner=BusinessFactory())
        consultation = awarded(consultation)

    releases = assert_valid(consultation)

    assert releases[0]["tender"]["title"] == title
    assert len(releases[0]["tender"]["items"]) == max(len(lots), 1)
    assert ("value" in releases[0]["tender"]) == (value is not None)


@needs_shared_ocds
def test_the_schema_check_catches_a_release_the_standard_refuses():
    consultation, _agent = published()
    (release,) = ocds.releases(consultation)
    release["tag"] = ["published"]
    del release["initiationType"]

    errors = schema_errors(ocds.release_package([release], URI))

    assert len(errors) == 2
