"""The action forms' inputs written in Python, as Django's widget templates write them.

Django renders each input through its widget's template (``django/forms/widgets/input.html``,
``textarea.html``, ``select.html``), each including ``attrs.html`` and a select one template per
option: on a proposal's staff page, five inputs cost about a tenth of its rendering. The action
forms (``workflow.forms.ActionForm``) render through ``InputsWritten``, which writes those
templates' markup itself, attribute for attribute and in the same order, every value escaped
as ``{{ }}`` escapes it; any other template (an error list, a form's own layout) is Django's.
``tests/workflow/test_inputs.py`` compares the two for every kind of action field.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize

_WIDGETS = "django/forms/widgets/"


def text_of(value: Any) -> str:
    """Return ``value`` as ``{{ value }}`` writes it: localized, escaped unless it is safe already."""
    value = localize(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


def _formatted(value: Any) -> str:
    """Return ``value`` as ``{{ value|stringformat:'s' }}`` writes it."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape("%s" % (value,))  # noqa: UP031 - the filter's own formatting


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``: each attribute not False, its value unless True."""
    return "".join(
        f" {text_of(name)}" if value is True else f' {text_of(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return f'<input type="{text_of(widget["type"])}" name="{text_of(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{text_of(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{text_of(value) if value else ''}</textarea>"
    )


def _option(option: dict[str, Any]) -> str:
    return f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>{text_of(option["label"])}</option>'


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{text_of(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{text_of(group_name)}">')
        for option in group_choices:
            if option["template_name"] != f"{_WIDGETS}select_option.html":
                return None  # an option of its own template: Django's
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_WRITTEN: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{
        f"{_WIDGETS}{name}.html": _input
        for name in (
            "input",
            "hidden",
            "text",
            "number",
            "email",
            "url",
            "password",
            "date",
            "datetime",
            "time",
        )
    },
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}select.html": _select,
}


class InputsWritten(DjangoTemplates):
    """Django's form renderer, writing the inputs' templates of ``_WRITTEN`` in Python.

    What it writes starts and ends with a tag, as Django's renderer gives a template's output
    stripped of the space around it.
    """

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = _WRITTEN.get(template_name)
        written = write(context["widget"]) if write is not None and "widget" in context else None
        return written if written is not None else super().render(template_name, context, request)
