"""The action forms' fields as ``workflow.forms.written`` writes them: Bootstrap 5's, as crispy-forms wrote them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

from tests.written_html import elements
from workflow.actions import IN_CALL
from workflow.forms import ACTION_FORMS, ActionForm
from workflow.forms.written import action_forms


def _fields_html(form: ActionForm) -> str:
    """Return what ``workflow.forms.written`` writes for the form's fields, after its alerts."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    page = action_forms(request, 1, [(form, (), ())])
    start = page.index('<div id="div_')
    end = page.index('<p class="small text-secondary">' if form.final else "<button")
    return page[start:end]


CRISPY = engines["django"].from_string(
    "{% load crispy_forms_tags %}{% for field in form.visible_fields %}{{ field|as_crispy_field }}{% endfor %}"
)
#: How each form is made: unbound, posted empty, posted with every field wrong.
POSTED: tuple[Any, ...] = (None, {}, "wrong")
#: The forms whose fields read nothing of the proposal's call, each made every way.
CASES: list[tuple[str, Any]] = [
    (name, posted)
    for name, form_class in ACTION_FORMS.items()
    if form_class.declared.fields and not any(field.kind in IN_CALL for field in form_class.declared.fields)
    for posted in POSTED
]


@pytest.mark.parametrize(("action", "posted"), CASES, ids=[f"{name}-{posted!r}" for name, posted in CASES])
def test_the_fields_are_crispy_s_bootstrap_fields(action: str, posted: Any) -> None:
    form_class = ACTION_FORMS[action]

    def made() -> ActionForm:
        if posted is None:
            return form_class(proposal=None)
        data = {f"{action}-{field.name}": "x" for field in form_class.declared.fields} if posted == "wrong" else {}
        form = form_class(data, proposal=None)
        form.is_valid()
        return form

    ours, theirs = made(), made()

    assert elements(_fields_html(ours)) == elements(CRISPY.render({"form": theirs}))


def test_a_field_with_errors_is_marked_and_described() -> None:
    form = ACTION_FORMS["reopen_assessment"]({}, proposal=None)
    form.is_valid()

    html = _fields_html(form)

    assert 'class="textarea form-control is-invalid"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_reopen_assessment-reason_error" class="invalid-feedback"' in html
    assert '<label for="id_reopen_assessment-reason" class="form-label requiredField">' in html
