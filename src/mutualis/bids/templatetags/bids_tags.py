from django import template

from mutualis.bids import signatures
from mutualis.bids.receipts import format_instant, format_size

register = template.Library()


@register.filter
def instant(value, zone):
    """`{{ bid.received_at|instant:consultation.time_zone }}`: seconds and zone."""
    return format_instant(value, zone)


@register.filter
def precise_instant(value, zone):
    """Like `instant`, with milliseconds: for deposit instants."""
    return format_instant(value, zone, milliseconds=True)


@register.filter
def size(value):
    return format_size(value)


@register.filter
def signature_line(report, zone):
    """`{{ report|signature_line:consultation.time_zone }}`: one signature's verdict."""
    return signatures.summary(report, zone)
