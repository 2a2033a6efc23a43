"""The tus 1.0.0 server (core, creation by the deposit API, termination, checksum).

Uploads are created by the API that knows what they are for (a sealed deposit
declares its files); these views only receive, tell and cancel byte ranges.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from mutualis.uploads import access, actions
from mutualis.uploads.actions import UploadError
from mutualis.uploads.http import TUS_VERSION, Refused, api_user, json_error

OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


def tus_response(status=204, **headers):
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = str(value)
    return response


def options_response():
    return tus_response(
        Tus_Version=TUS_VERSION,
        Tus_Extension="creation,termination,checksum",
        Tus_Checksum_Algorithm=",".join(actions.CHECKSUM_ALGORITHMS),
        Tus_Max_Size=settings.MUTUALIS_MAX_BID_FILE_SIZE,
    )


@csrf_exempt
def upload_collection(request):
    """Where a tus client asks what the server supports; creation is elsewhere."""
    if request.method == "OPTIONS":
        return options_response()
    return json_error(
        _("Uploads are created by starting a deposit (POST /api/deposits/)."), 405
    )


@csrf_exempt
def upload_resource(request, pk):
    if request.method == "OPTIONS":
        return options_response()
    handler = HANDLERS.get(request.method)
    if handler is None:
        return json_error(_("This method is not part of tus."), 405)
    try:
        _check_version(request)
        upload = access.upload_for(api_user(request), pk)
        return handler(request, upload)
    except Refused as refused:
        return refused.response
    except UploadError as error:
        response = json_error(error.message, error.status)
        # tus: a refused version is answered with the versions this server speaks.
        response["Tus-Version"] = TUS_VERSION
        return response


def _check_version(request):
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise UploadError(
            _("This server speaks tus %(version)s; send Tus-Resumable: %(version)s.")
            % {"version": TUS_VERSION},
            status=412,
        )


def head(request, upload):
    if upload.terminated_at is not None:
        return tus_response(status=410)
    return tus_response(
        status=200,
        Upload_Offset=actions.stored_offset(upload),
        Upload_Length=upload.length,
    )


def patch(request, upload):
    name = actions.name_of(upload)
    if request.content_type != OFFSET_CONTENT_TYPE:
        raise UploadError(
            _("“%(name)s”: send the bytes as %(type)s.")
            % {"name": name, "type": OFFSET_CONTENT_TYPE},
            status=415,
        )
    offset = _whole_header(request, "Upload-Offset", name)
    length = _whole_header(request, "Content-Length", name)
    upload = actions.receive(
        upload,
        InterruptibleStream(request, name),
        offset,
        length,
        checksum=request.headers.get("Upload-Checksum"),
    )
    return tus_response(Upload_Offset=upload.offset)


def _whole_header(request, header, name):
    value = request.headers.get(header, "")
    if not value.isdigit():
        raise UploadError(
            _("“%(name)s”: the %(header)s header must be a whole number of bytes.")
            % {"name": name, "header": header},
            status=400,
        )
    return int(value)


class InterruptibleStream:
    """The request body, read in blocks; a cut connection becomes a clear error."""

    def __init__(self, request, name):
        self.request = request
        self.name = name

    def read(self, size):
        # request.read, never request.body: the body is streamed, so
        # DATA_UPLOAD_MAX_MEMORY_SIZE does not apply and nothing is buffered.
        try:
            return self.request.read(size)
        except OSError:
            raise UploadError(
                _("“%(name)s”: the connection was cut; ask the offset and go on.")
                % {"name": self.name},
                status=400,
            ) from None


def delete(request, upload):
    actions.terminate(upload)
    return tus_response()


HANDLERS = {"HEAD": head, "PATCH": patch, "DELETE": delete}
