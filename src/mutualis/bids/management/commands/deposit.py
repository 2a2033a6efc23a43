"""`mutualis deposit DIR`: send a bid sealed by `mutualis seal` to the platform."""

import json
import time
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

MIB = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Deposit the sealed bid in DIR (manifest.json and one .age file per file, "
        "as `mutualis seal` writes them). Run it again after a cut: it resumes "
        "from the last byte the platform stored, and never makes a second bid."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--server", default=settings.MUTUALIS_BASE_URL, help="the platform's URL"
        )
        parser.add_argument(
            "--token",
            required=True,
            help="an API token of the business (My space → tokens): the bid is its",
        )
        parser.add_argument(
            "--chunk-size", type=int, default=8, help="MiB sent per request"
        )

    def handle(self, *args, directory, server, token, chunk_size, **kw):
        manifest = _read_manifest(directory)
        paths = _sealed_files(directory, manifest)
        api = Api(server, token)
        state = api.start(manifest)
        self.stdout.write(f"Deposit {state['deposit']}: {state['state_label']}")
        for path, entry in zip(paths, state["files"], strict=True):
            self._send(api, path, entry, chunk_size * MIB)
        state = api.state(state["deposit"])
        self._report(state)

    def _send(self, api, path, entry, chunk_size):
        if entry["offset"] >= entry["size"]:
            self.stdout.write(f"{entry['name']}: already stored")
            return
        with path.open("rb") as stream:
            try:
                self._upload(api.uploader(stream, entry["upload"], chunk_size), entry)
            except TusCommunicationError as error:
                raise CommandError(_tus_error(entry["name"], error)) from None

    def _upload(self, uploader, entry):
        started, first = time.monotonic(), uploader.offset
        while uploader.offset < uploader.stop_at:
            uploader.upload_chunk()
            self.stdout.write(_progress(entry, uploader.offset, first, started))

    def _report(self, state):
        if state["state"] == "receiving":
            raise CommandError(
                f"Deposit {state['deposit']} is not complete yet; run the same "
                "command again to resume it."
            )
        self.stdout.write(f"Receipt {state['deposit']}")
        self.stdout.write(f"Deposit completed: {state['received']}")
        if state["late"]:
            self.stdout.write("LATE: this bid arrived after the deadline.")
        self.stdout.write(f"Receipt page: {state['receipt_url']}")


class Api:
    """The platform's deposit API, as the command-line tool calls it."""

    def __init__(self, server, token):
        self.server = server.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    def start(self, manifest):
        return self._call(
            "post", "/api/v1/deposits", json={"manifest": manifest}
        ).json()

    def state(self, number):
        return self._call("get", f"/api/v1/deposits/{number}").json()

    def _call(self, method, path, **kwargs):
        try:
            answer = requests.request(
                method, self.server + path, headers=self.headers, timeout=60, **kwargs
            )
        except requests.RequestException as error:
            raise CommandError(f"The platform did not answer: {error}") from None
        if answer.status_code >= 400:
            raise CommandError(_error_of(answer.status_code, answer.content))
        return answer

    def uploader(self, stream, url, chunk_size):
        client = TusClient(f"{self.server}/api/uploads/", headers=self.headers)
        return client.uploader(file_stream=stream, url=url, chunk_size=chunk_size)


def _read_manifest(directory):
    path = directory / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(
            f"{path}: not found; seal the bid first with `mutualis seal`."
        ) from None
    except ValueError as error:
        raise CommandError(f"{path}: not valid JSON ({error})") from None


def _sealed_files(directory, manifest):
    """The sealed file of each manifest entry, checked against its declared size."""
    paths = []
    for entry in manifest.get("files", []):
        path = directory / f"{entry['name']}.age"
        if not path.is_file():
            raise CommandError(f"{path}: the sealed file is missing.")
        if path.stat().st_size != entry["size"]:
            raise CommandError(
                f"{path}: {path.stat().st_size} bytes, but the manifest says "
                f"{entry['size']}; seal the bid again."
            )
        paths.append(path)
    return paths


def _progress(entry, offset, first, started):
    elapsed = max(time.monotonic() - started, 1e-6)
    speed = (offset - first) / elapsed
    left = (entry["size"] - offset) / speed if speed else 0
    return (
        f"{entry['name']}: {offset} / {entry['size']} bytes, "
        f"{speed / 1e6:.1f} MB/s, {left:.0f} s left"
    )


def _error_of(status, content):
    # The API says `detail`; the tus server of the uploads says `error`.
    try:
        answer = json.loads(content)
        message = answer.get("detail") or answer["error"]
    except (ValueError, KeyError, TypeError, AttributeError):
        message = content[:200].decode(errors="replace")
    return f"The platform refused ({status}): {message}"


def _tus_error(name, error):
    status = getattr(error, "status_code", None)
    content = getattr(error, "response_content", None) or b""
    if status:
        return f"{name}: " + _error_of(status, content)
    return f"{name}: the upload stopped ({error}); run the command again to resume."
