"""Starting, submitting, inviting and declining read as the stage they are at (or lead to), not always an LOI."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from intake.choices import Advance, PathFigure, VersionKind
from intake.models import Call, Proposal
from intake.services.stages import StagePlan
from intake.states import ProposalState
from records.models import AuditRecord
from tests.factories import CallFactory, ProposalFactory, state_put
from workflow.actions import ACTION, history_text, proposal_submit_loi

pytestmark = pytest.mark.django_db


def _three_stages() -> Call:
    windows = cast(Call, CallFactory())
    opens, closes = windows.loi_opens_at, windows.loi_closes_at
    return cast(
        Call,
        CallFactory(
            stages=[
                StagePlan(VersionKind.QUESTIONNAIRE, opens, closes, Advance.INVITATION),
                StagePlan(VersionKind.LOI, opens, closes),
                StagePlan(VersionKind.APPLICATION, opens, windows.application_closes_at, assessed=True),
            ]
        ),
    )


def _at_questionnaire(applicant: User) -> Proposal:
    """A draft of a three-stage call at its questionnaire, its path every stage."""
    call = _three_stages()
    proposal = cast(Proposal, ProposalFactory(call=call, lead_applicant=applicant))
    Proposal.objects.filter(pk=proposal.pk).update(
        stage=call.stages.get(kind=VersionKind.QUESTIONNAIRE),
        path=[VersionKind.QUESTIONNAIRE, VersionKind.LOI, VersionKind.APPLICATION],
    )
    proposal.refresh_from_db()
    return proposal


def test_the_early_actions_read_as_the_questionnaire_at_the_questionnaire(applicant: User) -> None:
    proposal = _at_questionnaire(applicant)

    assert proposal.stage.kind == VersionKind.QUESTIONNAIRE
    assert str(ACTION["submit_loi"].label_for(proposal)) == "Submit the eligibility questionnaire"
    assert str(ACTION["decline_loi"].label_for(proposal)) == "Decline at the eligibility questionnaire"
    assert str(ACTION["invite"].label_for(proposal)) == "Invite to submit a letter of intent"


def test_an_invitation_from_the_letter_of_intent_leads_to_the_full_application(applicant: User) -> None:
    proposal = _at_questionnaire(applicant)
    state_put(proposal, ProposalState.LOI_SUBMITTED)
    proposal.refresh_from_db()

    assert str(ACTION["submit_loi"].label_for(proposal)) == "Submit the letter of intent"
    assert str(ACTION["invite"].label_for(proposal)) == "Invite to submit a full application"


def test_the_applicant_s_page_offers_to_submit_the_questionnaire(applicant: User, applicant_client: Client) -> None:
    proposal = _at_questionnaire(applicant)

    page = applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk])).content.decode()

    assert "Submit the eligibility questionnaire" in page
    assert "Submit the letter of intent" not in page


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        ("three", "Start the eligibility questionnaire"),
        ("two", "Start a letter of intent"),
        ("size", "Start a proposal"),
    ],
)
def test_the_call_page_names_the_first_step(shape: str, words: str, applicant_client: Client) -> None:
    call = _three_stages() if shape == "three" else cast(Call, CallFactory())
    if shape == "size":
        Call.objects.filter(pk=call.pk).update(path_figure=PathFigure.ESTIMATED_TOTAL_COST)

    page = applicant_client.get(reverse("intake:call_detail", args=[call.pk])).content.decode()

    assert words in page


def test_the_history_tells_a_questionnaire_s_submission_as_such(applicant: User, applicant_client: Client) -> None:
    proposal = _at_questionnaire(applicant)

    proposal_submit_loi(proposal=proposal, by=applicant)

    record = AuditRecord.objects.get(proposal=proposal, action="submit_loi")
    page = applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk])).content.decode()
    assert record.data["stage"] == VersionKind.QUESTIONNAIRE
    assert "The eligibility questionnaire was submitted." in page
    assert "The letter of intent was submitted." not in page


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("submit_loi", {"stage": "loi"}, "The letter of intent was submitted."),
        ("submit_loi", {}, "The letter of intent was submitted."),
        ("invite", {"stage": "loi"}, "The consortium was invited to submit a letter of intent."),
        ("invite", {"stage": "application"}, "The consortium was invited to submit a full application."),
        ("decline_loi", {"stage": "questionnaire"}, "The proposal was not retained at the eligibility questionnaire."),
    ],
)
def test_the_history_reads_each_early_step_by_its_stage(name: str, data: dict[str, str], words: str) -> None:
    assert history_text(name, data) == words


def test_the_applicant_s_page_folds_the_withdrawal_under_a_disclosure_and_submission_stays_open(
    applicant: User, applicant_client: Client, make_proposal: Any
) -> None:
    proposal = make_proposal(ProposalState.DRAFT)

    page = applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk])).content.decode()

    folded = page[page.index('<details class="mb-3">') :]
    assert folded.index('id="action-withdraw"') < folded.index("</details>")
    assert 'id="action-submit_loi"' in page[: page.index('<details class="mb-3">')]
