"""The operator's page of followed platforms (portal mode): each source's last
reading, what it refused and why, and adding, pausing or reading a source."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutualis.exchange import following
from mutualis.exchange.access import can_manage_sources
from mutualis.exchange.models import FeedSource
from mutualis.tenders.models import PUBLIC_STATES


def https_by_default(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SourceForm(forms.ModelForm):
    class Meta:
        model = FeedSource
        fields = ["name", "feed_url", "site_url", "country", "time_zone"]
        formfield_callback = https_by_default


def _operator(request):
    if not can_manage_sources(request.user):
        raise PermissionDenied(_("Only the platform's administrators manage sources."))


@login_required
def sources_page(request):
    _operator(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = following.add_source(request.user, **form.cleaned_data)
        messages.success(
            request, _("%(name)s is now followed.") % {"name": source.name}
        )
        return redirect("web:operator-sources")
    public = Q(processes__consultation__state__in=PUBLIC_STATES)
    sources = FeedSource.objects.annotate(shown=Count("processes", filter=public))
    context = {
        "rows": [(source, source.last_run()) for source in sources],
        "form": form,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "web/sources/sources.html", context, status=status)


@require_POST
@login_required
def source_read(request, pk):
    _operator(request)
    source = get_object_or_404(FeedSource, pk=pk)
    if not source.is_active:
        messages.error(
            request,
            _("%(name)s is paused: follow it again to read it.")
            % {"name": source.name},
        )
        return redirect("web:operator-sources")
    # TODO(tasks): read in the background (exchange.tasks.follow_feeds) once the
    # demo runs a worker; a slow publisher holds this request until its timeout.
    run = following.follow(source)
    messages.info(
        request,
        _("%(name)s read: %(status)s.")
        % {"name": source.name, "status": run.get_status_display()},
    )
    return redirect("web:operator-sources")


@require_POST
@login_required
def source_toggle(request, pk):
    _operator(request)
    source = get_object_or_404(FeedSource, pk=pk)
    following.set_active(request.user, source, not source.is_active)
    if source.is_active:
        message = _("%(name)s is followed again.")
    else:
        message = _(
            "%(name)s is paused: its calls stay on the portal as they were last "
            "read, and it is not read until it is followed again."
        )
    messages.success(request, message % {"name": source.name})
    return redirect("web:operator-sources")


urlpatterns = [
    path("operator/sources/", sources_page, name="operator-sources"),
    path("operator/sources/<int:pk>/read/", source_read, name="operator-source-read"),
    path(
        "operator/sources/<int:pk>/toggle/",
        source_toggle,
        name="operator-source-toggle",
    ),
]
