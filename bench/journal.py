"""Append to the audit journal, seal and verify it, and print the rates.

Run: `uv run python bench/journal.py [--entries N]` (default 20000). It works in a
temporary data directory (SQLite, unless DATABASE_URL is set) removed at the end.
"""

import argparse
import hashlib
import io
import os
import shutil
import tempfile
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    entries = parser.parse_args().entries
    directory = tempfile.mkdtemp(prefix="mutualis-bench-")
    os.environ.update(
        MUTUALIS_DATA_DIR=directory,
        MUTUALIS_INSECURE_DEV_KEY="true",
        DJANGO_SETTINGS_MODULE="mutualis.settings",
    )
    try:
        run(entries)
    finally:
        shutil.rmtree(directory)


def run(entries):
    import django

    django.setup()
    from django.core.management import call_command

    from mutualis.core.journal import record, seal_journal, verify_journal
    from mutualis.trust.platform import platform_keys
    from mutualis.trust.timestamps import stamp, verify

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    platform_keys()
    print(f"platform keys generated in {time.perf_counter() - started:.3f} s")

    started = time.perf_counter()
    for n in range(entries):
        record("bench.event", n=n, file=f"offre-{n}.pdf.age", size=1048576 + n)
    elapsed = time.perf_counter() - started
    print(f"record: {entries} entries in {elapsed:.2f} s, {entries / elapsed:.0f}/s")

    digest = hashlib.sha256(b"receipt").digest()
    started = time.perf_counter()
    tokens = [stamp(digest) for _ in range(100)]
    print(f"stamp: {(time.perf_counter() - started) * 10:.2f} ms per token")
    started = time.perf_counter()
    for token in tokens:
        verify(token, digest)
    print(f"verify: {(time.perf_counter() - started) * 10:.2f} ms per token")

    seal_journal()
    started = time.perf_counter()
    report = verify_journal()
    elapsed = time.perf_counter() - started
    print(
        f"verify-journal: {report.entries} entries, {report.seals} seal, "
        f"{len(report.breaks)} breaks in {elapsed:.2f} s, "
        f"{report.entries / elapsed:.0f} entries/s"
    )
    seal(entries)


def seal(entries):
    from reportlab.pdfgen import canvas

    from mutualis.trust.platform import seal_pdf

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 770, "Receipt")
    page.save()
    started = time.perf_counter()
    for _ in range(20):
        seal_pdf(buffer.getvalue(), reason="Receipt")
    print(f"seal_pdf: {(time.perf_counter() - started) * 50:.1f} ms per PDF")


if __name__ == "__main__":
    main()
