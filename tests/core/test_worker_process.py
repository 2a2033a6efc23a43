"""The real worker process: killed in the middle of a task, it loses no job and the
next worker sends the mail once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUEUE = (
    "import django; django.setup();"
    "from mutualis.core.mail import queue_mail;"
    "queue_mail('answer:1:user:2', 'lea@example.org', 'Une réponse', 'Bonjour.')"
)
STATE = (
    "import django; django.setup();"
    "from mutualis.core.models import OutgoingMail;"
    "from django_tasks_db.models import DBTaskResult;"
    "m = OutgoingMail.objects.get(); t = DBTaskResult.objects.get();"
    "print(m.sent_at is not None, t.status, len(t.worker_ids))"
)


@pytest.fixture
def environment(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        MUTUALIS_DATA_DIR=str(tmp_path / "data"),
        MUTUALIS_INSECURE_DEV_KEY="true",
        DJANGO_SETTINGS_MODULE="mutualis.settings",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    run([sys.executable, "-m", "mutualis.cli", "migrate", "-v0"], env)
    return env


def run(command, env, check=True):
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=check
    )


def worker(env, **extra):
    command = [sys.executable, "-m", "mutualis.cli", "worker", "--batch"]
    return run([*command, "--no-startup-delay"], {**env, **extra}, check=False)


def python(code, env):
    return run([sys.executable, "-c", code], env).stdout.split()


def test_a_worker_killed_mid_task_loses_no_mail_and_sends_it_once(
    environment, tmp_path
):
    python(QUEUE, environment)

    killed = worker(
        environment, EMAIL_BACKEND="tests.core.dying_mail_backend.EmailBackend"
    )
    after_kill = python(STATE, environment)
    worker(environment, MUTUALIS_TASK_STALE_AFTER="0")
    worker(environment, MUTUALIS_TASK_STALE_AFTER="0")

    assert killed.returncode == 137
    assert after_kill == ["False", "RUNNING", "1"]
    assert python(STATE, environment) == ["True", "SUCCESSFUL", "2"]
    sent = list((tmp_path / "data" / "mail").iterdir())
    assert len(sent) == 1
    assert "Subject: =?utf-8?q?Une_r=C3=A9ponse?=" in sent[0].read_text()
