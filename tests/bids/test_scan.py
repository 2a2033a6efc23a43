"""Malware scanning: clamd's verdicts, and every way it fails to give one."""

import hashlib
import os
import shutil
import socket
import subprocess
import threading
import tracemalloc
from pathlib import Path

import pytest
from pytest_socket import socket_allow_hosts

from mutualis.bids.scan import CHUNK_SIZE, ScanResult, ping, scan_file

CLAMAV = Path(__file__).resolve().parents[1] / "clamav"
CLAMD_SCRIPT = CLAMAV / "clamd"
# Built from two halves so that no file of the repository is itself the test virus.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# tests/clamav/clamd.conf.in
STREAM_MAX_LENGTH = 32 * 1024 * 1024
SCANNER_VARIABLES = (
    "MUTUALIS_CLAMD_SOCKET",
    "MUTUALIS_CLAMD_HOST",
    "MUTUALIS_CLAMD_PORT",
)


def allow_unix_sockets():
    """Let this test reach clamd's unix socket; the network stays closed."""
    socket_allow_hosts(["127.0.0.1", "::1"], allow_unix_socket=True)


def _clamd(command, run_dir):
    env = {**os.environ, "MUTUALIS_CLAMD_DIR": str(run_dir)}
    subprocess.run([str(CLAMD_SCRIPT), command], env=env, check=True)


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory):
    """The socket of a clamd with the test configuration: the one `./dev test`
    started, else one started here for the session."""
    allow_unix_sockets()
    started = os.environ.get("MUTUALIS_CLAMD_SOCKET")
    if started and _answers(started):
        yield started
        return
    if shutil.which("clamd") is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon)")
    run_dir = tmp_path_factory.mktemp("clamd")
    _clamd("start", run_dir)
    yield str(run_dir / "clamd.sock")
    _clamd("stop", run_dir)


def _answers(path):
    try:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(2)
            connection.connect(path)
            connection.sendall(b"zPING\0")
            return connection.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture
def no_scanner(monkeypatch):
    allow_unix_sockets()
    for name in (*SCANNER_VARIABLES, "MUTUALIS_CLAMD_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def clamd(clamd_socket, no_scanner):
    no_scanner.setenv("MUTUALIS_CLAMD_SOCKET", clamd_socket)
    return clamd_socket


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def sparse(tmp_path, name, size):
    """A file of `size` zero bytes that takes no room on disk."""
    path = tmp_path / name
    with path.open("wb") as file:
        file.truncate(size)
    return path


# clamd's verdicts


def test_the_test_signature_is_the_md5_of_eicar():
    lines = (CLAMAV / "db" / "mutualis-test.hdb").read_text().splitlines()
    signatures = [line for line in lines if line and not line.startswith("#")]

    assert signatures == [
        f"{hashlib.md5(EICAR, usedforsecurity=False).hexdigest()}:{len(EICAR)}:Mutualis.Test.EICAR"
    ]


def test_eicar_is_infected_with_its_signature_name(clamd, tmp_path):
    path = write(tmp_path, "offre.com", EICAR)

    assert scan_file(path) == ScanResult("infected", "Mutualis.Test.EICAR.UNOFFICIAL")


def test_a_clean_file_is_clean(clamd, tmp_path):
    path = write(tmp_path, "memoire.pdf", b"%PDF-1.7 memoire technique\n" * 1000)

    assert scan_file(path) == ScanResult("clean", "")


def test_clamd_answers_ping(clamd):
    assert ping() is True


# No verdict: unscannable, with the reason


def test_without_a_configured_scanner_nothing_is_clean(no_scanner, tmp_path):
    path = write(tmp_path, "memoire.pdf", b"%PDF-1.7")

    assert scan_file(path) == ScanResult("unscannable", "no scanner configured")
    assert ping() is False


@pytest.fixture
def own_clamd(no_scanner, tmp_path):
    """A clamd of this test's own, stopped at its end if the test did not."""
    if shutil.which("clamd") is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon)")
    run_dir = tmp_path / "clamd"
    _clamd("start", run_dir)
    no_scanner.setenv("MUTUALIS_CLAMD_SOCKET", str(run_dir / "clamd.sock"))
    yield run_dir
    _clamd("stop", run_dir)


def test_a_stopped_clamd_leaves_the_file_unscannable(own_clamd, tmp_path):
    path = write(tmp_path, "memoire.pdf", b"%PDF-1.7")
    assert scan_file(path).status == "clean"

    _clamd("stop", own_clamd)

    assert scan_file(path) == ScanResult(
        "unscannable", "the scanner is not reachable: No such file or directory"
    )


def test_a_socket_nobody_listens_on_is_unreachable(no_scanner, tmp_path):
    stale = tmp_path / "clamd.sock"
    with socket.socket(socket.AF_UNIX) as left_behind:
        left_behind.bind(str(stale))
    no_scanner.setenv("MUTUALIS_CLAMD_SOCKET", str(stale))

    result = scan_file(write(tmp_path, "memoire.pdf", b"%PDF-1.7"))

    assert result == ScanResult(
        "unscannable", "the scanner is not reachable: Connection refused"
    )


def test_a_closed_tcp_port_is_unreachable(no_scanner, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    no_scanner.setenv("MUTUALIS_CLAMD_PORT", str(port))

    result = scan_file(write(tmp_path, "memoire.pdf", b"%PDF-1.7"))

    assert result == ScanResult(
        "unscannable", "the scanner is not reachable: Connection refused"
    )


def test_a_port_that_is_not_a_number_is_reported(no_scanner, tmp_path):
    no_scanner.setenv("MUTUALIS_CLAMD_PORT", "clamd")

    result = scan_file(write(tmp_path, "memoire.pdf", b"%PDF-1.7"))

    assert result == ScanResult(
        "unscannable",
        "misconfigured scanner: MUTUALIS_CLAMD_PORT is 'clamd', not a number",
    )


def test_a_file_over_stream_max_length_is_unscannable(clamd, tmp_path):
    path = sparse(tmp_path, "plans.dwg", STREAM_MAX_LENGTH + 1)

    assert scan_file(path) == ScanResult(
        "unscannable", "the file is larger than the scanner accepts (StreamMaxLength)"
    )


def test_a_file_of_exactly_stream_max_length_is_scanned(clamd, tmp_path):
    path = sparse(tmp_path, "plans.dwg", STREAM_MAX_LENGTH)

    assert scan_file(path) == ScanResult("clean", "")


def test_a_huge_file_streams_in_chunks(clamd, tmp_path):
    small = sparse(tmp_path, "petit.bin", 4 * CHUNK_SIZE)
    huge = sparse(tmp_path, "grand.bin", STREAM_MAX_LENGTH - 1)

    peaks = [_peak_memory(small), _peak_memory(huge)]

    assert all(result == ScanResult("clean", "") for result, _ in peaks)
    assert [peak < 4 * CHUNK_SIZE for _, peak in peaks] == [True, True]


def _peak_memory(path):
    tracemalloc.start()
    try:
        result = scan_file(path)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# What a clamd may answer, played by a stand-in on a unix socket


class StandIn:
    """A clamd stand-in that reads the whole request, then sends `reply` and hangs
    up, or, when `reply` is None, stays silent until the client hangs up."""

    def __init__(self, path, reply):
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(str(path))
        self.server.listen(1)
        self.reply = reply
        self.request = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _ = self.server.accept()
        with connection:
            while not self.request.endswith(b"\0\0\0\0"):
                data = connection.recv(65536)
                if not data:
                    return
                self.request += data
            if self.reply is not None:
                connection.sendall(self.reply)
                return
            while connection.recv(65536):
                pass

    def chunk_lengths(self):
        """The lengths announced after zINSTREAM, the final zero included."""
        rest = self.request.removeprefix(b"zINSTREAM\0")
        lengths = []
        while rest:
            length = int.from_bytes(rest[:4], "big")
            lengths.append(length)
            rest = rest[4 + length :]
        return lengths

    def close(self):
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def stand_in(no_scanner, tmp_path):
    started = []

    def start(reply):
        path = tmp_path / "stand-in.sock"
        started.append(StandIn(path, reply))
        no_scanner.setenv("MUTUALIS_CLAMD_SOCKET", str(path))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_a_silent_scanner_times_out(stand_in, no_scanner, tmp_path):
    stand_in(None)
    no_scanner.setenv("MUTUALIS_CLAMD_TIMEOUT", "0.2")

    result = scan_file(write(tmp_path, "memoire.pdf", b"%PDF-1.7"))

    assert result == ScanResult(
        "unscannable", "the scanner did not answer within 0.2 seconds"
    )


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (
            b"stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0",
            "the file exceeds the scanner's limits "
            "(Heuristics.Limits.Exceeded.MaxFileSize)",
        ),
        (
            b"stream: Can't allocate memory ERROR\0",
            "the scanner answered: stream: Can't allocate memory ERROR",
        ),
        (b"", "the scanner closed the connection without an answer"),
    ],
)
def test_an_answer_that_is_no_verdict_leaves_the_file_unscannable(
    stand_in, tmp_path, reply, detail
):
    stand_in(reply)

    result = scan_file(write(tmp_path, "memoire.pdf", b"%PDF-1.7"))

    assert result == ScanResult("unscannable", detail)


def test_the_file_goes_in_chunks_each_after_its_length(stand_in, tmp_path):
    server = stand_in(b"stream: Win.Test.EICAR_HDB-1 FOUND\0")

    result = scan_file(write(tmp_path, "offre.com", b"x" * (CHUNK_SIZE + 1)))

    assert result == ScanResult("infected", "Win.Test.EICAR_HDB-1")
    server.close()
    assert server.chunk_lengths() == [CHUNK_SIZE, 1, 0]
