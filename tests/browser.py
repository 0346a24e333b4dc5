"""A browser without JavaScript for the end-to-end stories: read a page's form, fill it, post it back.

Each form is read from the page that shows it and posted back with only the fields a person
would fill, so a field missing from a template, a wrongly named input or a formset without
its management form fails the story that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

from django.test import Client


@dataclass
class Form:
    """One ``<form>`` of a page: where it posts and what a browser would send if nobody typed."""

    action: str
    fields: dict[str, Any] = field(default_factory=dict)
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # select name: (value, text)
    labels: dict[str, str] = field(default_factory=dict)  # label text: field name
    files: set[str] = field(default_factory=set)
    buttons: dict[str, str] = field(default_factory=dict)
    boxes: dict[str, list[str]] = field(default_factory=dict)  # checkbox or radio name: the values offered

    def name_of(self, key: str) -> str:
        """Return the field ``key`` names, by its name or by the text of its label."""
        if key in self.fields or key in self.files or key in self.boxes:
            return key
        assert key in self.labels, f"no field named or labelled {key!r} in the form posting to {self.action}"
        return self.labels[key]

    def choice(self, name: str, text: str) -> str:
        """Return the value of the option of select ``name`` whose text is ``text``."""
        values = [value for value, option in self.options[name] if option == text]
        assert values, f"no option {text!r} in {name}: {self.options[name]}"
        return values[0]


class _FormParser(HTMLParser):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._ids: dict[str, str] = {}  # input id: name, within the current form
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._pending_labels: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._option_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action") or self.path)
            self._ids, self._pending_labels = {}, []
            return
        if tag == "label" and "for" in a:
            self._label_for, self._label_text = a["for"], []
        form, name = self._form, a.get("name", "")
        if form is None:
            return
        if name and "id" in a:
            self._ids[a["id"]] = name
        kind = a.get("type", "text" if tag == "input" else "submit")
        if tag == "input" and name:
            if kind == "file":
                form.files.add(name)
            elif kind in ("submit", "button", "image"):
                form.buttons[name] = a.get("value", "")
            elif kind in ("checkbox", "radio"):
                form.boxes.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.setdefault(name, []).append(a.get("value", "on"))
            else:
                form.fields[name] = a.get("value", "")
        elif tag == "button" and name and kind == "submit":
            form.buttons[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            form.options[name] = []
        elif tag == "option" and self._select:
            self._option, self._option_text = a.get("value", ""), []
            if "selected" in a:
                form.fields[self._select] = self._option

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea] += data
        if self._option is not None:
            self._option_text.append(data)
        if self._label_for is not None:
            self._label_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._form is not None and self._select and self._option is not None:
            self._form.options[self._select].append((self._option, " ".join("".join(self._option_text).split())))
            self._option = None
        elif tag == "select" and self._form is not None and self._select:
            # A browser sends the first option of a select where none is selected.
            if self._select not in self._form.fields and self._form.options[self._select]:
                self._form.fields[self._select] = self._form.options[self._select][0][0]
            self._select = None
        elif tag == "label" and self._label_for is not None:
            self._pending_labels.append((self._label_for, " ".join("".join(self._label_text).split())))
            self._label_for = None
        elif tag == "form" and self._form is not None:
            for element_id, text in self._pending_labels:
                if element_id in self._ids:
                    self._form.labels[text] = self._ids[element_id]
            self.forms.append(self._form)
            self._form = None


def forms_of(response: Any) -> list[Form]:
    parser = _FormParser(response.request["PATH_INFO"])
    parser.feed(response.content.decode())
    return parser.forms


def submit(
    client: Client,
    page: Any,
    *,
    action: str | None = None,
    button: str | None = None,
    values: Mapping[str, Any] | None = None,
    choose: Mapping[str, str] | None = None,
) -> Any:
    """Fill the form of ``page`` that posts to ``action`` (the page itself by default) and post it.

    ``values`` are keyed by field name or label text; ``choose`` picks a select's option by its
    text; ``button`` is the name of the submit button pressed where a page has several forms.
    """
    assert page.status_code == 200, page.status_code
    target = action or page.request["PATH_INFO"]
    candidates = [f for f in forms_of(page) if f.action == target and (button is None or button in f.buttons)]
    assert len(candidates) == 1, f"{len(candidates)} forms post to {target} on {page.request['PATH_INFO']}"
    form = candidates[0]
    data: dict[str, Any] = dict(form.fields)
    if button is not None:
        data[button] = form.buttons[button]
    for key, text in (choose or {}).items():
        name = form.name_of(key)
        data[name] = form.choice(name, text)
    for key, value in (values or {}).items():
        name = form.name_of(key)
        if name in form.boxes:  # only what the page offers can be ticked
            ticked = value if isinstance(value, list) else [value]
            assert set(ticked) <= set(form.boxes[name]), f"{ticked} not among {form.boxes[name]} of {name}"
        data[name] = value
    return client.post(target, data)


def text_of(response: Any) -> str:
    """Return the page's visible text with its whitespace collapsed, to assert on what a person reads."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def follow(client: Client, response: Any) -> Any:
    """Follow a redirect as a browser would, and return the page it lands on."""
    assert response.status_code == 302, (response.status_code, text_of(response)[:2000])
    return client.get(response.url)
