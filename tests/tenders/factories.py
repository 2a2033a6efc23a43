"""Helpers for the consultation tests: ready drafts, uploads, reference data."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.accounts.models import Role
from mutualis.core.time import now
from mutualis.referential.loaders import load_thresholds
from mutualis.tenders import actions
from mutualis.tenders.models import State
from tests.factories import BuyerFactory, ConsultationFactory, commission, member
from tests.referential_data import ensure_cpv

ROAD_WORKS = "45233140-2"  # Roadworks, below 45233000 and 45000000 (works).
WINTER_MORNING = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fast_passwords(settings):
    """These tests create many users; a real password hash costs each a second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def winter_morning():
    """A fixed instant inside the 2026-2027 threshold period: 11 January 2027."""
    with time_machine.travel(WINTER_MORNING, tick=False):
        yield WINTER_MORNING


def upload(name="Règlement de consultation.pdf", content=b"%PDF-1.7 rc", **kwargs):
    return SimpleUploadedFile(name, content, **kwargs)


def agent_of(buyer=None, role=Role.BUYER_AGENT, **user_fields):
    buyer = buyer or BuyerFactory()
    return member(buyer, role, **user_fields)


def ready_draft(with_commission=True, **fields):
    """A draft that passes every publication rule, with one document attached."""
    load_thresholds()
    (cpv,) = ensure_cpv(ROAD_WORKS)
    fields.setdefault("main_cpv", cpv)
    fields.setdefault("estimated_value", Decimal("150000"))
    fields.setdefault("questions_deadline", now() + dt.timedelta(days=25))
    fields.setdefault("submission_deadline", now() + dt.timedelta(days=35))
    consultation = ConsultationFactory(state=State.DRAFT, **fields)
    agent = agent_of(consultation.buyer)
    actions.add_document(agent, consultation, upload())
    if with_commission:
        commission(consultation)
    return consultation, agent


def published(**fields):
    consultation, agent = ready_draft(**fields)
    return actions.publish(agent, consultation), agent
