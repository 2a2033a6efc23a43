"""Seal a file with the command-line tool's code (pyrage, streaming) and print MB/s.

Beside it, the time to read the same file and hash it with SHA-256, which the
sealing must do anyway. Run: uv run python bench/seal_cli.py [--size MB]
"""

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import django
from pyrage import x25519

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")
os.environ.setdefault("MUTUALIS_INSECURE_DEV_KEY", "true")


def sealing_info(openers=3, threshold=2):
    """A consultation's sealing.json as the server gives it, with fresh openers."""
    from mutualis.bids.sealing import INFO_FORMAT

    return {
        "format": INFO_FORMAT,
        "consultation": 1,
        "lots": [],
        "threshold": threshold,
        "openers": [
            {"key": n, "recipient": str(x25519.Identity.generate().to_public())}
            for n in range(1, openers + 1)
        ],
        "limits": {},
        "deadline": "2027-02-12T16:00:00Z",
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=500, help="file size in MB")
    size = parser.parse_args().size * 1_000_000
    with tempfile.TemporaryDirectory() as work:
        os.environ.setdefault("MUTUALIS_DATA_DIR", str(Path(work) / "var"))
        django.setup()
        from mutualis.bids.sealing import seal_bid

        source = Path(work) / "Offre.bin"
        with source.open("wb") as out:
            for _ in range(size // 1_000_000):
                out.write(os.urandom(1_000_000))

        started = time.perf_counter()
        digest = hashlib.sha256()
        with source.open("rb") as handle:
            while chunk := handle.read(8 * 1024 * 1024):
                digest.update(chunk)
        hashed = time.perf_counter() - started

        started = time.perf_counter()
        seal_bid(sealing_info(), [source], Path(work) / "sealed")
        sealed = time.perf_counter() - started

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file: {size / 1e6:.0f} MB")
    print(f"read and SHA-256 alone: {hashed:.1f} s, {size / 1e6 / hashed:.0f} MB/s")
    print(
        f"sealed (age + SHA-256 + shares): {sealed:.1f} s, {size / 1e6 / sealed:.0f} MB/s"
    )
    print(f"peak memory of the process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
