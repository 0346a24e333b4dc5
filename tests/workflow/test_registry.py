"""The registry of actions: one declaration per action, matching the lifecycle's table and read by every page."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.models import User
from assessment.models import Rubric
from intake.lifecycle import ACTIONS as TABLE
from intake.lifecycle import ProposalLifecycle
from intake.models import Attachment, Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.conftest import client_for
from tests.factories import ProposalFactory, ProposalVersionFactory
from workflow import reviews
from workflow.actions import ACTION, ACTIONS, AUDITED, REOPEN_REVIEW, Field, Kind, Performer, history_text
from workflow.forms import ACTION_FORMS
from workflow.proposal_page import applicant_timeline

WORKFLOW = Path(settings.BASE_DIR) / "workflow"


def test_registry_declares_the_transitions_of_the_lifecycles_table_in_its_order() -> None:
    transitions = [action.name for action in ACTIONS if action.transition]

    assert transitions == TABLE
    assert all(hasattr(ProposalLifecycle, name) for name in transitions)
    assert [action.name for action in ACTIONS if not action.transition] == ["extend_deadline"]


def test_every_action_a_person_performs_has_a_form_and_no_other_has() -> None:
    performed = {action.name for action in ACTIONS if action.by != Performer.SYSTEM}

    assert set(ACTION_FORMS) == performed
    for name, form in ACTION_FORMS.items():
        assert (form.declared, form.label, form.final, form.by_applicant) == (
            ACTION[name],
            ACTION[name].label,
            ACTION[name].final,
            ACTION[name].by == Performer.APPLICANT,
        )


def test_every_action_a_person_performs_has_a_form_built_from_its_declared_fields() -> None:
    for name, form in ACTION_FORMS.items():
        declared = ACTION[name].fields
        built = {key: field for key, field in form.base_fields.items() if key != "expected_state"}

        assert list(built) == [field.name for field in declared], name
        assert [(str(field.label), field.required) for field in built.values()] == [
            (str(field.label), field.required) for field in declared
        ], name
        assert "expected_state" in form.base_fields


def test_a_field_read_in_the_call_takes_no_help_text_of_its_own() -> None:
    with pytest.raises(ValueError, match="due_at"):
        Field("due_at", Kind.LOCAL_DATETIME, gettext_lazy("Due"), help_text=gettext_lazy("The applicant reads it."))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_audited_name_has_a_history_text_rather_than_its_raw_name(language: str) -> None:
    with translation.override(language):
        texts = {name: history_text(name) for name in AUDITED}

    assert [name for name, text in texts.items() if not text or text == name or "_" in text] == []


def _audited_names(path: Path) -> list[str]:
    """Return the names ``path`` writes as an audit record's action: ``create(action=...)``, ``"action": Value(...)``.

    A literal is read as it is and a module's constant by its value; a name bound elsewhere
    (the transition ``perform`` carries out, the step a helper is handed) is checked where it is
    declared: the lifecycle table's above, the registry's steps by the histories.
    """
    module = importlib.import_module(".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts))
    written = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "create":
            written += [keyword.value for keyword in node.keywords if keyword.arg == "action"]
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "action" and isinstance(value, ast.Call):
                    written += value.args
    names = []
    for value in written:
        if isinstance(value, ast.Constant):
            names.append(value.value)
        elif isinstance(value, ast.Name) and hasattr(module, value.id):
            names.append(getattr(module, value.id))
        elif (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.attr == "name"
            and hasattr(module, value.value.id)
        ):
            names.append(getattr(module, value.value.id).name)
    return names


def test_every_audit_action_the_workflow_writes_is_declared() -> None:
    modules = [path for path in WORKFLOW.rglob("*.py") if "migrations" not in path.parts and path.name != "__init__.py"]

    written = {name for path in modules for name in _audited_names(path)}

    assert written - set(AUDITED) == set()
    assert {"expire", "extend_deadline", "reopen_review", "set_aside_review", "legal_hold", "dispose"} <= written


# --- The history of a proposal whose review was reopened --------------------------------------------


@pytest.fixture
def reopened(db: None, applicant: User, staff: User) -> Proposal:
    proposal = ProposalFactory(state=ProposalState.IN_ASSESSMENT, lead_applicant=applicant)
    version = ProposalVersionFactory(proposal=proposal, kind="application")
    version.attachments.set(Attachment.objects.filter(proposal=proposal))
    rubric: Rubric = rubric_make(proposal.call, k=2)
    review = review_make(assignment_make(proposal, rubric=rubric))
    reviews.review_reopen(review=review, by=staff, reason="Comment contradicts the score.")
    assert AuditRecord.objects.filter(proposal=proposal, action=REOPEN_REVIEW.name).exists()
    return proposal


@pytest.mark.parametrize("language", ["en", "fr"])
def test_applicants_history_tells_a_reopened_review_in_their_language(
    reopened: Proposal, applicant: User, language: str
) -> None:
    User.objects.filter(pk=applicant.pk).update(preferred_language=language)
    with translation.override(language):
        told = str(REOPEN_REVIEW.done)

    body = client_for(applicant).get(reverse("intake:proposal_detail", kwargs={"pk": reopened.pk})).content.decode()

    assert told in body
    assert "reopen_review" not in body
    assert "Comment contradicts the score." not in body  # staff's note, not written for the applicant


def test_applicants_timeline_tells_a_reopened_review_in_english(reopened: Proposal) -> None:
    with translation.override("en"):
        texts = [entry["text"] for entry in applicant_timeline(reopened)]

    assert texts == ["A submitted review was reopened for its assessor to revise."]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_staffs_history_tells_a_reopened_review_in_their_language(
    reopened: Proposal, staff: User, language: str
) -> None:
    User.objects.filter(pk=staff.pk).update(preferred_language=language)
    client: Client = client_for(staff)
    with translation.override(language):
        told = str(REOPEN_REVIEW.done)

    body = client.get(reverse("workflow:proposal_detail", kwargs={"pk": reopened.pk})).content.decode()

    assert told in body
    assert "reopen_review" not in body
