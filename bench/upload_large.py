"""Upload one large sealed file through tus to gunicorn, and compare with a plain copy.

Run: `uv run python bench/upload_large.py` (SIZE in bytes, default 2 GiB; FILL is
`random`, the default, or `sparse`). Everything lives in a temporary directory
removed at the end; the server listens on 127.0.0.1 only.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

MIB = 1024 * 1024
SIZE = int(os.environ.get("SIZE", 2 * 1024 * MIB))
FILL = os.environ.get("FILL", "random")
CHUNK = 8 * MIB
HEADER = b"age-encryption.org/v1\n"


def main():
    work = Path(tempfile.mkdtemp(prefix="mutualis-bench-"))
    try:
        run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work):
    env = _environment(work)
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "-m", "mutualis.cli", "migrate", "-v0"], check=True, env=env
    )
    fixture = _fixture()
    source = _sealed_file(work / "offre.pdf.age")
    # The copy is measured before and after the upload, each time with nothing
    # left to write back, so that neither side pays for the other's dirty pages.
    copies = [_plain_copy(source, work / "copy.age")]
    port = _free_port()
    server = _gunicorn(port, env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, server)
        os.sync()
        upload_seconds = _upload(base, fixture, source)
        worker = _worker_pid(server.pid)
        peaks = {pid: _vm_hwm(pid) for pid in (server.pid, worker) if pid}
        cpu = _cpu_seconds(worker) if worker else None
    finally:
        server.terminate()
        server.wait(timeout=30)
    copies.append(_plain_copy(source, work / "copy.age"))
    _print(upload_seconds, copies, peaks, server.pid, worker)
    print(f"gunicorn worker CPU time (user + system): {cpu:.1f} s")
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


def _environment(work):
    return {
        **os.environ,
        "MUTUALIS_DATA_DIR": str(work / "data"),
        "MUTUALIS_INSECURE_DEV_KEY": "true",
        "MUTUALIS_MAX_BID_FILE_SIZE": str(SIZE),
        "MUTUALIS_MAX_BID_SIZE": str(SIZE),
        "DJANGO_SETTINGS_MODULE": "mutualis.settings",
        "LOG_LEVEL": "WARNING",
    }


def _fixture():
    """A published consultation with one opener, a bidder, a token and a manifest."""
    import datetime as dt

    import django

    django.setup()
    import pyrage

    from mutualis.accounts.models import Membership, Organisation, Role, User
    from mutualis.accounts.tokens import create_token
    from mutualis.bids.models import OpenerKey, OpeningCommission
    from mutualis.core.time import now
    from mutualis.tenders.models import Consultation, State

    buyer = Organisation.objects.create(kind="buyer", name="Commune du banc d'essai")
    business = Organisation.objects.create(kind="business", name="Entreprise Essai")
    bidder = User.objects.create_user("bidder@example.org", full_name="Bidder")
    opener = User.objects.create_user("opener@example.org", full_name="Opener")
    Membership.objects.create(user=bidder, organisation=business, role=Role.BIDDER)
    Membership.objects.create(user=opener, organisation=buyer, role=Role.OPENER)
    consultation = Consultation.objects.create(
        buyer=buyer,
        reference="BENCH-1",
        title="Banc d'essai",
        nature="works",
        procedure="open",
        state=State.PUBLISHED,
        published_at=now(),
        submission_deadline=now() + dt.timedelta(days=1),
    )
    identity = pyrage.x25519.Identity.generate()
    key = OpenerKey.objects.create(
        user=opener,
        buyer=buyer,
        recipient=str(identity.to_public()),
        created_at=now(),
    )
    commission = OpeningCommission.objects.create(
        consultation=consultation, threshold=1
    )
    commission.keys.add(key)
    return {
        "token": create_token(bidder, "bench")[1],
        "business": business.pk,
        "manifest": _manifest(consultation.pk, key, identity.to_public()),
    }


def _manifest(consultation, key, opener_recipient):
    import pyrage

    bid = pyrage.x25519.Identity.generate().to_public()
    inner = json.dumps({"files": [{"name": "offre.pdf", "size": SIZE, "sha256": ""}]})
    return {
        "format": "mutualis-sealed-bid/1",
        "deposit_key": str(uuid.uuid4()),
        "consultation": consultation,
        "lot": None,
        "bid_recipient": str(bid),
        "threshold": 1,
        "shares": [
            {
                "opener_key": key.pk,
                "share": _b64(pyrage.encrypt(os.urandom(33), [opener_recipient])),
            }
        ],
        "files": [{"name": "offre.pdf", "size": SIZE}],
        "inner": _b64(pyrage.encrypt(inner.encode(), [bid])),
        "backup_copy": False,
    }


def _b64(data):
    return base64.b64encode(data).decode()


def _sealed_file(path):
    with path.open("wb") as out:
        out.write(HEADER)
        if FILL == "sparse":
            out.truncate(SIZE)
        else:
            left = SIZE - len(HEADER)
            while left:
                out.write(os.urandom(min(CHUNK, left)))
                left -= min(CHUNK, left)
        out.flush()
        os.fsync(out.fileno())
    return path


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn(port, env):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mutualis.wsgi:application",
            "--worker-class=gthread",
            "--workers=1",
            "--threads=4",
            "--timeout=600",
            f"--bind=127.0.0.1:{port}",
        ],
        env=env,
    )


def _wait_until_up(base, server):
    import requests

    for _attempt in range(300):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before answering")
        try:
            requests.options(f"{base}/api/uploads/", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise SystemExit("gunicorn did not answer within 30 s")


def _upload(base, fixture, source):
    import requests
    from tusclient.client import TusClient

    headers = {"Authorization": f"Bearer {fixture['token']}"}
    started = requests.post(
        f"{base}/api/deposits/",
        json={"business": fixture["business"], "manifest": fixture["manifest"]},
        headers=headers,
        timeout=60,
    )
    started.raise_for_status()
    deposit = started.json()
    client = TusClient(f"{base}/api/uploads/", headers=headers)
    begin = time.perf_counter()
    with source.open("rb") as stream:
        uploader = client.uploader(
            file_stream=stream, url=deposit["uploads"][0], chunk_size=CHUNK
        )
        while uploader.offset < uploader.stop_at:
            last, before = time.perf_counter(), uploader.offset
            uploader.upload_chunk()
    end = time.perf_counter()
    seconds = {"total": end - begin, "last": end - last, "before_last": before}
    state = requests.get(
        f"{base}/api/deposits/{deposit['deposit']}", headers=headers, timeout=60
    ).json()
    if state["state"] != "received":
        raise SystemExit(f"the deposit is {state['state']}, not received")
    return seconds


def _worker_pid(master):
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = children.read_text().split() if children.exists() else []
    return int(pids[0]) if pids else None


def _vm_hwm(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return None


def _cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _plain_copy(source, target):
    os.sync()
    begin = time.perf_counter()
    shutil.copyfile(source, target)
    with target.open("rb+") as copied:
        os.fsync(copied.fileno())
    seconds = time.perf_counter() - begin
    target.unlink()
    os.sync()
    return seconds


def _print(upload_seconds, copies, peaks, master, worker):
    megabytes = SIZE / 1e6
    total, last = upload_seconds["total"], upload_seconds["last"]
    before_last = upload_seconds["before_last"]
    print(f"file: {SIZE} bytes ({SIZE / 1024**3:.2f} GiB, {FILL}), PATCH of 8 MiB")
    print(
        f"tus upload to gunicorn (gthread, 1 worker): {total:.1f} s, "
        f"{megabytes / total:.0f} MB/s"
    )
    print(
        f"  of which the last PATCH (its bytes, the SHA-256 of the file, the "
        f"stamped receipt and its sealed PDF e-mail): {last:.1f} s"
    )
    print(
        f"  bytes alone (all but the last PATCH): "
        f"{before_last / 1e6 / max(total - last, 1e-9):.0f} MB/s"
    )
    for when, seconds in zip(("before", "after"), copies, strict=True):
        print(
            f"plain copy {when} the upload (shutil.copyfile + fsync): "
            f"{seconds:.1f} s, {megabytes / seconds:.0f} MB/s"
        )
    fastest = min(copies)
    print(
        f"upload / fastest copy: {fastest / total:.2f} "
        f"(goal: at least 0.50); / slowest copy: {max(copies) / total:.2f}"
    )
    print(f"gunicorn master peak RSS (VmHWM): {peaks.get(master)} MiB")
    print(f"gunicorn worker peak RSS (VmHWM): {peaks.get(worker)} MiB")


if __name__ == "__main__":
    main()
