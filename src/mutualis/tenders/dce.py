"""The consultation documents (DCE) as files: storing uploads, serving, zipping."""

import dataclasses
import hashlib
import os
import tempfile
import zipfile
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK_SIZE = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class StoredFile:
    name: str
    path: str
    size: int
    sha256: str
    content_type: str


def clean_name(name):
    """The file's own name, without any folder a browser may have sent."""
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    return name.replace("\x00", "")


def check_size(upload, limit=None):
    limit = settings.MUTUALIS_MAX_DOCUMENT_SIZE if limit is None else limit
    name = clean_name(upload.name)
    if upload.size is not None and upload.size > limit:
        raise too_large(name, limit)
    if not upload.size:
        raise ValidationError(
            _("%(name)s is empty."), code="empty", params={"name": name}
        )


def too_large(name, limit):
    return ValidationError(
        _("%(name)s is larger than the limit of %(limit)s."),
        code="too-large",
        params={"name": name, "limit": filesizeformat(limit)},
    )


def store(upload, consultation_id):
    """Copy `upload` to storage, hashing and counting as it streams.

    The bytes go to a temporary file first and reach storage only once they are
    all in and within the size limit, so a stored document is always complete.
    """
    limit = settings.MUTUALIS_MAX_DOCUMENT_SIZE
    name = clean_name(upload.name)
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile() as spool:
        for chunk in upload.chunks(CHUNK_SIZE):
            size += len(chunk)
            if size > limit:
                raise too_large(name, limit)
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        sha256 = digest.hexdigest()
        path = default_storage.save(f"dce/{consultation_id}/{sha256}", File(spool))
    content_type = getattr(upload, "content_type", "") or ""
    return StoredFile(name, path, size, sha256, content_type[:100])


def delete_stored(path):
    if path and default_storage.exists(path):
        default_storage.delete(path)


def open_document(document):
    return default_storage.open(document.file.name, "rb")


def content_disposition(filename, disposition="attachment"):
    """A Content-Disposition value that keeps accents and apostrophes (RFC 6266).

    Older clients read the plain `filename`, with anything outside ASCII replaced;
    the others read `filename*`, the exact name in UTF-8.
    """
    fallback = filename.encode("ascii", "replace").decode("ascii")
    fallback = fallback.replace("\\", "_").replace('"', "_").replace("?", "_")
    exact = quote(filename, safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


def zip_name(consultation):
    reference = consultation.reference.replace("/", "-").replace("\\", "-")
    return _("DCE %(reference)s.zip") % {"reference": reference}


def build_zip(consultation, documents):
    """The documents as one zip in an unnamed temporary file, rewound.

    Each member is copied in chunks, so memory stays flat whatever the sizes;
    names outside ASCII get the zip's UTF-8 flag from zipfile itself.
    """
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    try:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for document in documents:
                add_member(zipped, consultation, document)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return archive


def add_member(zipped, consultation, document):
    local = consultation.local(document.uploaded_at)
    info = zipfile.ZipInfo(document.name, date_time=local.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = document.size
    with open_document(document) as source, zipped.open(info, "w") as target:
        while chunk := source.read(CHUNK_SIZE):
            target.write(chunk)
