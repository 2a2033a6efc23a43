"""The demo: real Burgundy buyers, fictitious businesses, one consultation per phase.

Everything goes through the same actions the pages call, so the journal, the
download register and the receipts look as they would in production. Consultations
that must already be past their deadline are built in the present and then moved
back in time as a whole (dates of the consultation, its bids and its registers).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from pyrage import x25519

from mutualis.accounts import actions as accounts
from mutualis.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from mutualis.bids import access as bids_access
from mutualis.bids import actions as bids
from mutualis.bids.models import Bid, OpeningEvent
from mutualis.core.journal import record
from mutualis.core.time import now, to_utc
from mutualis.demo.pdf import text_pdf
from mutualis.referential.models import CpvCode, NutsCode
from mutualis.tenders import actions as tenders
from mutualis.tenders.models import Consultation, Download, Nature, Procedure

PASSWORD = "mutualis-demo"  # noqa: S105 (printed for the demo's users)
MARKER = "acheteur@dijon.example"


@dataclass
class Account:
    email: str
    name: str
    organisation: str
    roles: str


def people():
    """(email, full name, organisation key, roles) of every demo account."""
    return [
        (MARKER, "Claire Bernard", "dijon", [Role.BUYER_ADMIN, Role.BUYER_AGENT]),
        ("ouvreur1@dijon.example", "Marc Lefèvre", "dijon", [Role.OPENER]),
        ("ouvreur2@dijon.example", "Sophie Morel", "dijon", [Role.OPENER]),
        ("acheteur@beaune.example", "Julien Roux", "beaune", [Role.BUYER_AGENT]),
        ("gerant@voirie-bourguignonne.example", "Anne Girard", "voirie", []),
        (
            "offres@voirie-bourguignonne.example",
            "Paul Fontaine",
            "voirie",
            [Role.BIDDER],
        ),
        ("contact@atelier-auxois.example", "Léa Dubois", "auxois", []),
        ("gare@costruzioni-alpine.example", "Giulia Ferri", "alpine", []),
        (
            "operateur@mutualis-operateur.example",
            "Nadia Perrin",
            "operator",
            [Role.OPERATOR_ADMIN],
        ),
    ]


BUSINESSES = {
    # Fictitious companies with well-formed identifiers.
    "voirie": dict(
        name="Voirie Bourguignonne SARL",
        siret="90412345200016",
        address="12 rue des Ateliers",
        postcode="21000",
        town="Dijon",
    ),
    "auxois": dict(
        name="Atelier numérique de l'Auxois",
        siret="91876543900024",
        address="3 place du Marché",
        postcode="21140",
        town="Semur-en-Auxois",
    ),
    "alpine": dict(
        name="Costruzioni Alpine S.r.l.",
        country="IT",
        vat_number="IT00743110157",
        address="Via Roma 8",
        postcode="10121",
        town="Torino",
    ),
}


def build():
    """Create the demo unless it exists; return (created, the accounts to print)."""
    created = not User.objects.filter(email=MARKER).exists()
    if created:
        with transaction.atomic():
            organisations = _organisations()
            users = _users(organisations)
        _consultations(organisations, users)
    return created, demo_accounts()


def demo_accounts():
    listed = []
    for email, name, _key, _roles in people():
        user = User.objects.get(email=email)
        memberships = user.memberships.select_related("organisation").order_by("role")
        organisation = memberships[0].organisation if memberships else ""
        roles = ", ".join(str(Role(m.role).label) for m in memberships)
        listed.append(Account(email, name, str(organisation), roles))
    return listed


def _organisations():
    found = {
        "dijon": Organisation.objects.get(
            kind=OrganisationKind.BUYER, insee_code="21231"
        ),
        "beaune": Organisation.objects.get(
            kind=OrganisationKind.BUYER, insee_code="21054"
        ),
    }
    found["operator"], _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.OPERATOR, name="Mutualis — équipe de la plateforme"
    )
    return found


def _users(organisations):
    users = {}
    # One hash serves every demo account: hashing is slow on purpose.
    hashed = make_password(PASSWORD)
    for email, name, key, roles in people():
        user = User.objects.create(
            email=email, password=hashed, full_name=name, language="fr"
        )
        users[email] = user
        if key in BUSINESSES and key not in organisations:
            organisations[key] = accounts.register_business(user, **BUSINESSES[key])
        for role in roles:
            Membership.objects.create(
                user=user, organisation=organisations[key], role=role
            )
    return users


def _cpv(code):
    return CpvCode.objects.get(code__startswith=code)


def _local(days, hour, minute=0):
    """An instant `days` from today at `hour`:`minute`, Paris time."""
    day = now().astimezone(dt.UTC).date() + dt.timedelta(days=days)
    return to_utc(dt.datetime.combine(day, dt.time(hour, minute)), "Europe/Paris")


def _documents(reference, title):
    pdf = text_pdf(
        title, [f"Consultation {reference}", "Document de démonstration de Mutualis."]
    )
    return [
        SimpleUploadedFile(
            "Règlement de la consultation (RC).pdf", pdf, "application/pdf"
        ),
        SimpleUploadedFile(
            "Cahier des clauses administratives particulières.pdf",
            pdf,
            "application/pdf",
        ),
        SimpleUploadedFile("Acte d'engagement – modèle.pdf", pdf, "application/pdf"),
    ]


def _draft(
    agent,
    buyer,
    reference,
    title,
    description,
    nature,
    procedure,
    value,
    cpv,
    lots=(),
    nuts="FRC11",
    days=40,
):
    consultation = tenders.create_draft(
        agent,
        buyer,
        reference=reference,
        title=title,
        description=description,
        nature=nature,
        procedure=procedure,
        estimated_value=Decimal(value),
        main_cpv=_cpv(cpv),
        nuts=[NutsCode.objects.get(code=nuts)],
        questions_deadline=_local(days - 10, 12),
        submission_deadline=_local(days, 17),
    )
    for number, (lot_title, lot_value, lot_cpv) in enumerate(lots, start=1):
        tenders.add_lot(
            agent,
            consultation,
            number=number,
            title=lot_title,
            estimated_value=Decimal(lot_value),
            main_cpv=_cpv(lot_cpv),
        )
    tenders.add_documents(agent, consultation, _documents(reference, title))
    _commission(agent, buyer, consultation)
    return consultation


def _commission(agent, buyer, consultation):
    """Both openers' keys, either of whom may open (the demo's bids are plain)."""
    # TODO(demo-sealing): the identities are thrown away; give the demo openers
    # identity files once the demo deposits sealed bids.
    keys = list(bids_access.current_keys(buyer)) or [
        bids.register_key(m.user, buyer, str(x25519.Identity.generate().to_public()))
        for m in Membership.objects.filter(organisation=buyer, role=Role.OPENER)
    ]
    bids.set_commission(agent, consultation, keys, threshold=1)


def _bid_files(business, title):
    pdf = text_pdf(f"Offre de {business}", [title, "Mémoire technique et prix."])
    return [
        SimpleUploadedFile("Mémoire technique.pdf", pdf, "application/pdf"),
        SimpleUploadedFile("Acte d'engagement signé.pdf", pdf, "application/pdf"),
    ]


def _consultations(organisations, users):
    agent = users[MARKER]
    dijon = organisations["dijon"]
    voirie = organisations["voirie"]
    auxois = organisations["auxois"]
    voirie_bidder = users["offres@voirie-bourguignonne.example"]
    auxois_admin = users["contact@atelier-auxois.example"]

    _draft(
        agent,
        dijon,
        "2027-MOB-01",
        "Fourniture de mobilier scolaire",
        "Tables, chaises et armoires pour les écoles élémentaires de la ville.",
        Nature.SUPPLIES,
        Procedure.ADAPTED,
        "80000",
        "39160000",
    )

    open_one = _draft(
        agent,
        dijon,
        "2027-VOI-02",
        "Réfection de la voirie et des trottoirs de la rue de la Liberté",
        "Reprise de la chaussée, des bordures et des trottoirs ; mise en accessibilité "
        "des traversées piétonnes.",
        Nature.WORKS,
        Procedure.ADAPTED,
        "1200000",
        "45233140",
        lots=[
            ("Chaussée et bordures", "900000", "45233140"),
            ("Signalisation et marquage", "300000", "45233290"),
        ],
    )
    open_one = tenders.publish(agent, open_one)
    tenders.record_download(AnonymousUser(), open_one)
    tenders.record_download(auxois_admin, open_one, organisation=auxois)

    closed = _draft(
        agent,
        dijon,
        "2027-CHA-03",
        "Maintenance des installations de chauffage des bâtiments communaux",
        "Exploitation, entretien et dépannage des chaufferies de 42 bâtiments.",
        Nature.SERVICES,
        Procedure.OPEN,
        "420000",
        "50720000",
    )
    closed = tenders.publish(agent, closed)
    tenders.record_download(voirie_bidder, closed, organisation=voirie)
    bids.deposit_bid(
        voirie_bidder, voirie, closed, None, _bid_files(voirie, closed.title)
    )
    bids.deposit_bid(
        auxois_admin, auxois, closed, None, _bid_files(auxois, closed.title)
    )
    _move_back(closed, days=45)

    opened = _draft(
        agent,
        dijon,
        "2027-NET-04",
        "Nettoyage des locaux de l'hôtel de ville",
        "Nettoyage quotidien des bureaux et des salles de réunion ; vitrerie trimestrielle.",
        Nature.SERVICES,
        Procedure.ADAPTED,
        "150000",
        "90910000",
    )
    opened = tenders.publish(agent, opened)
    bids.deposit_bid(
        auxois_admin, auxois, opened, None, _bid_files(auxois, opened.title)
    )
    _move_back(opened, days=50)
    opener = users["ouvreur1@dijon.example"]
    bids.start_opening(opener, opened)
    bids.open_bids(opener, opened)


def _move_back(consultation, days):
    """Shift a consultation's whole history `days` into the past (demo data only)."""
    shift = dt.timedelta(days=days)
    with transaction.atomic():
        c = Consultation.objects.select_for_update().get(pk=consultation.pk)
        c.published_at -= shift
        c.questions_deadline -= shift
        c.submission_deadline -= shift
        c.save(
            update_fields=["published_at", "questions_deadline", "submission_deadline"]
        )
        for bid in Bid.objects.filter(consultation=c):
            bid.started_at -= shift
            bid.received_at -= shift
            bid.save(update_fields=["started_at", "received_at"])
        for download in Download.objects.filter(consultation=c):
            download.at -= shift
            download.save(update_fields=["at"])
        for event in OpeningEvent.objects.filter(consultation=c):
            event.at -= shift
            event.save(update_fields=["at"])
        # The journal keeps the true instants; it says what the demo did instead.
        record("demo.history-moved-back", obj=c, days=days)
