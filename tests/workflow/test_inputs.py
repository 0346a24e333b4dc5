"""The action forms' inputs written in Python (``workflow.forms.inputs``) are Django's widget templates'."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.forms.renderers import get_default_renderer
from django.utils import translation

from intake.models import Proposal
from intake.states import ProposalState
from tests.board.making import meeting_make
from tests.factories import ProposalFactory
from workflow.actions import IN_CALL
from workflow.forms import ACTION_FORMS, ActionForm
from workflow.forms.inputs import InputsWritten

#: Values that need escaping, a decimal, a date and time, a number that is not one.
TYPED = ('Not <b>yet</b> & "soon"\nnext line', "1234.5", "2030-01-02T03:04", "x")


def _pairs(action: str, posted: Any, proposal: Proposal | None) -> tuple[ActionForm, ActionForm]:
    """Return the form of ``action`` made twice the same way: with the inputs written, then with Django's templates."""
    form_class = ACTION_FORMS[action]

    def made(**renderer: Any) -> ActionForm:
        if posted is None:
            return form_class(proposal=proposal, **renderer)
        data = {f"{action}-{field.name}": posted for field in form_class.declared.fields}
        data[f"{action}-expected_state"] = ProposalState.SUBMITTED
        form = form_class(data, proposal=proposal, **renderer)
        form.is_valid()
        return form

    return made(), made(renderer=get_default_renderer())


def _same_inputs(ours: ActionForm, theirs: ActionForm) -> None:
    assert isinstance(ours.renderer, InputsWritten)
    assert not isinstance(theirs.renderer, InputsWritten)
    for name in ours.fields:
        assert str(ours[name]) == str(theirs[name]), name


OUT_OF_CALL = [
    name
    for name, form_class in ACTION_FORMS.items()
    if not any(field.kind in IN_CALL for field in form_class.declared.fields)
]


@pytest.mark.parametrize("posted", [None, "", *TYPED])
@pytest.mark.parametrize("action", OUT_OF_CALL)
def test_an_action_forms_inputs_are_djangos(action: str, posted: Any) -> None:
    _same_inputs(*_pairs(action, posted, None))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("meetings", [0, 2])
def test_the_inputs_that_read_the_call_are_djangos(language: str, meetings: int) -> None:
    proposal = cast(Proposal, ProposalFactory())
    made = [meeting_make(proposal.call, days=days) for days in range(7, 7 + meetings)]
    in_call = [
        name
        for name, form_class in ACTION_FORMS.items()
        if any(field.kind in IN_CALL for field in form_class.declared.fields)
    ]
    assert in_call
    with translation.override(language):
        for action in in_call:
            for posted in [None, "", str(made[-1].pk) if made else "7", *TYPED]:
                _same_inputs(*_pairs(action, posted, proposal))


def test_a_typed_reason_is_written_escaped() -> None:
    form = ACTION_FORMS["reopen_assessment"]({"reopen_assessment-reason": TYPED[0]}, proposal=None)

    assert str(form["reason"]) == (
        '<textarea name="reopen_assessment-reason" cols="40" rows="3" class="textarea form-control" required'
        ' id="id_reopen_assessment-reason">\nNot &lt;b&gt;yet&lt;/b&gt; &amp; &quot;soon&quot;\nnext line</textarea>'
    )
