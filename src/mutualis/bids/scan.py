"""Malware scanning with ClamAV's clamd, spoken to over its socket (INSTREAM).

A file is called clean only when clamd said so. No configured scanner, no answer, a
timeout, a file past clamd's limits or an error reply each give "unscannable" with
the reason, so that the file is flagged, never dropped nor silently passed.

The scanner is found from the environment at each call: `MUTUALIS_CLAMD_SOCKET` (a
unix socket), else `MUTUALIS_CLAMD_HOST`/`MUTUALIS_CLAMD_PORT` (TCP, the host
defaulting to 127.0.0.1); `MUTUALIS_CLAMD_TIMEOUT` is the seconds clamd may stay
silent (120 by default).
"""

import os
import socket
import struct
from dataclasses import dataclass

from django.utils.translation import gettext as _

CLEAN = "clean"
INFECTED = "infected"
UNSCANNABLE = "unscannable"

CHUNK_SIZE = 256 * 1024
DEFAULT_TIMEOUT = 120
DEFAULT_PORT = 3310
# What BidFile.scan_detail holds.
MAX_DETAIL = 300
# clamd reports a file past MaxFileSize, MaxScanSize or MaxScanTime under this name
# when AlertExceedsMax is on: the file was not scanned whole, so it is not clean.
LIMITS_EXCEEDED = "Heuristics.Limits.Exceeded"
SIZE_LIMIT_REPLY = "INSTREAM size limit exceeded. ERROR"


@dataclass(frozen=True)
class ScanResult:
    status: str
    detail: str = ""

    @property
    def is_clean(self):
        return self.status == CLEAN


class _Misconfigured(Exception):
    pass


def unscannable(reason):
    return ScanResult(UNSCANNABLE, reason[:MAX_DETAIL])


def scan_file(path):
    """Scan the file at `path` with clamd, streaming it, and say what clamd found."""
    try:
        address = scanner_address()
    except _Misconfigured as error:
        return unscannable(str(error))
    if address is None:
        return unscannable(_("no scanner configured"))

    with open(path, "rb") as source:
        try:
            with _connect(address) as connection:
                reply = _instream(connection, source)
        except TimeoutError:
            return unscannable(
                _("the scanner did not answer within %(seconds)s seconds")
                % {"seconds": _timeout()}
            )
        except OSError as error:
            return unscannable(
                _("the scanner is not reachable: %(error)s")
                % {"error": error.strerror or error}
            )
    return _result(reply)


def ping():
    """Whether a configured clamd answers PING."""
    try:
        address = scanner_address()
        if address is None:
            return False
        with _connect(address) as connection:
            connection.sendall(b"zPING\0")
            return _reply(connection) == "PONG"
    except (_Misconfigured, OSError):
        return False


def scanner_address():
    """The clamd socket from the environment: (AF_UNIX, path), (AF_INET, (host,
    port)), or None when none is configured."""
    path = os.environ.get("MUTUALIS_CLAMD_SOCKET", "").strip()
    if path:
        return socket.AF_UNIX, path
    host = os.environ.get("MUTUALIS_CLAMD_HOST", "").strip()
    port = os.environ.get("MUTUALIS_CLAMD_PORT", "").strip()
    if not (host or port):
        return None
    return socket.AF_INET, (host or "127.0.0.1", _port(port))


def _port(value):
    if not value:
        return DEFAULT_PORT
    try:
        return int(value)
    except ValueError:
        raise _Misconfigured(
            _("misconfigured scanner: MUTUALIS_CLAMD_PORT is %(value)r, not a number")
            % {"value": value}
        ) from None


def _timeout():
    value = os.environ.get("MUTUALIS_CLAMD_TIMEOUT", "").strip()
    try:
        return float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


def _connect(address):
    family, target = address
    connection = socket.socket(family, socket.SOCK_STREAM)
    # Per send or receive, not for the whole scan: a large file may take minutes.
    connection.settimeout(_timeout())
    try:
        connection.connect(target)
    except BaseException:
        connection.close()
        raise
    return connection


def _instream(connection, source):
    """Send `source` in chunks, each after its 4-byte big-endian length, then read
    the verdict; clamd may cut the stream short when it passes StreamMaxLength."""
    connection.sendall(b"zINSTREAM\0")
    try:
        while chunk := source.read(CHUNK_SIZE):
            connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
    except (BrokenPipeError, ConnectionResetError):
        return _reply_after_cut(connection)
    return _reply(connection)


def _reply_after_cut(connection):
    # clamd closes the connection once a stream passes StreamMaxLength; its answer
    # usually still waits in the socket, unless the reset discarded it (TCP).
    try:
        return _reply(connection)
    except OSError:
        return ""


def _reply(connection):
    """clamd's answer up to the NUL that ends it in the z-command form."""
    data = b""
    while not data.endswith(b"\0"):
        received = connection.recv(4096)
        if not received:
            break
        data += received
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def _result(reply):
    if reply.endswith(" OK"):
        return ScanResult(CLEAN)
    if reply.endswith(" FOUND"):
        return _found(reply.removeprefix("stream:").removesuffix(" FOUND").strip())
    if reply == SIZE_LIMIT_REPLY:
        return unscannable(
            _("the file is larger than the scanner accepts (StreamMaxLength)")
        )
    if not reply:
        return unscannable(_("the scanner closed the connection without an answer"))
    return unscannable(_("the scanner answered: %(reply)s") % {"reply": reply})


def _found(signature):
    if signature.startswith(LIMITS_EXCEEDED):
        return unscannable(
            _("the file exceeds the scanner's limits (%(limit)s)")
            % {"limit": signature}
        )
    return ScanResult(INFECTED, signature[:MAX_DETAIL])
