"""Read a page as its user does: the visible text, and the label of each field."""

import re

import lxml.html

# Elements a browser shows apart from their neighbours.
BLOCKS = {"br", "dd", "div", "dt", "h1", "h2", "h3", "li", "p", "td", "th", "option"}


def page_text(response):
    """The text of the page's main content as read, whitespace collapsed."""
    document = lxml.html.fromstring(response.content.decode())
    main = document.find(".//main")
    main = main if main is not None else document
    for element in main.iter(*BLOCKS):
        element.tail = " " + (element.tail or "")
        element.text = " " + (element.text or "")
    return " ".join(main.text_content().split())


def form_labels(response, action=None, form_id=None):
    """{field name: label text} for every field a user fills in the form to `action`
    (or the form of id `form_id`)."""
    document = lxml.html.fromstring(response.content.decode())
    if form_id:
        forms = document.xpath("//form[@id=$id]", id=form_id)
    else:
        forms = document.xpath("//form[@action=$action]", action=action)
    assert forms, f"no form {form_id or action}"
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
