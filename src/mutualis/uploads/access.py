"""Who may touch which upload: its owner alone, the one place uploads decides it."""

from django.utils.translation import gettext as _

from mutualis.uploads.actions import UploadError
from mutualis.uploads.models import Upload


def uploads_of(user):
    # TODO(api-tokens): an upload knows its person, not the organisation it is
    # for, so a token of another of the person's organisations may still send
    # bytes to it (the deposit itself stays the first business's); give Upload
    # its organisation and check it here.
    return Upload.objects.filter(owner=user)


def upload_for(user, pk):
    """`user`'s own upload `pk`; anyone else is told it does not exist."""
    upload = uploads_of(user).filter(pk=pk).first()
    if upload is None:
        raise UploadError(_("No such upload."), status=404)
    return upload
