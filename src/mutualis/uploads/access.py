"""Who may touch which upload: its owner, for its organisation; decided here alone."""

from django.db.models import Q
from django.utils.translation import gettext as _

from mutualis.accounts.access import organisations_of
from mutualis.uploads.actions import UploadError
from mutualis.uploads.models import Upload


def uploads_of(user):
    """`user`'s uploads for the organisations they act for (a token: its own)."""
    return Upload.objects.filter(owner=user).filter(
        Q(organisation__isnull=True) | Q(organisation__in=organisations_of(user))
    )


def upload_for(user, pk):
    """`user`'s own upload `pk`; anyone else is told it does not exist."""
    upload = uploads_of(user).filter(pk=pk).first()
    if upload is None:
        raise UploadError(_("No such upload."), status=404)
    return upload
