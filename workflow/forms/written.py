"""The action forms of a proposal's pages written in Python, as ``workflow/_action_form.html`` wrote them.

A proposal's staff page offers program staff five or six actions, and the applicant's page the
submission and the withdrawal: each was the template included once per form, with its URL
reversed, its token, its translated texts and its loops, about a sixth of the staff page's
rendering. ``action_forms`` writes the same markup, tag for tag and in both languages: the
texts translated once per language (``accounts.i18n``), the URL reversed once a page around
the proposal's key, every value escaped as ``{{ }}`` escapes it, the fields written by their
own bound fields (``accounts.form_handling.BootstrapBoundField``) and inputs
(``workflow.forms.inputs``). ``tests/workflow/test_action_forms_written.py`` compares it with
the template it replaced, form by form, with errors, unmet conditions and what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import cast

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from accounts.form_handling import BootstrapBoundField
from accounts.i18n import gettext as _
from records.rows import url_around_keys
from workflow.forms import ActionForm
from workflow.forms.inputs import text_of


def action_forms(
    request: HttpRequest,
    proposal_pk: int,
    forms: Iterable[tuple[ActionForm, Sequence[str], Sequence[str]]],
    *,
    checklist_url: str = "",
) -> SafeString:
    """Write each ``(form, unmet, missing)`` as the action's form on the page of the proposal ``proposal_pk``.

    ``unmet`` are the messages of the action's unmet conditions, ``missing`` what the proposal
    lacks to be submitted (the applicant's page) and ``checklist_url`` where the applicant
    completes the full application's sections, linked beside it.
    """
    # The action's name stands where the second key was: the route reads it as a string.
    before, between, after = url_around_keys("workflow:proposal_act", keys=2)
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
    html = "".join(
        _form(
            form,
            unmet,
            missing,
            url=f"{before}{proposal_pk}{between}{escape(form.action)}{after}",
            token=token,
            checklist_url=checklist_url,
        )
        for form, unmet, missing in forms
    )
    return mark_safe(html)  # noqa: S308 - every value is escaped in _form, the texts are the catalogue's own


def _form(
    form: ActionForm, unmet: Sequence[str], missing: Sequence[str], *, url: str, token: str, checklist_url: str
) -> str:
    action = escape(form.action)
    label = text_of(form.label)
    folded = form.by_applicant and form.final
    errors = form.errors
    parts = ["\n"]
    if folded:
        opened = " open" if errors else ""
        parts.append(f'\n<details class="mb-3"{opened}>\n<summary class="text-danger">{label}…</summary>\n')
    parts.append(
        f'\n<form method="post" action="{url}" id="action-{action}" class="card mb-3" novalidate>\n'
        f"  {token}\n  {form['expected_state']}\n"
        f'  <fieldset class="card-body">\n    <legend class="h5">{label}</legend>\n    '
    )
    if errors:
        correct = _("Please correct what is marked below; nothing you typed is lost.")
        said = "".join(f'<p class="mb-1">{text_of(error)}</p>' for error in form.non_field_errors())
        parts.append(
            f'\n      <div class="alert alert-danger" role="alert">\n        <p class="mb-1">{correct}</p>\n'
            f"        {said}\n      </div>\n    "
        )
    parts.append("\n    ")
    if unmet or missing:
        not_yet = _("This cannot be done yet:")
        parts.append(
            f'\n      <div class="alert alert-warning" role="status" id="unmet-{action}">\n'
            f'        <p class="mb-1">{not_yet}</p>\n        '
        )
        if unmet:
            parts.append(f'<ul class="mb-0">{"".join(f"<li>{text_of(message)}</li>" for message in unmet)}</ul>')
        parts.append("\n        ")
        if missing:
            count = len(missing)
            summary = ngettext(
                "%(counter)s thing is missing before it can be submitted",
                "%(counter)s things are missing before it can be submitted",
                count,
            ) % {"counter": text_of(count)}
            items = "".join(f"<li>{text_of(item)}</li>" for item in missing)
            parts.append(
                f'\n        <details class="mt-1">\n          <summary>{summary}</summary>\n'
                f'          <ul class="mb-0">{items}</ul>\n        </details>\n        '
            )
            if checklist_url:
                complete = _("Complete the sections of the full application")
                parts.append(f'<p class="mb-0 mt-1"><a href="{text_of(checklist_url)}">{complete}</a></p>')
            parts.append("\n        ")
        parts.append("\n      </div>\n    ")
    parts.append("\n    ")
    parts.extend(cast(BootstrapBoundField, field).bootstrap() for field in form.visible_fields())
    parts.append("\n    ")
    if form.final:
        undone = _("This cannot be undone.")
        parts.append(f'<p class="small text-secondary">{undone}</p>')
    button = "btn-outline-danger" if form.final else "btn-primary"
    described = f' disabled aria-describedby="unmet-{action}"' if form.by_applicant and missing else ""
    parts.append(
        f'\n    <button type="submit" class="btn {button}"{described}>{label}</button>\n  </fieldset>\n</form>\n'
    )
    if folded:
        parts.append("</details>")
    parts.append("\n")
    return "".join(parts)
