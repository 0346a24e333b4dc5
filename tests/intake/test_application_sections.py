"""The full application's sections built here: description and work plan, IP plan, outcomes; and the overview."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import OrganizationType, Role
from accounts.models import User
from intake.choices import ForegroundIPKind
from intake.forms.application import OutcomesForm
from intake.models import Call, CoApplicant, ConsortiumMember, ForegroundIP, Milestone, Proposal
from intake.services import application as services
from intake.states import ProposalState
from intake.views.application import _save
from tests.conftest import client_for
from tests.factories import CallFactory, OrganizationFactory, ProposalFactory, UserFactory
from tests.factories.intake import call_rules_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory(application_word_limit=6))


@pytest.fixture
def proposal(call: Call, applicant: User) -> Proposal:
    """An invited proposal whose full application is still empty."""
    return cast(
        Proposal, ProposalFactory(call=call, lead_applicant=applicant, state=ProposalState.INVITED, application=False)
    )


@pytest.fixture
def co_applicant(applicant: User, proposal: Proposal) -> User:
    user = cast(User, UserFactory(role=Role.APPLICANT))
    CoApplicant.objects.create(proposal=proposal, user=user, invited_by=applicant)
    return user


def _url(name: str, proposal: Proposal) -> str:
    return reverse(f"intake:application_{name}" if name else "intake:application", args=[proposal.pk])


def _description_data(proposal: Proposal, **fields: str) -> dict[str, Any]:
    return {
        "loaded_at": proposal.updated_at.isoformat(),
        "project_description": "A shared testbed.",
        "work_plan": "Build, then share.",
        "milestones-TOTAL_FORMS": "2",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "1000",
        "milestones-0-title": "Testbed running",
        "milestones-0-description": "A report.",
        "milestones-0-month": "12",
        "milestones-1-title": "",
        "milestones-1-description": "",
        "milestones-1-month": "",
        **fields,
    }


# --- Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["", "description", "ip", "outcomes"])
def test_section_pages_open_to_the_lead_and_co_applicants_only(
    section: str, proposal: Proposal, applicant: User, co_applicant: User, other_applicant: User, staff: User
) -> None:
    url = _url(section, proposal)

    outcomes = [client_for(user).get(url).status_code for user in (applicant, co_applicant, other_applicant, staff)]

    assert outcomes == [200, 200, 404, 403]


def test_co_applicant_saves_the_description(co_applicant: User, proposal: Proposal) -> None:
    response = client_for(co_applicant).post(_url("description", proposal), _description_data(proposal))

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.work_plan == "Build, then share."


def test_other_applicant_cannot_post_a_section(other_applicant_client: Client, proposal: Proposal) -> None:
    response = other_applicant_client.post(_url("description", proposal), _description_data(proposal))

    proposal.refresh_from_db()
    assert response.status_code == 404
    assert proposal.work_plan == ""


# --- Description and work plan -------------------------------------------------------------------


def test_description_saves_texts_and_milestones_skipping_the_empty_row(
    applicant_client: Client, proposal: Proposal
) -> None:
    response = applicant_client.post(_url("description", proposal), _description_data(proposal))

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert (proposal.project_description, proposal.work_plan) == ("A shared testbed.", "Build, then share.")
    assert list(proposal.milestones.values_list("title", "month")) == [("Testbed running", 12)]


def test_description_removes_a_milestone_marked_for_removal(applicant_client: Client, proposal: Proposal) -> None:
    Milestone.objects.create(proposal=proposal, title="Old", month=3)
    data = _description_data(
        proposal,
        **{
            "milestones-INITIAL_FORMS": "1",
            "milestones-0-title": "Old",
            "milestones-0-month": "3",
            "milestones-0-DELETE": "on",
        },
    )

    response = applicant_client.post(_url("description", proposal), data)

    assert response.status_code == 302
    assert not proposal.milestones.exists()


def test_description_page_shows_the_word_limit_and_existing_milestones(
    applicant_client: Client, proposal: Proposal
) -> None:
    Milestone.objects.create(proposal=proposal, title="Pilot line", month=18)

    content = applicant_client.get(_url("description", proposal)).content.decode()

    assert content.count('data-word-limit="6"') == 2
    assert 'value="Pilot line"' in content
    assert 'aria-current="page"' in content
    assert 'name="milestones-__prefix__-title"' in content  # the row the "Add a milestone" button copies
    assert 'data-formset-add="milestones" hidden' in content
    assert content.count("Remove this row") == 3  # the saved row, the empty one and the template


def test_description_over_the_word_limit_is_refused_and_keeps_everything(
    applicant_client: Client, proposal: Proposal
) -> None:
    data = _description_data(proposal, work_plan="one two three four five six seven eight")

    response = applicant_client.post(_url("description", proposal), data)

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 400
    assert "This text has 8 words; the limit is 6. Shorten it by 2 words." in content
    assert "one two three four five six seven eight" in content
    assert 'value="Testbed running"' in content
    assert (proposal.work_plan, proposal.milestones.count()) == ("", 0)


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("121", "Ensure this value is less than or equal to 120."),
    ],
)
def test_description_milestone_month_out_of_range_is_refused(
    applicant_client: Client, proposal: Proposal, month: str, message: str
) -> None:
    response = applicant_client.post(
        _url("description", proposal), _description_data(proposal, **{"milestones-0-month": month})
    )

    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["month"] == [message]
    assert not proposal.milestones.exists()


def test_description_stale_save_is_refused_with_409_and_keeps_the_input(
    applicant: User, applicant_client: Client, proposal: Proposal
) -> None:
    data = _description_data(proposal, project_description="My version.")
    services.application_outcomes_save(
        proposal=proposal, by=applicant, expected_updated_at=proposal.updated_at, outcomes={"jobs_during": 3}
    )

    response = applicant_client.post(_url("description", proposal), data)

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 409
    assert "Somebody else saved this proposal while you were editing it." in content
    assert "My version." in content
    assert response.context["form"].data["loaded_at"] == proposal.updated_at.isoformat()
    assert proposal.project_description == ""


def test_description_after_the_deadline_is_refused_and_keeps_the_draft(
    applicant_client: Client, proposal: Proposal
) -> None:
    Milestone.objects.create(proposal=proposal, title="Kept", month=2)
    # An extension that ended a minute ago: the deadline of this proposal has passed.
    Proposal.objects.filter(pk=proposal.pk).update(
        deadline_extended_until=timezone.now() - timedelta(minutes=1), deadline_extended_for=ProposalState.INVITED
    )

    response = applicant_client.post(_url("description", proposal), _description_data(proposal))

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert "The deadline has passed by the server" in response.content.decode()
    assert list(proposal.milestones.values_list("title", flat=True)) == ["Kept"]
    assert proposal.project_description == ""


def test_description_of_a_submitted_application_is_read_only(applicant_client: Client, call: Call) -> None:
    submitted = cast(Proposal, ProposalFactory(call=call, state=ProposalState.SUBMITTED))
    client = client_for(submitted.lead_applicant)

    page = client.get(_url("description", submitted))
    response = client.post(_url("description", submitted), _description_data(submitted, work_plan="Late edit."))

    submitted.refresh_from_db()
    assert '<form method="post" novalidate>' not in page.content.decode()
    assert "Testbed running" in page.content.decode()
    assert response.status_code == 409
    assert submitted.work_plan != "Late edit."


def test_description_at_the_loi_stage_is_refused(applicant: User, call: Call) -> None:
    draft = cast(Proposal, ProposalFactory(call=call, lead_applicant=applicant))

    response = client_for(applicant).post(_url("description", draft), _description_data(draft))

    draft.refresh_from_db()
    assert response.status_code == 400
    assert "The full application opens once your letter of intent is invited" in response.content.decode()
    assert draft.work_plan == ""


# --- IP plan -------------------------------------------------------------------------------


def _ip_data(proposal: Proposal, lead: ConsortiumMember, **fields: str) -> dict[str, Any]:
    return {
        "loaded_at": proposal.updated_at.isoformat(),
        f"background_ip_{lead.pk}": "none",
        "foreground-TOTAL_FORMS": "1",
        "foreground-INITIAL_FORMS": "0",
        "foreground-MIN_NUM_FORMS": "0",
        "foreground-MAX_NUM_FORMS": "1000",
        "foreground-0-kind": ForegroundIPKind.SOFTWARE,
        "foreground-0-description": "The twin.",
        "foreground-0-owner": str(lead.pk),
        "ip_ownership_terms": "Creator owns.",
        "ip_partner_licensing": "Royalty-free.",
        "ip_member_licensing": "Fair terms.",
        **fields,
    }


def test_ip_plan_saves_background_foreground_and_terms(applicant_client: Client, proposal: Proposal) -> None:
    lead = proposal.members.get(is_lead=True)

    response = applicant_client.post(_url("ip", proposal), _ip_data(proposal, lead))

    proposal.refresh_from_db()
    lead.refresh_from_db()
    assert response.status_code == 302
    assert lead.background_ip == "none"
    assert list(proposal.foreground_ip.values_list("kind", "description", "owner")) == [
        (ForegroundIPKind.SOFTWARE, "The twin.", lead.pk)
    ]
    assert (proposal.ip_ownership_terms, proposal.ip_partner_licensing, proposal.ip_member_licensing) == (
        "Creator owns.",
        "Royalty-free.",
        "Fair terms.",
    )


def test_ip_plan_joint_ownership_stores_no_owner(applicant_client: Client, proposal: Proposal) -> None:
    lead = proposal.members.get(is_lead=True)

    applicant_client.post(_url("ip", proposal), _ip_data(proposal, lead, **{"foreground-0-owner": "joint"}))

    assert list(ForegroundIP.objects.filter(proposal=proposal).values_list("owner", flat=True)) == [None]


def test_ip_plan_refuses_an_owner_outside_the_consortium(applicant_client: Client, proposal: Proposal) -> None:
    lead = proposal.members.get(is_lead=True)
    elsewhere = cast(Proposal, ProposalFactory()).members.get(is_lead=True)

    response = applicant_client.post(
        _url("ip", proposal), _ip_data(proposal, lead, **{"foreground-0-owner": str(elsewhere.pk)})
    )

    assert response.status_code == 400
    assert "owner" in response.context["formset"].forms[0].errors
    assert not proposal.foreground_ip.exists()


def test_ip_plan_terms_over_the_word_limit_are_refused(applicant_client: Client, proposal: Proposal) -> None:
    lead = proposal.members.get(is_lead=True)

    response = applicant_client.post(
        _url("ip", proposal), _ip_data(proposal, lead, ip_member_licensing="a b c d e f g")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["ip_member_licensing"] == [
        "This text has 7 words; the limit is 6. Shorten it by 1 word."
    ]


def test_ip_plan_service_refuses_a_member_removed_meanwhile(applicant: User, proposal: Proposal) -> None:
    partner = ConsortiumMember.objects.create(proposal=proposal, organization=OrganizationFactory())
    partner_pk = partner.pk
    partner.delete()

    with pytest.raises(services.StaleAction):
        services.application_ip_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            background_ip={partner_pk: "x"},
            foreground_ip=[],
            ip_ownership_terms="",
            ip_partner_licensing="",
            ip_member_licensing="",
        )


# --- Outcomes ------------------------------------------------------------------------------


def _outcomes_data(proposal: Proposal, **fields: str) -> dict[str, Any]:
    return {
        "loaded_at": proposal.updated_at.isoformat(),
        "jobs_during": "10",
        "jobs_after": "0",
        "revenue_during": "0",
        "revenue_after": "2,500,000",
        "ip_rights_during": "1",
        "ip_rights_after": "3",
        "smes_scaled_during": "0",
        "smes_scaled_after": "2",
        **fields,
    }


def test_outcomes_saved_with_zeros(applicant_client: Client, proposal: Proposal) -> None:
    response = applicant_client.post(_url("outcomes", proposal), _outcomes_data(proposal))

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert (proposal.jobs_during, proposal.jobs_after, proposal.revenue_after) == (10, 0, Decimal("2500000"))


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("jobs_after", "-1", "Ensure this value is greater than or equal to 0."),
        ("revenue_during", "-100", "An amount cannot be negative."),
        ("ip_rights_during", "two", "Enter a whole number."),
    ],
)
def test_outcomes_negative_or_malformed_refused_beside_the_field_keeping_input(
    applicant_client: Client, proposal: Proposal, field: str, typed: str, message: str
) -> None:
    response = applicant_client.post(_url("outcomes", proposal), _outcomes_data(proposal, **{field: typed}))

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert 'value="2,500,000"' in response.content.decode()
    assert proposal.jobs_during is None


def test_outcomes_service_refuses_a_negative_number(applicant: User, proposal: Proposal) -> None:
    with pytest.raises(ValidationError):
        services.application_outcomes_save(
            proposal=proposal, by=applicant, expected_updated_at=proposal.updated_at, outcomes={"jobs_after": -1}
        )


# --- Overview and progress -----------------------------------------------------------------------


def test_overview_counts_complete_sections_and_lists_what_is_missing(
    applicant_client: Client, proposal: Proposal
) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(
        jobs_during=1, jobs_after=1, revenue_during=0, revenue_after=0, ip_rights_during=0,
        ip_rights_after=0, smes_scaled_during=0, smes_scaled_after=0,
    )  # fmt: skip

    response = applicant_client.get(_url("", proposal))

    content = response.content.decode()
    nav = response.context["application_nav"]
    assert response.status_code == 200
    assert (nav["complete_count"], nav["total"]) == (1, 6)
    assert [s["slug"] for s in nav["sections"] if s["complete"]] == ["outcomes"]
    assert "1 of 6 sections complete" in content
    assert "at least one milestone" in content
    assert "an attachment: Project plan" in content


def test_overview_of_a_complete_application_says_so(applicant: User, call: Call) -> None:
    call_rules_change(call, application_word_limit=2000)
    complete = cast(Proposal, ProposalFactory(call=call, lead_applicant=applicant, state=ProposalState.INVITED))

    response = client_for(applicant).get(_url("", complete))

    assert response.context["application_nav"]["complete_count"] == 6
    assert response.context["application_nav"]["breaking_count"] == 0
    page = response.content.decode()
    assert "Every section is complete. The lead applicant can submit" in page
    assert f'from <a href="{reverse("intake:proposal_detail", args=[complete.pk])}">the proposal' in page


def test_overview_of_a_complete_application_that_breaks_a_rule_says_which(applicant: User, call: Call) -> None:
    # The call allows 6 words a text: the factory's texts are longer.
    complete = cast(Proposal, ProposalFactory(call=call, lead_applicant=applicant, state=ProposalState.INVITED))

    response = client_for(applicant).get(_url("", complete))

    content = response.content.decode()
    nav = response.context["application_nav"]
    assert (nav["complete_count"], nav["breaking_count"]) == (6, 2)  # the description's texts and the IP plan's
    assert "Every section is complete, but the application breaks the call's rules below" in content
    assert "Every section is complete. The lead applicant can submit" not in content
    assert content.count(">complete, but breaks 1 rule<") == 2
    assert "<strong>Word limits</strong>: Each text may have at most 6 words" in content


def test_overview_nav_marks_each_section_complete_or_incomplete_in_words(
    applicant_client: Client, proposal: Proposal
) -> None:
    content = applicant_client.get(_url("", proposal)).content.decode()

    # Empty, the consortium (one organization), the budget (no costs: two rules) and the attachments break rules
    # too, and the letter of intent's summary is over the call's 6 words for the description and the IP plan.
    assert content.count(">incomplete<") == 1
    assert content.count(">incomplete, and breaks 1 rule<") == 4
    assert content.count(">incomplete, and breaks 2 rules<") == 1
    assert 'aria-label="Sections of the full application"' in content


def test_overview_query_count_does_not_grow_with_the_consortium(applicant_client: Client, proposal: Proposal) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert applicant_client.get(_url("", proposal)).status_code == 200
        return len(queries)

    ConsortiumMember.objects.create(proposal=proposal, organization=OrganizationFactory())
    one = count()
    for _index in range(5):
        ConsortiumMember.objects.create(
            proposal=proposal, organization=OrganizationFactory(kind=OrganizationType.LARGE_COMPANY)
        )

    assert count() == one


@pytest.mark.parametrize(
    ("error", "field_errors", "top_errors"),
    [
        (ValidationError({"jobs_after": "Too many."}), {"jobs_after": ["Too many."]}, []),
        (ValidationError("Refused."), {}, ["Refused."]),
    ],
)
def test_a_services_validation_error_is_shown_beside_its_field_or_at_the_top(
    proposal: Proposal, error: ValidationError, field_errors: dict[str, list[str]], top_errors: list[str]
) -> None:
    form = OutcomesForm({"jobs_after": "5"})
    form.is_valid()

    def refuse() -> None:
        raise error

    status = _save(form, refuse, proposal_pk=proposal.pk)

    assert status == 400
    assert {name: list(errors) for name, errors in form.errors.items() if name != "__all__"} == field_errors
    assert list(form.non_field_errors()) == top_errors
