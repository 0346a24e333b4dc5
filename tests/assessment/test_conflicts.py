"""Conflicts of interest: the declaration before reading, staff's list and record, and the "never sees" rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import OrganizationType, Role
from accounts.models import User
from assessment.choices import AssignmentState, ConflictSource
from assessment.models import AFFILIATION_CONFLICT_YEARS, Affiliation, AssessorProfile, Assignment, Conflict
from assessment.services.conflicts import conflicts_for_call
from assessment.services.rubrics import rubric_for
from intake.models import ConsortiumMember, Proposal
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from tests.conftest import client_for
from tests.factories import (
    AttachmentFactory,
    CallFactory,
    OrganizationFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _assign(proposal: Proposal, assessor: User, state: str = AssignmentState.OFFERED, **fields: Any) -> Assignment:
    return Assignment.objects.create(
        proposal=proposal,
        assessor=assessor,
        rubric=rubric_for(call=proposal.call),
        state=state,
        due_at=timezone.now() + timedelta(days=20),
        **fields,
    )


def _declare_url(assignment: Assignment) -> str:
    return reverse("assessment:declare", kwargs={"pk": assignment.pk})


@pytest.fixture
def proposal() -> Proposal:
    return ProposalFactory(
        state=ProposalState.IN_ASSESSMENT,
        title="Shared ocean sensor testbed",
        summary="A secret summary only for those who declared.",
    )


# --- The declaration --------------------------------------------------------------------------


def test_declare_page_shows_only_the_title_and_the_consortium(
    assessor: User, assessor_client: Client, proposal: Proposal
) -> None:
    assignment = _assign(proposal, assessor)

    response = assessor_client.get(_declare_url(assignment))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Shared ocean sensor testbed" in content
    for member in ConsortiumMember.objects.filter(proposal=proposal).select_related("organization"):
        assert member.organization.legal_name in content
        assert str(member.organization.get_kind_display()) in content
    assert "A secret summary" not in content
    assert proposal.lead_applicant.display_name not in content


def test_declare_no_conflict_opens_the_proposal(assessor: User, assessor_client: Client, proposal: Proposal) -> None:
    assignment = _assign(proposal, assessor)
    version = ProposalVersionFactory(proposal=proposal)
    version_url = reverse("intake:version_detail", kwargs={"pk": proposal.pk, "number": version.number})
    before = assessor_client.get(version_url)

    response = assessor_client.post(_declare_url(assignment), {"answer": "none", "nature": ""})

    assert before.status_code == 404
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.no_conflict_declared_at is not None
    assert assignment.state == AssignmentState.OFFERED
    assert assessor_client.get(version_url).status_code == 200
    again = assessor_client.post(_declare_url(assignment), {"answer": "conflict", "nature": "Changed my mind"})
    assert again.status_code == 409
    assert not Conflict.objects.exists()


def test_declare_a_conflict_withdraws_the_assignment_and_tells_staff(
    assessor: User, assessor_client: Client, staff: User, proposal: Proposal
) -> None:
    assignment = _assign(proposal, assessor, AssignmentState.ACCEPTED)
    UserFactory(role=Role.STAFF, is_active=False)

    response = assessor_client.post(
        _declare_url(assignment), {"answer": "conflict", "nature": "I advise the lead organization."}
    )

    assert response.status_code == 302
    conflict = Conflict.objects.get()
    assert (conflict.assessor, conflict.proposal, conflict.source, conflict.nature) == (
        assessor,
        proposal,
        ConflictSource.DECLARED,
        "I advise the lead organization.",
    )
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.WITHDRAWN
    notified = Notification.objects.filter(event=Event.CONFLICT_DECLARED)
    assert sorted(notified.values_list("recipient__email", "channel")) == [
        (staff.email, Channel.EMAIL),
        (staff.email, Channel.INBOX),
    ]
    assert notified.first().context == {"assessor": str(assessor), "nature": "I advise the lead organization."}  # type: ignore[union-attr]
    assert assessor_client.get(_declare_url(assignment)).status_code == 404


def test_declare_a_conflict_needs_its_nature(assessor: User, assessor_client: Client, proposal: Proposal) -> None:
    assignment = _assign(proposal, assessor)

    response = assessor_client.post(_declare_url(assignment), {"answer": "conflict", "nature": "   "})
    nothing = assessor_client.post(_declare_url(assignment), {"nature": "Kept text"})

    assert response.status_code == 400
    assert "Say briefly what the conflict is" in response.content.decode()
    assert nothing.status_code == 400
    assert "Kept text" in nothing.content.decode()
    assert not Conflict.objects.exists()
    assignment.refresh_from_db()
    assert (assignment.state, assignment.no_conflict_declared_at) == (AssignmentState.OFFERED, None)


def test_declare_with_an_affiliation_says_so_and_refuses(
    assessor: User, assessor_client: Client, proposal: Proposal
) -> None:
    Affiliation.objects.create(assessor=assessor, organization=proposal.lead_organization)
    assignment = _assign(proposal, assessor)

    page = assessor_client.get(_declare_url(assignment))
    posted = assessor_client.post(_declare_url(assignment), {"answer": "none", "nature": ""})

    assert page.status_code == 200
    assert "you have a conflict of interest and cannot assess it" in page.content.decode()
    assert "Shared ocean sensor testbed" not in page.content.decode()
    assert posted.status_code == 400
    assignment.refresh_from_db()
    assert assignment.no_conflict_declared_at is None


def test_declare_page_hides_the_proposal_when_a_conflict_is_on_record(
    assessor: User, assessor_client: Client, proposal: Proposal
) -> None:
    assignment = _assign(proposal, assessor)
    Conflict.objects.create(assessor=assessor, proposal=proposal, source=ConflictSource.RECORDED, nature="Spouse")

    page = assessor_client.get(_declare_url(assignment))
    posted = assessor_client.post(_declare_url(assignment), {"answer": "none", "nature": ""})

    assert "is on record: you cannot assess it" in page.content.decode()
    assert "Shared ocean sensor testbed" not in page.content.decode()
    assert posted.status_code == 409
    assignment.refresh_from_db()
    assert assignment.no_conflict_declared_at is None


@pytest.mark.parametrize("state", [AssignmentState.DECLINED, AssignmentState.WITHDRAWN])
def test_declare_page_is_404_for_a_dead_assignment(
    assessor: User, assessor_client: Client, proposal: Proposal, state: str
) -> None:
    assignment = _assign(proposal, assessor, state)

    assert assessor_client.get(_declare_url(assignment)).status_code == 404


def test_declare_page_is_404_for_another_assessor_s_assignment(assessor_client: Client, proposal: Proposal) -> None:
    assignment = _assign(proposal, UserFactory(role=Role.ASSESSOR))

    get = assessor_client.get(_declare_url(assignment))
    post = assessor_client.post(_declare_url(assignment), {"answer": "none"})

    assert (get.status_code, post.status_code) == (404, 404)
    assignment.refresh_from_db()
    assert assignment.no_conflict_declared_at is None


# --- Staff's list and record ------------------------------------------------------------------


def _conflicts_url(proposal: Proposal) -> str:
    return reverse("assessment:call_conflicts", kwargs={"pk": proposal.call_id})


def test_staff_conflicts_lists_declared_recorded_and_automatic(
    staff: User, staff_client: Client, proposal: Proposal
) -> None:
    declared_by, recorded_for = UserFactory(role=Role.ASSESSOR), UserFactory(role=Role.ASSESSOR)
    Conflict.objects.create(assessor=declared_by, proposal=proposal, source=ConflictSource.DECLARED, nature="Advisor")
    Conflict.objects.create(
        assessor=recorded_for, proposal=proposal, source=ConflictSource.RECORDED, nature="Spouse", recorded_by=staff
    )
    affiliated = UserFactory(role=Role.ASSESSOR, display_name="Alf Affiliated")
    AssessorProfile.objects.create(user=affiliated)
    partner = ConsortiumMember.objects.filter(proposal=proposal, is_lead=False).select_related("organization").first()
    assert partner is not None
    Affiliation.objects.create(assessor=affiliated, organization=proposal.lead_organization)
    Affiliation.objects.create(assessor=affiliated, organization=partner.organization, ended_on=timezone.localdate())
    long_ago = UserFactory(role=Role.ASSESSOR)
    AssessorProfile.objects.create(user=long_ago)
    Affiliation.objects.create(
        assessor=long_ago,
        organization=proposal.lead_organization,
        ended_on=timezone.localdate() - timedelta(days=365 * AFFILIATION_CONFLICT_YEARS + 30),
    )
    no_profile = UserFactory(role=Role.ASSESSOR)
    Affiliation.objects.create(assessor=no_profile, organization=proposal.lead_organization)
    other_call = ProposalFactory(lead_organization=proposal.lead_organization)
    assert other_call.call_id != proposal.call_id

    response = staff_client.get(_conflicts_url(proposal))

    assert response.status_code == 200
    rows = {(row.assessor_email, row.source): row for row in response.context["rows"]}
    assert set(rows) == {
        (declared_by.email, ConflictSource.DECLARED),
        (recorded_for.email, ConflictSource.RECORDED),
        (affiliated.email, ConflictSource.AUTOMATIC),
    }
    assert rows[(affiliated.email, ConflictSource.AUTOMATIC)].organizations == sorted(
        [proposal.lead_organization.legal_name, partner.organization.legal_name]
    )
    assert rows[(recorded_for.email, ConflictSource.RECORDED)].recorded_by == str(staff)
    content = response.content.decode()
    assert "Alf Affiliated" in content
    assert "Spouse" in content


def test_staff_records_a_conflict_and_withdraws_the_live_assignment(
    staff: User, staff_client: Client, assessor: User, proposal: Proposal
) -> None:
    assignment = _assign(proposal, assessor, AssignmentState.ACCEPTED, no_conflict_declared_at=timezone.now())
    data = {"record-assessor": assessor.pk, "record-proposal": proposal.pk, "record-nature": "Former student"}

    response = staff_client.post(_conflicts_url(proposal), data)
    again = staff_client.post(_conflicts_url(proposal), data)

    assert response.status_code == 302
    conflict = Conflict.objects.get()
    assert (conflict.source, conflict.nature, conflict.recorded_by) == (
        ConflictSource.RECORDED,
        "Former student",
        staff,
    )
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.WITHDRAWN
    assert again.status_code == 400
    assert "is already on record" in again.content.decode()
    assert Conflict.objects.count() == 1


def test_staff_record_refuses_a_proposal_of_another_call_and_an_empty_nature(
    staff_client: Client, assessor: User, proposal: Proposal
) -> None:
    elsewhere = ProposalFactory()

    other_call = staff_client.post(
        _conflicts_url(proposal),
        {"record-assessor": assessor.pk, "record-proposal": elsewhere.pk, "record-nature": "X"},
    )
    empty = staff_client.post(
        _conflicts_url(proposal), {"record-assessor": assessor.pk, "record-proposal": proposal.pk, "record-nature": " "}
    )

    assert (other_call.status_code, empty.status_code) == (400, 400)
    assert "Select a valid choice." in other_call.content.decode()
    assert not Conflict.objects.exists()


@pytest.mark.parametrize("count", [1, 50])
def test_staff_conflicts_queries_do_not_grow(
    staff_client: Client, count: int, django_assert_max_num_queries: Any
) -> None:
    call = CallFactory()
    organization = OrganizationFactory()
    for _index in range(count):
        proposal = ProposalFactory(call=call, application=False)
        ConsortiumMember.objects.create(proposal=proposal, organization=organization)
        declared, affiliated = UserFactory(role=Role.ASSESSOR), UserFactory(role=Role.ASSESSOR)
        Conflict.objects.create(assessor=declared, proposal=proposal, source=ConflictSource.DECLARED, nature="N")
        AssessorProfile.objects.create(user=affiliated)
        Affiliation.objects.create(assessor=affiliated, organization=proposal.lead_organization)

    # 9: the navigation's one query for program staff (the programs they switch between) included.
    with django_assert_max_num_queries(11):  # the call's stages and the rules in force
        response = staff_client.get(reverse("assessment:call_conflicts", kwargs={"pk": call.pk}))

    assert len(conflicts_for_call(call=call)) == 2 * count
    assert response.status_code == 200


# --- "A conflicted assessor never sees the proposal" --------------------------------------------


def _conflict_by_affiliation(assessor: User, proposal: Proposal) -> None:
    Affiliation.objects.create(assessor=assessor, organization=proposal.lead_organization)


def _conflict_row(source: str) -> Callable[[User, Proposal], None]:
    def make(assessor: User, proposal: Proposal) -> None:
        Conflict.objects.create(assessor=assessor, proposal=proposal, source=source, nature="Tie")

    return make


def _declared_assignment(assessor: User, proposal: Proposal, state: str = AssignmentState.ACCEPTED) -> Assignment:
    return _assign(proposal, assessor, state, no_conflict_declared_at=timezone.now())


SITUATIONS: dict[str, Callable[[User, Proposal], Any]] = {
    "unassigned": lambda assessor, proposal: None,
    "undeclared": lambda assessor, proposal: _assign(proposal, assessor, AssignmentState.ACCEPTED),
    "declined": lambda assessor, proposal: _declared_assignment(assessor, proposal, AssignmentState.DECLINED),
    "withdrawn": lambda assessor, proposal: _declared_assignment(assessor, proposal, AssignmentState.WITHDRAWN),
    "declared conflict": lambda assessor, proposal: (
        _declared_assignment(assessor, proposal),
        _conflict_row(ConflictSource.DECLARED)(assessor, proposal),
    ),
    "recorded conflict": lambda assessor, proposal: (
        _declared_assignment(assessor, proposal),
        _conflict_row(ConflictSource.RECORDED)(assessor, proposal),
    ),
    "affiliation": lambda assessor, proposal: (
        _declared_assignment(assessor, proposal),
        _conflict_by_affiliation(assessor, proposal),
    ),
    "another assessor's assignment": lambda assessor, proposal: _declared_assignment(
        UserFactory(role=Role.ASSESSOR), proposal
    ),
}


def _urls(proposal: Proposal) -> dict[str, str]:
    version = ProposalVersionFactory(proposal=proposal)
    attachment = AttachmentFactory(proposal=proposal)
    return {
        "version": reverse("intake:version_detail", kwargs={"pk": proposal.pk, "number": version.number}),
        "attachment": reverse("intake:attachment_download", kwargs={"pk": attachment.pk}),
        "applicant page": reverse("intake:proposal_detail", kwargs={"pk": proposal.pk}),
        "staff page": reverse("workflow:proposal_detail", kwargs={"pk": proposal.pk}),
        "compare": reverse("intake:version_compare", kwargs={"pk": proposal.pk}) + f"?a=1&b={version.number}",
    }


def test_assigned_assessor_who_declared_reads_the_version_and_downloads_the_attachment(
    assessor: User, assessor_client: Client, proposal: Proposal
) -> None:
    _declared_assignment(assessor, proposal, AssignmentState.OFFERED)
    urls = _urls(proposal)

    version = assessor_client.get(urls["version"])
    download = assessor_client.get(urls["attachment"])

    assert version.status_code == 200
    assert "Shared ocean sensor testbed" in version.content.decode()
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_assessor_never_sees_a_proposal_without_a_declared_unconflicted_live_assignment(
    assessor: User, assessor_client: Client, proposal: Proposal, situation: str
) -> None:
    SITUATIONS[situation](assessor, proposal)
    urls = _urls(proposal)

    outcomes = {name: assessor_client.get(url).status_code for name, url in urls.items()}

    # The role-gated pages refuse by role before they look; the others answer as if it did not exist.
    assert outcomes == {"version": 404, "attachment": 404, "applicant page": 403, "staff page": 403, "compare": 403}


def test_assessor_who_is_also_an_applicant_still_sees_their_own_proposals(applicant: User, proposal: Proposal) -> None:
    from accounts.services import user_grant_role

    user_grant_role(user=applicant, role=Role.ASSESSOR)
    own = ProposalFactory(lead_applicant=applicant)
    _conflict_row(ConflictSource.RECORDED)(applicant, proposal)

    from workflow.access import proposals_visible_to

    assert set(proposals_visible_to(user=User.objects.get(pk=applicant.pk))) == {own}


def test_an_sme_partner_affiliation_conflicts_too(assessor: User, assessor_client: Client, proposal: Proposal) -> None:
    sme = OrganizationFactory(kind=OrganizationType.SME)
    ConsortiumMember.objects.create(proposal=proposal, organization=sme)
    _declared_assignment(assessor, proposal)
    urls = _urls(proposal)
    assert assessor_client.get(urls["version"]).status_code == 200

    Affiliation.objects.create(assessor=assessor, organization=sme, ended_on=timezone.localdate() - timedelta(days=365))

    assert client_for(assessor).get(urls["version"]).status_code == 404
    assert client_for(assessor).get(urls["attachment"]).status_code == 404
