"""A select written in Python, and the countries' names read once per language.

Django renders a select through its widget templates, one template included per option: for
the 250 countries of the directory's search that was half the page's time. ``PlainSelect``
writes the same markup (a ``<select>`` with its attributes, an ``<option>`` per choice, the
chosen one ``selected``) with one escape per value and label; ``country_choices`` translates
and sorts the countries once per language instead of at each request.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django_countries import countries


class PlainSelect(forms.Select):
    """A single-choice select rendered without templates; flat choices only (no groups)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = self.format_value(value)
        options = "".join(_options(self.choices, chosen))
        final_attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(f'<select name="{html.escape(name)}"{flatatt(final_attrs)}>{options}</select>')  # noqa: S308


def _options(choices: Iterable[tuple[Any, Any]], chosen: list[str]) -> Iterable[str]:
    # As Django's select: only the first option whose value was chosen is marked. The standard
    # library's escape is Django's without its check for lazy text, at each of the 250 options.
    marked = False
    for value, label in choices:
        text = "" if value is None else str(value)
        selected = not marked and text in chosen
        marked = marked or selected
        yield f'<option value="{html.escape(text)}"{" selected" if selected else ""}>{html.escape(str(label))}</option>'


def country_choices() -> tuple[tuple[str, str], ...]:
    """Return the countries as (code, name) in the current language, sorted by name as ``django_countries`` sorts."""
    return _country_choices(get_language() or "")


def country_names() -> dict[str, str]:
    """Return each country's name in the current language by its code."""
    return _country_names(get_language() or "")


@cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    # ``language`` keys the cache: the names are those of the active language, which it names.
    return tuple((str(code), str(name)) for code, name in countries)


@cache
def _country_names(language: str) -> dict[str, str]:
    return dict(_country_choices(language))


class CountryChoices(BaseChoiceIterator):
    """A choice field's choices: ``first`` (e.g. "any country"), then the countries in the language of the moment.

    Django takes a choice iterator as it is, where it would check each of 250 pairs of a list.
    """

    def __init__(self, first: tuple[str, Any]) -> None:
        self.first = first

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        yield self.first
        yield from country_choices()


class InvalidFieldsMarked(forms.Form):
    """A search form whose refused fields are marked for Bootstrap, the form's fields written by the page itself."""

    def full_clean(self) -> None:
        super().full_clean()
        # Bootstrap shows a field's message beside a widget marked invalid (Django adds aria-invalid).
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
