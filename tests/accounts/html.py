"""Read a page as its user does: the visible text, and the label of each field."""

import re

import lxml.html


def page_text(response):
    """The text of the page's main content, whitespace collapsed."""
    document = lxml.html.fromstring(response.content.decode())
    main = document.find(".//main")
    return " ".join((main if main is not None else document).text_content().split())


def form_labels(response, action):
    """{field name: label text} for every field a user fills in the form to `action`."""
    document = lxml.html.fromstring(response.content.decode())
    forms = document.xpath("//form[@action=$action]", action=action)
    assert forms, f"no form posts to {action}"
    labels = {}
    for control in forms[0].xpath(".//input|.//select|.//textarea"):
        if control.get("type") in ("hidden", "submit"):
            continue
        label = document.xpath("//label[@for=$id]", id=control.get("id") or "")
        labels[control.get("name")] = (
            re.sub(r"\s+", " ", label[0].text_content()).strip() if label else None
        )
    return labels


def csrf_token(response):
    document = lxml.html.fromstring(response.content.decode())
    return document.xpath("//input[@name='csrfmiddlewaretoken']/@value")[0]
