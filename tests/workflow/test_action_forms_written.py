"""The action forms written in Python (``workflow.forms.written``) are what ``workflow/_action_form.html`` wrote.

``action_form_before_2026_12_07.html`` beside this file is that template as it was when the
forms moved to Python. Every action's form (of those whose fields read nothing of a call) is
written both ways, unbound, posted empty and posted wrong, with and without unmet conditions,
what is missing and the checklist's link, in English and in French: the two strings are the same.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

from workflow.actions import IN_CALL
from workflow.forms import ACTION_FORMS, ActionForm
from workflow.forms.written import action_forms

BEFORE = Template((Path(__file__).parent / "action_form_before_2026_12_07.html").read_text())
#: How each form is made: unbound, posted empty, posted with every field wrong.
POSTED: tuple[Any, ...] = (None, {}, "wrong")
#: What the page says beside a form: its unmet conditions, what is missing, the checklist's link.
BESIDE: tuple[tuple[list[str], list[str], str], ...] = (
    ([], [], ""),
    (["The call <closed> & said so."], [], ""),
    ([], ["A budget & its lines"], ""),
    (["One", "Two"], ["A <summary>", "Partners", "A budget"], "/proposals/7/application/?a=1&b=2"),
)
CASES: list[tuple[str, Any]] = [
    (name, posted)
    for name, form_class in ACTION_FORMS.items()
    if not any(field.kind in IN_CALL for field in form_class.declared.fields)
    for posted in POSTED
]


class _Proposal:
    pk = 7


def _request() -> Any:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return request


def _tokens_aside(html: str) -> str:
    """``html`` with each form's token (masked anew at each reading) left out."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)


def _made(action: str, posted: Any) -> ActionForm:
    form_class = ACTION_FORMS[action]
    if posted is None:
        return form_class(proposal=None)
    wrong = {f"{action}-{field.name}": "x" for field in form_class.declared.fields}
    data = wrong if posted == "wrong" else dict(posted)
    form = form_class(data, proposal=None)
    form.is_valid()
    return form


@pytest.mark.parametrize(("action", "posted"), CASES, ids=[f"{name}-{posted!r}" for name, posted in CASES])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_form_is_the_templates(action: str, posted: Any, language: str) -> None:
    request = _request()
    with translation.override(language):
        for unmet, missing, checklist_url in BESIDE:
            ours = action_forms(request, 7, [(_made(action, posted), unmet, missing)], checklist_url=checklist_url)
            context = RequestContext(
                request,
                {
                    "form": _made(action, posted),
                    "unmet": unmet,
                    "missing": missing,
                    "checklist_url": checklist_url,
                    "proposal": _Proposal(),
                },
            )

            assert _tokens_aside(ours) == _tokens_aside(BEFORE.render(context))


def test_forms_follow_one_another_in_order() -> None:
    request = _request()
    first, second = _made("start_assessment", None), _made("withdraw", None)

    written = action_forms(request, 7, [(first, [], []), (second, ["Not yet."], [])])

    assert written.index('id="action-start_assessment"') < written.index('id="action-withdraw"')
    assert written.count('name="csrfmiddlewaretoken"') == 2
    assert 'action="/proposals/7/act/withdraw/"' in written


def test_a_missing_thing_disables_the_applicants_button_and_counts_in_french() -> None:
    request = _request()
    with translation.override("fr"):
        written = action_forms(request, 7, [(_made("submit_loi", None), [], ["Un résumé", "Un budget"])])

    assert 'disabled aria-describedby="unmet-submit_loi"' in written
    assert "<summary>2 éléments manquent avant de pouvoir soumettre</summary>" in written
