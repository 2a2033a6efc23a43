"""Match a day of new consultations against 100,000 saved searches; print the time.

Run: `uv run python bench/alerts_match.py [--alerts N] [--consultations M]`
(defaults 100000 and 2000, about a day of TED notices). It works in a temporary
data directory (SQLite, unless DATABASE_URL is set) removed at the end. The
criteria and notices are drawn from the shipped CPV and NUTS lists: titles are
built from the French CPV labels, keywords from the words of those labels, NUTS
of Burgundy and of France, value ranges on a log scale. The goal is under 10 s
for loading the alerts and the consultations and matching them.
"""

import argparse
import os
import random
import re
import shutil
import tempfile
import time
from decimal import Decimal

# A day of TED: works and services dominate (shares by CPV division, rounded).
DIVISIONS = {
    "45": 22,
    "71": 8,
    "79": 6,
    "90": 6,
    "50": 6,
    "33": 8,
    "34": 4,
    "30": 3,
    "48": 3,
    "72": 4,
    "80": 3,
    "85": 3,
    "15": 4,
    "09": 2,
    "44": 4,
    "39": 3,
    "31": 3,
    "42": 3,
    "60": 3,
    "77": 2,
}
BURGUNDY = ["FRC11", "FRC12", "FRC13", "FRC14"]
ALERT_NUTS = [*BURGUNDY, "FRC1", "FRC", "FR"]
OPENINGS = [
    "Travaux de",
    "Marché de",
    "Accord-cadre pour",
    "Fourniture de",
    "Prestations de",
    "Réalisation de",
    "Acquisition de",
]
STOP = {
    "pour",
    "dans",
    "avec",
    "sans",
    "sur",
    "des",
    "les",
    "une",
    "autres",
    "matériel",
    "services",
    "travaux",
    "produits",
    "divers",
}
WORD = re.compile(r"[^\W\d_]{5,}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--consultations", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="mutualis-bench-")
    os.environ.update(
        MUTUALIS_DATA_DIR=directory,
        MUTUALIS_INSECURE_DEV_KEY="true",
        DJANGO_SETTINGS_MODULE="mutualis.settings",
    )
    try:
        run(args.alerts, args.consultations, random.Random(args.seed))
    finally:
        shutil.rmtree(directory)


def run(alert_count, consultation_count, rng):
    import django

    django.setup()
    from django.core.management import call_command

    from mutualis.referential.loaders import load_cpv, load_nuts
    from mutualis.referential.models import CpvCode, NutsCode

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_cpv()
    load_nuts()
    cpv = list(CpvCode.objects.values_list("code", "level", "labels"))
    nuts = list(NutsCode.objects.values_list("code", flat=True))
    print(
        f"referential: {len(cpv)} CPV, {len(nuts)} NUTS codes "
        f"in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    buyers = make_buyers(rng)
    make_consultations(rng, consultation_count, cpv, nuts, buyers)
    make_alerts(rng, alert_count, cpv, buyers)
    print(f"data built in {time.perf_counter() - started:.1f} s")
    measure()


def label(labels):
    return labels.get("fr") or labels.get("en") or ""


def by_division(cpv):
    divisions = {}
    for code, level, labels in cpv:
        divisions.setdefault(code[:2], []).append((code, level, label(labels)))
    return divisions


def make_buyers(rng):
    from mutualis.accounts.models import Organisation, OrganisationKind

    Organisation.objects.bulk_create(
        Organisation(kind=OrganisationKind.BUYER, name=f"Acheteur public {n}")
        for n in range(400)
    )
    return list(Organisation.objects.values_list("pk", flat=True))


def make_consultations(rng, count, cpv, nuts, buyers):
    from django.utils import timezone

    from mutualis.referential.models import CpvCode, NutsCode
    from mutualis.tenders.models import Consultation, Lot, Nature, Procedure, State

    divisions = by_division(cpv)
    weights = [DIVISIONS.get(d, 0.3) for d in divisions]
    cpv_pk = dict(CpvCode.objects.values_list("code", "pk"))
    nuts_pk = dict(NutsCode.objects.values_list("code", "pk"))
    french = [code for code in nuts if code.startswith("FR")]
    now = timezone.now()
    rows, extra, places, lots = [], [], [], []
    for n in range(count):
        division = rng.choices(list(divisions), weights)[0]
        main = rng.choice(divisions[division])
        others = rng.sample(divisions[division], min(3, len(divisions[division])))
        title = f"{rng.choice(OPENINGS)} {main[2].lower()} — lot {n % 7 + 1}"
        description = ". ".join(o[2] for o in others)
        rows.append(
            Consultation(
                buyer_id=rng.choice(buyers),
                reference=f"TED-{n:06d}",
                title=title[:500],
                description=description,
                nature=Nature.WORKS if division == "45" else rng.choice(list(Nature)),
                procedure=rng.choice(list(Procedure)),
                estimated_value=value(rng) if rng.random() < 0.6 else None,
                main_cpv_id=cpv_pk[main[0]],
                state=State.PUBLISHED,
                published_at=now,
                submission_deadline=now + timezone.timedelta(days=30),
            )
        )
        extra.append([cpv_pk[o[0]] for o in others[1:]])
        pick = rng.random()
        pool = BURGUNDY if pick < 0.1 else french if pick < 0.35 else nuts
        places.append([nuts_pk[code] for code in rng.sample(pool, rng.randint(1, 2))])
        lots.append(others[:1] if rng.random() < 0.3 else [])
    created = Consultation.objects.bulk_create(rows, batch_size=500)
    Consultation.extra_cpv.through.objects.bulk_create(
        Consultation.extra_cpv.through(consultation_id=c.pk, cpvcode_id=pk)
        for c, pks in zip(created, extra, strict=True)
        for pk in pks
    )
    Consultation.nuts.through.objects.bulk_create(
        Consultation.nuts.through(consultation_id=c.pk, nutscode_id=pk)
        for c, pks in zip(created, places, strict=True)
        for pk in pks
    )
    Lot.objects.bulk_create(
        Lot(consultation_id=c.pk, number=1, title=o[2][:500], main_cpv_id=cpv_pk[o[0]])
        for c, chosen in zip(created, lots, strict=True)
        for o in chosen
    )


def value(rng):
    return Decimal(round(10 ** rng.uniform(4, 7.5), -3))


def keyword_pool(cpv):
    counts = {}
    for _code, _level, labels in cpv:
        for word in WORD.findall(label(labels).lower()):
            if word not in STOP:
                counts[word] = counts.get(word, 0) + 1
    return [word for word, seen in counts.items() if seen >= 3]


def make_alerts(rng, count, cpv, buyers):
    from mutualis.accounts.models import User
    from mutualis.alerts.models import Alert, Frequency
    from mutualis.core.time import now
    from mutualis.tenders.models import Nature, Procedure

    User.objects.bulk_create(
        User(email=f"entreprise{n}@example.org", full_name=f"Entreprise {n}")
        for n in range(count // 20)
    )
    owners = list(User.objects.values_list("pk", flat=True))
    words = keyword_pool(cpv)
    divisions = by_division(cpv)
    weights = [DIVISIONS.get(d, 0.3) for d in divisions]
    at = now()
    alerts, chosen_buyers = [], []
    for n in range(count):
        has_words = rng.random() < 0.6
        has_cpv = not has_words or rng.random() < 0.5
        division = rng.choices(list(divisions), weights)[0]
        codes = [
            c[0] for c in divisions[division] if 2 <= c[1] <= 5 or rng.random() < 0.1
        ]
        low = value(rng) if rng.random() < 0.3 else None
        alerts.append(
            Alert(
                owner_id=rng.choice(owners),
                name=f"Veille {n}",
                keywords=" ".join(rng.sample(words, rng.randint(1, 3)))
                if has_words
                else "",
                cpv_codes=rng.sample(codes, min(len(codes), rng.randint(1, 4)))
                if has_cpv
                else [],
                nuts_codes=rng.sample(ALERT_NUTS, rng.randint(1, 2))
                if rng.random() < 0.6
                else [],
                nature=rng.choice(list(Nature)) if rng.random() < 0.2 else "",
                procedures=[rng.choice(list(Procedure))] if rng.random() < 0.1 else [],
                min_value=low,
                max_value=low * 20 if low and rng.random() < 0.5 else None,
                frequency=Frequency.DAILY,
                created_at=at,
                last_run_at=at,
            )
        )
        chosen_buyers.append(rng.sample(buyers, 2) if rng.random() < 0.03 else [])
    created = Alert.objects.bulk_create(alerts, batch_size=2000)
    Alert.buyers.through.objects.bulk_create(
        Alert.buyers.through(alert_id=a.pk, organisation_id=pk)
        for a, pks in zip(created, chosen_buyers, strict=True)
        for pk in pks
    )


def measure():
    from mutualis.alerts.matching import Matcher, alert_criteria, consultation_facts
    from mutualis.alerts.models import Alert
    from mutualis.alerts.sending import open_consultations
    from mutualis.core.time import now

    started = time.perf_counter()
    criteria = alert_criteria(Alert.objects.filter(is_active=True))
    loaded_alerts = time.perf_counter()
    facts = consultation_facts(open_consultations(now()))
    loaded = time.perf_counter()
    found = Matcher(criteria).matches(facts)
    done = time.perf_counter()
    pairs = sum(map(len, found.values()))
    print(
        f"alerts: {len(criteria)} loaded in {loaded_alerts - started:.2f} s; "
        f"consultations: {len(facts)} loaded in {loaded - loaded_alerts:.2f} s"
    )
    print(f"matching: {done - loaded:.2f} s")
    print(
        f"total: {done - started:.2f} s for {pairs} matches "
        f"({len(found)} alerts with at least one)"
    )


if __name__ == "__main__":
    main()
