"""The applicant dashboard: proposals by call, state, next deadline in the call's timezone, and what to do next."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timeuntil

from accounts.choices import Role
from accounts.models import User
from intake.choices import Advance, VersionKind
from intake.models import Call, CoApplicant, Proposal
from intake.services.stages import StagePlan
from intake.states import ProposalState
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def _proposal(**fields: object) -> Proposal:
    return cast(Proposal, ProposalFactory(**fields))


def test_dashboard_shows_next_step_with_a_link_for_each_state(applicant_client: Client, applicant: User) -> None:
    draft = _proposal(lead_applicant=applicant, title="Draft one")
    invited = _proposal(lead_applicant=applicant, state=ProposalState.INVITED, application=False, title="Invited one")
    submitted = _proposal(lead_applicant=applicant, state=ProposalState.SUBMITTED, title="Sent one")

    response = applicant_client.get(reverse("intake:applicant_dashboard"))

    content = response.content.decode()
    links = {row["proposal"].pk: row["next"] for row in response.context["rows"]}
    assert links == {
        draft.pk: ("Complete the letter of intent", reverse("intake:proposal_update", args=[draft.pk])),
        invited.pk: ("Work on the full application", reverse("intake:application", args=[invited.pk])),
        submitted.pk: ("See the proposal", reverse("intake:proposal_detail", args=[submitted.pk])),
    }
    assert "You are invited: prepare your full application and submit it before the deadline." in content
    assert [row["sections"] for row in response.context["rows"]] == [None, (0, 6), None]
    assert "0 of 6 sections complete" in content
    assert f'href="{reverse("intake:application", args=[invited.pk])}"' in content


def test_dashboard_next_step_follows_the_stage_of_a_three_stage_call(applicant_client: Client, applicant: User) -> None:
    now = timezone.now()
    closes = {VersionKind.QUESTIONNAIRE: 10, VersionKind.LOI: 20, VersionKind.APPLICATION: 60}
    plans = [StagePlan(kind, now - timedelta(days=1), now + timedelta(days=days), advance=Advance.AUTOMATIC)
             for kind, days in closes.items()]  # fmt: skip
    call = CallFactory(stages=plans)
    questionnaire = _proposal(
        call=call, lead_applicant=applicant, title="At the questionnaire", stage=call.stages.get(kind="questionnaire")
    )
    letter = _proposal(
        call=call, lead_applicant=applicant, state=ProposalState.INVITED, application=False, title="At the letter",
        stage=call.stages.get(kind="loi"),
    )  # fmt: skip

    response = applicant_client.get(reverse("intake:applicant_dashboard"))

    rows = {row["proposal"].pk: row for row in response.context["rows"]}
    shown = [(rows[p.pk]["next_step"], rows[p.pk]["next"], rows[p.pk]["sections"]) for p in (questionnaire, letter)]
    assert shown == [
        (
            "Answer the eligibility questionnaire and submit it before the deadline.",
            ("Answer the eligibility questionnaire", reverse("intake:questions", args=[questionnaire.pk])),
            None,
        ),
        (
            "You are invited: complete your letter of intent and submit it before the deadline.",
            ("Complete the letter of intent", reverse("intake:proposal_update", args=[letter.pk])),
            None,
        ),
    ]  # fmt: skip


def test_dashboard_lists_co_applied_proposals_but_not_others(applicant: User, other_applicant: User) -> None:
    mine = _proposal(lead_applicant=other_applicant, title="Co-applied")
    CoApplicant.objects.create(proposal=mine, user=applicant, invited_by=other_applicant)
    _proposal(lead_applicant=other_applicant, title="Not mine")
    response = client_for(applicant).get(reverse("intake:applicant_dashboard"))

    assert [row["proposal"].title for row in response.context["rows"]] == ["Co-applied"]


def test_dashboard_deadline_in_the_calls_timezone_with_time_left(applicant_client: Client, applicant: User) -> None:
    call = cast(Call, CallFactory(timezone="America/Vancouver"))
    _proposal(call=call, lead_applicant=applicant)
    local = timezone.localtime(call.loi_closes_at, call.zone)

    content = applicant_client.get(reverse("intake:applicant_dashboard")).content.decode()

    assert date_format(local, "DATETIME_FORMAT") in content
    assert date_format(timezone.localtime(call.loi_closes_at, UTC), "DATETIME_FORMAT") not in content
    assert "(America/Vancouver)" in content
    assert f"{timeuntil(call.loi_closes_at, depth=2)} left" in content


def test_dashboard_groups_proposals_by_call(applicant_client: Client, applicant: User) -> None:
    first, second = cast(Call, CallFactory(title_en="Ocean call")), cast(Call, CallFactory(title_en="AI call"))
    _proposal(call=first, lead_applicant=applicant)
    _proposal(call=second, lead_applicant=applicant)
    _proposal(call=first, lead_applicant=applicant)

    content = applicant_client.get(reverse("intake:applicant_dashboard")).content.decode()

    assert content.count("<caption") == 2


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("intake:applicant_dashboard")).status_code == 200
    return len(queries)


def test_dashboard_query_count_is_the_same_for_1_and_50_proposals(applicant: User) -> None:
    client = client_for(applicant)
    co_lead = cast(User, UserFactory(role=Role.APPLICANT))
    _proposal(lead_applicant=applicant, state=ProposalState.INVITED)
    one = _queries(client)
    states = [ProposalState.DRAFT, ProposalState.INVITED, ProposalState.SUBMITTED, ProposalState.CHANGES_REQUESTED]
    calls = [cast(Call, CallFactory()) for _index in range(5)]
    for index in range(49):
        proposal = _proposal(
            call=calls[index % 5],
            lead_applicant=co_lead if index % 7 == 0 else applicant,
            state=states[index % 4],
            application=index % 3 == 0,
            changes_due_at=timezone.now() + timedelta(days=5),
        )
        if index % 7 == 0:
            CoApplicant.objects.create(proposal=proposal, user=applicant, invited_by=co_lead)

    fifty = _queries(client)

    assert len(client.get(reverse("intake:applicant_dashboard")).context["rows"]) == 50
    assert fifty == one


def test_dashboard_of_letters_of_intent_reads_no_application_and_the_same_for_1_and_20(applicant: User) -> None:
    client = client_for(applicant)
    _proposal(lead_applicant=applicant)
    one = _queries(client)
    for _index in range(19):
        _proposal(lead_applicant=applicant, state=ProposalState.LOI_SUBMITTED)
    twenty = _queries(client)
    _proposal(lead_applicant=applicant, state=ProposalState.INVITED)

    with_an_application = _queries(client)

    assert twenty == one
    # The sections' completeness reads the application's parts (its partners, budget, milestones…)
    # only for an application in preparation.
    assert with_an_application > one
