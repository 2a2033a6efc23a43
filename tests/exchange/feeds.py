"""A publisher on 127.0.0.1 for the portal-mode tests: pages served as given."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mutualis.exchange.models import FeedSource

OCID = "ocds-piemonte-12"


class Publisher:
    """Serves `pages` ({path: (status, body bytes)}) and counts the requests."""

    def __init__(self):
        self.pages = {}
        self.hits = []
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                publisher.hits.append(self.path)
                status, body = publisher.pages.get(self.path, (404, b"{}"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def serve(self, path, body, status=200):
        self.pages[path] = (status, body)
        return self.url(path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port():
    """An address where nothing listens: a publisher that is down."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_port
    server.server_close()
    return f"http://127.0.0.1:{port}/ocds/releases/"


@pytest.fixture
def publisher():
    server = Publisher()
    yield server
    server.close()


def release(ocid=OCID, number=1, date="2027-01-08T09:00:00+01:00", **tender):
    tender = {
        "id": "2027/LAV/12",
        "title": "Manutenzione delle strade provinciali",
        "description": "Rifacimento del manto stradale, lotto unico.",
        "status": "active",
        "procurementMethod": "open",
        "mainProcurementCategory": "works",
        "value": {"amount": 480000, "currency": "EUR"},
        "tenderPeriod": {"endDate": "2027-03-01T12:00:00+01:00"},
        "items": [
            {
                "id": "1",
                "classification": {"scheme": "CPV", "id": "45233142"},
                "deliveryAddress": {"region": "ITC11"},
            }
        ],
        "documents": [
            {
                "id": "notice",
                "documentType": "tenderNotice",
                "url": f"https://appalti.example.it/gare/{ocid}/",
            }
        ],
    } | tender
    return {
        "ocid": ocid,
        "id": f"{ocid}-tender-{number}",
        "date": date,
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "it",
        "buyer": {"id": "IT-CF-80087670016", "name": "Provincia di Torino"},
        "tender": tender,
    }


def package(*releases, next_url=None):
    found = {
        "uri": "https://appalti.example.it/ocds/releases/",
        "publishedDate": "2027-01-08T09:00:00+01:00",
        "version": "1.1",
        "publisher": {"name": "Appalti Piemonte"},
        "releases": list(releases),
    }
    if next_url:
        found["links"] = {"next": next_url}
    return json.dumps(found, ensure_ascii=False).encode()


def source(url, name="Appalti Piemonte", **fields):
    fields.setdefault("country", "IT")
    fields.setdefault("time_zone", "Europe/Rome")
    return FeedSource.objects.create(name=name, feed_url=url, **fields)
