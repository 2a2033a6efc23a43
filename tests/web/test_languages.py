"""A reader picks the platform's language: the pages, and the CPV labels, follow."""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import ConsultationFactory
from tests.referential_data import ensure_cpv

pytestmark = pytest.mark.django_db
LIST = reverse("web:consultation-list")


def text_of(response):
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_chosen_language_speaks_on_the_portal(client, language):
    (cpv,) = ensure_cpv("45233140-2")
    ConsultationFactory(published=True, main_cpv=cpv)

    chosen = client.post(
        reverse("set_language"), {"language": language, "next": LIST}, follow=True
    )
    page = text_of(chosen)

    with translation.override(language):
        label = translation.gettext("Language")
    assert (label == "Language") == (language == "en")
    assert f'<html lang="{language}">' in page
    assert f"{label}</label>" in page
    assert f"45233140-2 {cpv.label(language)}" in page


def test_every_language_is_offered_in_its_own_name(client):
    page = text_of(client.get(LIST))

    for code, _name in settings.LANGUAGES:
        name = translation.get_language_info(code)["name_local"]
        assert f'<option value="{code}" lang="{code}"' in page
        assert f">{name}</option>" in page
