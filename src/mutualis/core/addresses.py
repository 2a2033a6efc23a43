"""Addresses that leave the platform (mails, notices, open data) are absolute."""

from django.conf import settings
from django.urls import reverse


def absolute_url(path):
    """`path` (from reverse) on the platform's public address, MUTUALIS_BASE_URL."""
    return settings.MUTUALIS_BASE_URL.rstrip("/") + path


def portal_url(consultation):
    """The public page of `consultation`, as a mail or a notice links to it."""
    return absolute_url(reverse("web:consultation-detail", args=[consultation.pk]))
