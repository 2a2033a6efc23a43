"""The demo: real Burgundy buyers, fictitious businesses, one consultation per phase.

Everything goes through the same actions the pages call, so the journal, the
download register and the receipts look as they would in production: both openers
hold real age identities, bids are sealed as the bidder's tool seals them and sent
through the deposit and upload actions. Consultations that must already be past
their deadline are built in the present, then their deadline is put just behind
their deposits and their publication moved back.
"""

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from mutualis.accounts import actions as accounts
from mutualis.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from mutualis.bids import actions as bids
from mutualis.bids import deposits, keys, sealing
from mutualis.bids.models import Bid, BidState
from mutualis.core.journal import record
from mutualis.core.time import now, to_utc
from mutualis.demo.pdf import text_pdf
from mutualis.referential.models import CpvCode, NutsCode
from mutualis.tenders import actions as tenders
from mutualis.tenders.models import Consultation, Nature, Procedure
from mutualis.uploads import actions as uploads

PASSWORD = "mutualis-demo"  # noqa: S105 (printed for the demo's users)
MARKER = "acheteur@dijon.example"
OPENERS = ["ouvreur1@dijon.example", "ouvreur2@dijon.example"]


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
        identities = _opener_identities(organisations["dijon"], users)
        _consultations(organisations, users, identities)
    return created, demo_accounts()


def identity_path(email):
    """Where the demo writes the identity file of the opener `email`."""
    local_part = email.split("@")[0]
    return Path(settings.DATA_DIR) / "demo" / "identities" / f"{local_part}.age"


def identity_files():
    """(email, identity file) of each demo opener, for the command to print."""
    return [(email, identity_path(email)) for email in OPENERS]


def _opener_identities(buyer, users):
    """Each opener's age identity, kept as a file under the demo password."""
    identities = {}
    for email in OPENERS:
        identity = keys.generate_identity()
        _write_private(identity_path(email), keys.protect(identity, PASSWORD))
        key = bids.register_key(
            users[email], buyer, str(identity.to_public()), label="Démo"
        )
        identities[email] = (identity, key)
    return identities


def _write_private(path, data):
    """Write `data` to `path`, mode 0600, whole or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


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
    openers=(),
    texts=None,
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
    for language, (other_title, other_description) in (texts or {}).items():
        tenders.set_text(
            agent,
            consultation,
            language,
            title=other_title,
            description=other_description,
        )
    tenders.add_documents(agent, consultation, _documents(reference, title))
    # Both openers must act together.
    bids.set_commission(agent, consultation, openers, threshold=len(openers))
    return consultation


def _bid_files(business, title):
    """(name, bytes) of a bid's two files, each with its own text."""
    return [
        (
            "Mémoire technique.pdf",
            text_pdf(f"Offre de {business}", [title, "Mémoire technique."]),
        ),
        (
            "Acte d'engagement signé.pdf",
            text_pdf(f"Acte d'engagement de {business}", [title, "Prix et signature."]),
        ),
    ]


def _deposit_sealed(user, business, consultation, files):
    """Seal `files` as the bidder's tool does and send them as a real deposit does."""
    info = sealing.sealing_info(consultation)
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "plain"
        plain.mkdir()
        for name, data in files:
            (plain / name).write_bytes(data)
        sealed = Path(folder) / "sealed"
        manifest = sealing.seal_bid(info, [plain / name for name, _ in files], sealed)
        bid, _created = deposits.start_deposit(user, business, consultation, manifest)
        for bid_file in deposits.deposit_files(bid):
            path = sealing.sealed_path(sealed, bid_file.name)
            with path.open("rb") as stream:
                uploads.receive(bid_file.upload, stream, 0, path.stat().st_size)
    # The upload finishes the deposit; finishing again is what the API does when
    # that failed, and a no-op otherwise.
    bid = deposits.finish_deposit(bid)
    if bid.state != BidState.RECEIVED:
        raise RuntimeError(f"demo bid {bid.receipt_number} was not received")
    return bid


def _open_as_openers(users, identities, consultation):
    """Open as the commission does: a session, each opener's shares, the bids."""
    first = users[OPENERS[0]]
    bids.start_opening(first, consultation)
    for email in OPENERS:
        identity, _key = identities[email]
        served = bids.sealed_shares_for(users[email], consultation)
        bids.submit_shares(
            users[email], consultation, keys.decrypt_shares(identity, served)
        )
    bids.open_bids(first, consultation)


def _consultations(organisations, users, identities):
    agent = users[MARKER]
    commission = [key for _identity, key in identities.values()]
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
        openers=commission,
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
        openers=commission,
        # The cross-border portal: Italian and English readers see their version.
        texts={
            "it": (
                "Rifacimento della carreggiata e dei marciapiedi di rue de la Liberté",
                "Rifacimento della carreggiata, dei cordoli e dei marciapiedi; "
                "accessibilità degli attraversamenti pedonali.",
            ),
            "en": (
                "Resurfacing of the roadway and pavements of rue de la Liberté",
                "Roadway, kerbs and pavements renewed; accessible pedestrian "
                "crossings.",
            ),
        },
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
        openers=commission,
        texts={
            "it": (
                "Manutenzione degli impianti di riscaldamento degli edifici comunali",
                "Gestione, manutenzione e riparazione delle centrali termiche di "
                "42 edifici.",
            ),
        },
    )
    closed = tenders.publish(agent, closed)
    tenders.record_download(voirie_bidder, closed, organisation=voirie)
    _deposit_sealed(voirie_bidder, voirie, closed, _bid_files(voirie, closed.title))
    _deposit_sealed(auxois_admin, auxois, closed, _bid_files(auxois, closed.title))
    closed = _move_back(closed, days=45)

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
        openers=commission,
    )
    opened = tenders.publish(agent, opened)
    _deposit_sealed(auxois_admin, auxois, opened, _bid_files(auxois, opened.title))
    opened = _move_back(opened, days=50)
    _open_as_openers(users, identities, opened)


def _move_back(consultation, days):
    """Close a consultation now: deadline just behind its deposits, published earlier.

    Demo data only. A receipt's timestamp token covers its received_at, so the
    bids' instants (and their uploads') stay true and the consultation's dates move
    instead: its deadline comes to the present, after the last deposit, and its
    publication and questions deadline go `days` back.
    """
    shift = dt.timedelta(days=days)
    with transaction.atomic():
        c = Consultation.objects.select_for_update().get(pk=consultation.pk)
        received = [b.received_at for b in Bid.objects.filter(consultation=c)]
        deadline = max([now(), *(r + dt.timedelta(microseconds=1) for r in received)])
        c.published_at -= shift
        c.questions_deadline -= shift
        c.submission_deadline = deadline
        c.save(
            update_fields=["published_at", "questions_deadline", "submission_deadline"]
        )
        # The deadline each receipt shows; it is not part of what the token covers.
        Bid.objects.filter(consultation=c).update(deadline=deadline)
        # The journal keeps the true instants; it says what the demo did instead.
        record(
            "demo.history-moved-back", obj=c, days=days, deadline=deadline.isoformat()
        )
    return c
