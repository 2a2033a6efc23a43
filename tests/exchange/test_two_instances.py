"""Portal mode between two Mutualis platforms on 127.0.0.1.

A second instance runs in its own process with its own data directory and SQLite
database (the demo), and publishes its OCDS feed; the platform under test follows it.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from mutualis.exchange import following
from mutualis.exchange.models import FeedSource, RunStatus
from mutualis.tenders.models import PUBLIC_STATES, Consultation

pytestmark = pytest.mark.django_db


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mutualis(env, *args, **kwargs):
    command = [sys.executable, "-m", "mutualis.cli", *args]
    return subprocess.Popen(command, env=env, **kwargs)  # noqa: S603


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.fixture(scope="module")
def other_platform(tmp_path_factory):
    """The base address of a second Mutualis, serving its demo."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DJANGO_", "MUTUALIS_"))
    } | {
        "MUTUALIS_DATA_DIR": str(tmp_path_factory.mktemp("piemonte")),
        "MUTUALIS_INSECURE_DEV_KEY": "true",
        "MUTUALIS_BASE_URL": base,
        "MUTUALIS_PLATFORM_NAME": "Appalti Piemonte",
        # As `./dev demo` runs it: the pages with their static files unbuilt.
        "DEBUG": "true",
        "MUTUALIS_OCID_PREFIX": "ocds-piemonte",
    }
    built = mutualis(env, "demo", stdout=subprocess.DEVNULL)
    assert built.wait(timeout=300) == 0
    server = mutualis(
        env,
        "runserver",
        "--noreload",
        f"127.0.0.1:{port}",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(300):
            try:
                get_json(f"{base}/api/v1/consultations")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_other_platforms_calls_are_shown_here_with_a_link_back(
    other_platform, client
):
    theirs = get_json(f"{other_platform}/api/v1/consultations?limit=200")["results"]
    feed = FeedSource.objects.create(
        name="Appalti Piemonte",
        feed_url=f"{other_platform}/ocds/releases/",
        site_url=other_platform,
        country="IT",
        time_zone="Europe/Rome",
    )

    run = following.follow(feed)
    again = following.follow(feed)

    assert (run.status, run.errors, run.refused) == (RunStatus.OK, [], 0)
    assert (again.status, again.created) == (RunStatus.OK, 0)
    shown = Consultation.objects.filter(followed__source=feed, state__in=PUBLIC_STATES)
    assert sorted(shown.values_list("title", flat=True)) == sorted(
        item["title"] for item in theirs
    )
    first = theirs[0]
    here = shown.get(title=first["title"])
    page = client.get(f"/consultations/{here.pk}/").content.decode()
    origin = f"{other_platform}/consultations/{first['id']}/"
    assert here.followed.origin_url == origin
    assert f'href="{origin}"' in page
    # The page there in the call's main language, whatever the default one is.
    language = get_json(f"{other_platform}/api/v1/consultations/{first['id']}")
    main_text = f"{origin}?lang={language['language']}"
    with urllib.request.urlopen(main_text, timeout=30) as response:  # noqa: S310
        assert first["title"].encode() in response.read().replace(b"&#x27;", b"'")
