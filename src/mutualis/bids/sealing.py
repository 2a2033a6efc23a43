"""The sealed-bid protocol of docs/sealing.md: age files, bid keys, manifests.

The server uses this module to describe a consultation's sealing and to check a
manifest without any key; the command-line tool uses it to seal a bid in Python.
"""

import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyrage
from django.conf import settings
from pyrage import x25519

from mutualis.bids import shamir

INFO_FORMAT = "mutualis-sealing/1"
MANIFEST_FORMAT = "mutualis-sealed-bid/1"
AGE_MAGIC = b"age-encryption.org/v1\n"
SECRET_KEY_HRP = "age-secret-key-"  # noqa: S105 - a Bech32 prefix, no secret
SECRET_SIZE = 32
# The longest header we read: a share or `inner` carries one recipient stanza and
# perhaps a grease stanza, far below this.
MAX_HEADER = 16 * 1024
MAX_NAME_LENGTH = 255
FORBIDDEN_IN_NAMES = re.compile(r"[\x00-\x1f\x7f/\\]")


class SealingError(ValueError):
    """Bytes or text that are not what the protocol expects."""


# Bech32 (BIP 173), which age uses for its keys without the 90-character limit.

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values):
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, g in enumerate(generator):
            check ^= g if (top >> i) & 1 else 0
    return check


def _hrp_expand(hrp):
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data, source, target, pad):
    acc, bits, out = 0, 0, []
    for value in data:
        acc = (acc << source) | value
        bits += source
        while bits >= target:
            bits -= target
            out.append((acc >> bits) & ((1 << target) - 1))
    if pad and bits:
        out.append((acc << (target - bits)) & ((1 << target) - 1))
    elif not pad and (bits >= source or (acc << (target - bits)) & ((1 << target) - 1)):
        raise SealingError("invalid Bech32 padding")
    return out


def bech32_encode(hrp, data):
    words = _convert_bits(data, 8, 5, pad=True)
    checksum = _polymod(_hrp_expand(hrp) + words + [0] * 6) ^ 1
    words += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[w] for w in words)


def bech32_decode(text):
    """The (hrp, bytes) that a Bech32 string encodes, in either case."""
    if text.lower() != text and text.upper() != text:
        raise SealingError("mixed case in a Bech32 string")
    text = text.lower()
    hrp, sep, rest = text.rpartition("1")
    if not sep or not hrp or len(rest) < 6:
        raise SealingError("not a Bech32 string")
    try:
        words = [BECH32_CHARSET.index(c) for c in rest]
    except ValueError:
        raise SealingError("invalid character in a Bech32 string") from None
    if _polymod(_hrp_expand(hrp) + words) != 1:
        raise SealingError("wrong Bech32 checksum")
    return hrp, bytes(_convert_bits(words[:-6], 5, 8, pad=False))


# Bid keys


def identity_secret(identity):
    """The 32 bytes an age X25519 identity encodes: what the shares split."""
    hrp, secret = bech32_decode(str(identity))
    if hrp != SECRET_KEY_HRP or len(secret) != SECRET_SIZE:
        raise SealingError("not an age X25519 identity")
    return secret


def identity_from_secret(secret):
    if len(secret) != SECRET_SIZE:
        raise SealingError(f"a bid key has {SECRET_SIZE} bytes, not {len(secret)}")
    return x25519.Identity.from_str(bech32_encode(SECRET_KEY_HRP, secret).upper())


def parse_recipient(text):
    """The age X25519 recipient `text` names, or SealingError saying why not."""
    if not isinstance(text, str) or not text.startswith("age1"):
        raise SealingError("an age recipient starts with “age1”")
    try:
        return x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError as error:
        raise SealingError(f"not an age recipient ({error})") from None


# age files


@dataclass(frozen=True)
class Stanza:
    type: str
    args: tuple
    body: bytes


@dataclass(frozen=True)
class AgeHeader:
    stanzas: tuple
    length: int

    def x25519_stanzas(self):
        return [s for s in self.stanzas if s.type == "X25519"]


def _b64(text):
    """age's base64: standard alphabet, no padding."""
    if "=" in text or "\n" in text:
        raise SealingError("padded base64 in an age header")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise SealingError("invalid base64 in an age header") from None


def parse_age_header(data):
    """The header of the age file that `data` starts with; SealingError if none."""
    if not data.startswith(AGE_MAGIC):
        raise SealingError("not an age file (no age-encryption.org/v1 header)")
    lines = data[: MAX_HEADER + 1].split(b"\n")
    position, stanzas, index = len(AGE_MAGIC), [], 1
    while index < len(lines) - 1:
        line = lines[index].decode("ascii", "replace")
        if line.startswith("--- "):
            _b64(line[4:])
            return AgeHeader(tuple(stanzas), position + len(line) + 1)
        if not line.startswith("-> "):
            break
        stanza, index, position = _stanza(lines, index, position)
        stanzas.append(stanza)
    raise SealingError("truncated or malformed age header")


def _stanza(lines, index, position):
    head = lines[index].decode("ascii", "replace")[3:].split(" ")
    if not head[0]:
        raise SealingError("an age stanza without a type")
    position += len(lines[index]) + 1
    body = []
    while True:
        index += 1
        if index >= len(lines) - 1:
            raise SealingError("truncated age header")
        line = lines[index].decode("ascii", "replace")
        position += len(line) + 1
        body.append(line)
        if len(line) < 64:
            break
    return Stanza(head[0], tuple(head[1:]), _b64("".join(body))), index + 1, position


def check_sealed_to_one(data):
    """Check that `data` is an age file to exactly one X25519 recipient.

    Grease stanzas (rage adds one) are allowed; a passphrase or any other kind of
    recipient is not, since an opener's identity is an X25519 key.
    """
    header = parse_age_header(data)
    x25519_stanzas = header.x25519_stanzas()
    if len(x25519_stanzas) != 1:
        raise SealingError(
            f"an age file to one X25519 recipient, not {len(x25519_stanzas)}"
        )
    (stanza,) = x25519_stanzas
    if len(stanza.args) != 1 or len(_b64(stanza.args[0])) != 32:
        raise SealingError("a malformed X25519 stanza")
    if len(stanza.body) != 32:
        raise SealingError("a malformed X25519 stanza")
    for other in header.stanzas:
        if other.type != "X25519" and not other.type.endswith("-grease"):
            raise SealingError(f"an unexpected “{other.type}” recipient")
    # The payload: a 16-byte nonce, then at least one chunk with its 16-byte tag.
    if len(data) < header.length + 32:
        raise SealingError("an age file without its payload")
    return header


def decode_age_base64(text):
    """The age file a manifest carries as base64 text; SealingError if it is none."""
    if not isinstance(text, str):
        raise SealingError("base64 text expected")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise SealingError("not base64") from None
    check_sealed_to_one(data)
    return data


# What a consultation tells the client


def limits():
    return {
        "max_file_size": settings.MUTUALIS_MAX_BID_FILE_SIZE,
        "max_bid_size": settings.MUTUALIS_MAX_BID_SIZE,
        "max_files": settings.MUTUALIS_MAX_BID_FILES,
    }


def commission_keys(commission):
    """The commission's keys in a stable order: the order of `openers`."""
    return list(commission.keys.order_by("pk"))


def sealing_info(consultation):
    """The sealing.json document of docs/sealing.md; None without a commission."""
    commission = getattr(consultation, "opening_commission", None)
    if commission is None:
        return None
    deadline = consultation.submission_deadline
    return {
        "format": INFO_FORMAT,
        "consultation": consultation.pk,
        "lots": [
            {"id": lot.pk, "number": lot.number, "title": lot.title}
            for lot in consultation.lots.order_by("number")
        ],
        "threshold": commission.threshold,
        "openers": [
            {"key": key.pk, "recipient": key.recipient}
            for key in commission_keys(commission)
        ],
        "limits": limits(),
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ") if deadline else None,
    }


# Checking a manifest on the server


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self):
        return f"{self.field}: {self.message}"


def validate_manifest(manifest, consultation):
    """Every error the server can find in `manifest` without a key, by field.

    An empty list means the manifest may start a deposit on `consultation`.
    """
    if not isinstance(manifest, dict):
        return [FieldError("manifest", "a JSON object expected")]
    errors = []
    for check in MANIFEST_CHECKS:
        errors.extend(check(manifest, consultation))
    return errors


def _check_format(manifest, consultation):
    if manifest.get("format") != MANIFEST_FORMAT:
        return [FieldError("format", f"must be “{MANIFEST_FORMAT}”")]
    return []


def _check_deposit_key(manifest, consultation):
    try:
        key = uuid.UUID(str(manifest.get("deposit_key")))
    except ValueError:
        return [FieldError("deposit_key", "a UUID expected")]
    if key.version != 4:
        return [FieldError("deposit_key", "a random UUID (version 4) expected")]
    return []


def _check_consultation(manifest, consultation):
    if manifest.get("consultation") != consultation.pk:
        return [FieldError("consultation", f"must be {consultation.pk}")]
    lot = manifest.get("lot")
    lots = set(consultation.lots.values_list("pk", flat=True))
    if lots and lot is None:
        return [FieldError("lot", "this consultation has lots: name one")]
    if lot is not None and (type(lot) is not int or lot not in lots):
        return [FieldError("lot", "not a lot of this consultation")]
    return []


def _check_recipient(manifest, consultation):
    try:
        parse_recipient(manifest.get("bid_recipient"))
    except SealingError as error:
        return [FieldError("bid_recipient", str(error))]
    return []


def _check_shares(manifest, consultation):
    commission = getattr(consultation, "opening_commission", None)
    if commission is None:
        return [FieldError("shares", "this consultation has no opening commission")]
    errors = []
    if manifest.get("threshold") != commission.threshold:
        errors.append(FieldError("threshold", f"must be {commission.threshold}"))
    shares = manifest.get("shares")
    if not isinstance(shares, list):
        return [*errors, FieldError("shares", "a list expected")]
    named = []
    for index, entry in enumerate(shares):
        field = f"shares[{index}]"
        if not isinstance(entry, dict):
            errors.append(FieldError(field, "an object expected"))
            continue
        named.append(entry.get("opener_key"))
        try:
            decode_age_base64(entry.get("share"))
        except SealingError as error:
            errors.append(FieldError(f"{field}.share", str(error)))
    expected = sorted(key.pk for key in commission.keys.all())
    if sorted(k for k in named if type(k) is int) != expected or len(named) != len(
        expected
    ):
        errors.append(
            FieldError("shares", f"one share for each opener key {expected} expected")
        )
    return errors


def _check_inner(manifest, consultation):
    try:
        decode_age_base64(manifest.get("inner"))
    except SealingError as error:
        return [FieldError("inner", str(error))]
    return []


def _check_files(manifest, consultation):
    files = manifest.get("files")
    limit = limits()
    if not isinstance(files, list) or not files:
        return [FieldError("files", "a list of at least one file expected")]
    errors = []
    if len(files) > limit["max_files"]:
        errors.append(
            FieldError("files", f"{len(files)} files; at most {limit['max_files']}")
        )
    names, total = set(), 0
    for index, entry in enumerate(files):
        entry_errors, size = _check_file(index, entry, names, limit)
        errors.extend(entry_errors)
        total += size
    if total > limit["max_bid_size"]:
        errors.append(
            FieldError(
                "files", f"{total} bytes in all; at most {limit['max_bid_size']}"
            )
        )
    return errors


def _check_file(index, entry, names, limit):
    field = f"files[{index}]"
    if not isinstance(entry, dict):
        return [FieldError(field, "an object expected")], 0
    errors = []
    name = entry.get("name")
    reason = name_problem(name)
    if reason is None and name in names:
        reason = "the same name twice in one bid"
    if reason:
        errors.append(FieldError(f"{field}.name", reason))
    names.add(name)
    size = entry.get("size")
    if type(size) is not int or size < 1:
        return [*errors, FieldError(f"{field}.size", "a positive integer expected")], 0
    if size > limit["max_file_size"]:
        errors.append(
            FieldError(
                f"{field}.size", f"{size} bytes; at most {limit['max_file_size']}"
            )
        )
    return errors, size


def name_problem(name):
    """Why `name` cannot name a bid file, or None."""
    if not isinstance(name, str) or not name.strip():
        return "a file name expected"
    if len(name) > MAX_NAME_LENGTH:
        return f"at most {MAX_NAME_LENGTH} characters"
    if FORBIDDEN_IN_NAMES.search(name) or name in {".", ".."}:
        return "no slash, backslash or control character in a file name"
    return None


def _check_backup(manifest, consultation):
    if not isinstance(manifest.get("backup_copy", False), bool):
        return [FieldError("backup_copy", "true or false expected")]
    return []


MANIFEST_CHECKS = [
    _check_format,
    _check_deposit_key,
    _check_consultation,
    _check_recipient,
    _check_shares,
    _check_inner,
    _check_files,
    _check_backup,
]


def manifest_sha256(manifest):
    """The SHA-256 of a manifest's canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(canonical_json(manifest)).hexdigest()


def canonical_json(value):
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


# Sealing on the bidder's side


class HashingReader:
    """Hands pyrage a file's bytes while counting and hashing them."""

    def __init__(self, source):
        self.source = source
        self.hasher = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.source.read(size)
        self.hasher.update(data)
        self.size += len(data)
        return data


def sealed_path(out_dir, name):
    return Path(out_dir) / f"{name}.age"


def seal_bid(sealing_info, files, out_dir, lot=None):
    """Seal `files` for the consultation `sealing_info` describes, into `out_dir`.

    Writes one age file per input and manifest.json, and returns the manifest; on
    any error nothing of this bid is left in `out_dir`.
    """
    _check_info(sealing_info, lot)
    paths = [Path(f) for f in files]
    _check_inputs(paths)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    identity = x25519.Identity.generate()
    written = []
    try:
        plain, sealed = _seal_files(paths, identity.to_public(), out_dir, written)
        manifest = _manifest(sealing_info, lot, identity, plain, sealed)
        target = out_dir / "manifest.json"
        written.append(target)
        target.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return manifest


def _check_info(info, lot):
    if not isinstance(info, dict) or info.get("format") != INFO_FORMAT:
        raise SealingError(f"sealing information: format “{INFO_FORMAT}” expected")
    lots = {item["id"] for item in info.get("lots", [])}
    if lots and lot not in lots:
        raise SealingError("lot: choose one of the consultation's lots")
    if not lots and lot is not None:
        raise SealingError("lot: this consultation has no lots")
    if not info.get("openers"):
        raise SealingError("sealing information: no opener")


def _check_inputs(paths):
    names = [p.name for p in paths]
    if not paths:
        raise SealingError("files: give at least one file")
    for path in paths:
        if not path.is_file():
            raise SealingError(f"{path}: not a readable file")
        reason = name_problem(path.name)
        if reason:
            raise SealingError(f"{path}: {reason}")
    if len(set(names)) != len(names):
        raise SealingError("files: two files with the same name")


def _seal_files(paths, recipient, out_dir, written):
    plain, sealed = [], []
    for path in paths:
        target = sealed_path(out_dir, path.name)
        written.append(target)
        reader = _encrypt_file(path, target, recipient)
        plain.append(
            {
                "name": path.name,
                "size": reader.size,
                "sha256": reader.hasher.hexdigest(),
            }
        )
        sealed.append({"name": path.name, "size": target.stat().st_size})
    return plain, sealed


def _encrypt_file(path, target, recipient):
    with path.open("rb") as source, target.open("wb") as out:
        reader = HashingReader(source)
        pyrage.encrypt_io(reader, out, [recipient])
        out.flush()
        os.fsync(out.fileno())
    return reader


def _manifest(info, lot, identity, plain, sealed):
    openers = info["openers"]
    threshold = info["threshold"]
    shares = shamir.split(identity_secret(identity), len(openers), threshold)
    inner = pyrage.encrypt(canonical_json({"files": plain}), [identity.to_public()])
    return {
        "format": MANIFEST_FORMAT,
        "deposit_key": str(uuid.uuid4()),
        "consultation": info["consultation"],
        "lot": lot,
        "bid_recipient": str(identity.to_public()),
        "threshold": threshold,
        "shares": [
            {"opener_key": opener["key"], "share": _seal_share(share, opener)}
            for share, opener in zip(shares, openers, strict=True)
        ],
        "files": sealed,
        "inner": base64.b64encode(inner).decode(),
        "backup_copy": False,
    }


def _seal_share(share, opener):
    recipient = parse_recipient(opener["recipient"])
    return base64.b64encode(pyrage.encrypt(share, [recipient])).decode()
