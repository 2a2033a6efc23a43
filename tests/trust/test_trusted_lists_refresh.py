"""refresh-trusted-lists against a local server publishing a test LOTL and list."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mutualis.trust.models import TrustedList
from mutualis.trust.store import current_anchors
from tests.trust.trusted_list import make_tlso, sample_trust

pytestmark = pytest.mark.django_db


class Publisher(BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    httpd.files = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def base(server):
    return f"http://127.0.0.1:{server.server_address[1]}"


def publish(server, settings, tmp_path, national_path="/tl-zz.xml"):
    trust = sample_trust(location=base(server) + "/tl-zz.xml")
    server.files = {"/lotl.xml": trust.lotl, national_path: trust.national}
    settings.MUTUALIS_TRUSTED_LISTS_URL = base(server) + "/lotl.xml"
    signer = tmp_path / "lotl-signer.pem"
    signer.write_bytes(trust.tlso.pem)
    return trust, str(signer)


def test_without_the_setting_nothing_is_fetched(settings):
    settings.MUTUALIS_TRUSTED_LISTS_URL = ""
    out = StringIO()

    call_command("refresh_trusted_lists", stdout=out)

    assert out.getvalue().startswith("MUTUALIS_TRUSTED_LISTS_URL is not set")
    assert TrustedList.objects.count() == 0


def test_fetches_the_lotl_and_the_lists_it_points_to(server, settings, tmp_path):
    trust, signer = publish(server, settings, tmp_path)
    out = StringIO()

    call_command("refresh_trusted_lists", "--lotl-signer", signer, stdout=out)

    assert "lotl.xml: EU 1 imported" in out.getvalue()
    assert "tl-zz.xml: ZZ 1 imported" in out.getvalue()
    national = TrustedList.objects.get(territory="ZZ")
    assert national.location == base(server) + "/tl-zz.xml"
    assert bytes(national.xml) == trust.national
    assert [root.sha256 for root in current_anchors().roots] == [trust.ca.asn1.sha256]


def test_a_lotl_from_another_signer_is_refused(server, settings, tmp_path):
    _trust, _signer = publish(server, settings, tmp_path)
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(make_tlso("Someone else").pem)

    with pytest.raises(CommandError) as refused:
        call_command(
            "refresh_trusted_lists", "--lotl-signer", str(stranger), stdout=StringIO()
        )

    assert str(refused.value).startswith("lotl.xml refused: Its signature does not")
    assert TrustedList.objects.count() == 0


def test_the_bundled_lotl_signers_refuse_a_test_lotl(server, settings, tmp_path):
    publish(server, settings, tmp_path)

    with pytest.raises(CommandError):
        call_command("refresh_trusted_lists", stdout=StringIO())

    assert TrustedList.objects.count() == 0


def test_an_unreachable_national_list_is_reported(server, settings, tmp_path):
    _trust, signer = publish(server, settings, tmp_path, national_path="/moved.xml")
    out, err = StringIO(), StringIO()

    call_command(
        "refresh_trusted_lists", "--lotl-signer", signer, stdout=out, stderr=err
    )

    assert err.getvalue().startswith(f"ZZ not fetched from {base(server)}/tl-zz.xml")
    assert list(TrustedList.objects.values_list("territory", flat=True)) == ["EU"]
