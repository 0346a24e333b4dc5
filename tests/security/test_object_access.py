"""Another user's objects, asked for by id through HTTP, are refused, and writes to them change nothing.

Already proven elsewhere, and not repeated here:
- every GET of every URL by every persona, including another applicant's proposal, its
  versions, attachments and the staff's CSV export of scores: ``tests/test_permission_matrix.py``;
- another assessor's assignment and review pages (404), and never seeing another's
  review: ``tests/assessment/test_reviews.py``; another's declaration: ``test_conflicts.py``;
- attachments of a proposal one may not read (download 404, removal 404):
  ``tests/intake/test_attachments.py``;
- votes by non-members and on an item of another meeting (404, nothing written), and the
  decision by a member who is not the chair (403): ``tests/board/test_votes.py``.

What follows are the writes by id that those leave out: each is refused and nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from assessment.models import Review, Score
from intake.models import CoApplicant, ConsortiumMember, Proposal
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from tests.assessment.reviewing import assignment_make, rubric_make
from tests.factories import MembershipFactory, ProposalFactory, ProposalVersionFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(applicant: User) -> Proposal:
    """The applicant's invited proposal, with its full application written."""
    membership = MembershipFactory(user=applicant)
    return ProposalFactory(
        lead_applicant=applicant, lead_organization=membership.organization, state=ProposalState.INVITED
    )


def _snapshot(proposal: Proposal) -> dict[str, Any]:
    """Return everything of ``proposal`` an edit could change, to compare before and after."""
    fresh = Proposal.objects.get(pk=proposal.pk)
    return {
        "proposal": model_to_dict(fresh),
        "updated_at": fresh.updated_at,
        "members": sorted(ConsortiumMember.objects.filter(proposal=fresh).values_list("pk", flat=True)),
        "coapplicants": sorted(CoApplicant.objects.filter(proposal=fresh).values_list("pk", flat=True)),
    }


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("intake:proposal_update", {"title": "Taken over", "summary": "Mine now."}),
        ("intake:application_description", {"description": "Rewritten by someone else."}),
        ("intake:application_ip", {"ip_terms": "All IP to the intruder."}),
        ("intake:application_outcomes", {"jobs_created": "0"}),
        ("intake:application_budget", {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"}),
        ("intake:member_add", {"add-organization": "1"}),
        ("intake:coapplicant_invite", {"email": "otto@example.com"}),
        ("intake:application_attachments", {"kind": "project_plan"}),
        ("workflow:proposal_act", {"withdraw-reason": "Not mine to withdraw."}),
    ],
)
def test_object_access_another_applicants_proposal_cannot_be_written(
    other_applicant_client: Client, proposal: Proposal, name: str, data: dict[str, str]
) -> None:
    kwargs: dict[str, Any] = {"pk": proposal.pk}
    if name == "workflow:proposal_act":
        kwargs["action"] = "withdraw"
    before = _snapshot(proposal)

    response = other_applicant_client.post(reverse(name, kwargs=kwargs), data)

    assert response.status_code == 404
    assert _snapshot(proposal) == before


def test_object_access_a_member_of_another_proposal_cannot_be_removed_through_ones_own(
    applicant: User, applicant_client: Client, proposal: Proposal
) -> None:
    # Otto's proposal has a partner; Ann names it under her own proposal's URL.
    others = ProposalFactory(state=ProposalState.INVITED)
    partner = ConsortiumMember.objects.filter(proposal=others, is_lead=False).first()
    assert partner is not None
    url = reverse("intake:member_remove", kwargs={"pk": proposal.pk, "member_pk": partner.pk})

    response = applicant_client.post(url, {"loaded_at": Proposal.objects.get(pk=proposal.pk).updated_at.isoformat()})

    # Told, as when the partner was removed meanwhile: the same words whether or not it exists elsewhere.
    assert response.status_code == 409
    assert ConsortiumMember.objects.filter(pk=partner.pk).exists()


def test_object_access_a_co_applicant_of_another_proposal_cannot_be_removed_through_ones_own(
    applicant_client: Client, proposal: Proposal
) -> None:
    others = ProposalFactory(state=ProposalState.INVITED)
    coapplicant = CoApplicant.objects.create(
        proposal=others, user=user_with_role(Role.APPLICANT), invited_by=others.lead_applicant
    )
    url = reverse("intake:coapplicant_remove", kwargs={"pk": proposal.pk, "coapplicant_pk": coapplicant.pk})

    response = applicant_client.post(url, {"loaded_at": Proposal.objects.get(pk=proposal.pk).updated_at.isoformat()})

    assert response.status_code == 409
    assert CoApplicant.objects.filter(pk=coapplicant.pk).exists()


def test_object_access_another_assessors_review_cannot_be_saved_or_submitted(assessor_client: Client) -> None:
    proposal = ProposalFactory(state=ProposalState.IN_ASSESSMENT)
    rubric = rubric_make(proposal.call, k=1)
    theirs = assignment_make(proposal, rubric=rubric)  # accepted, declared, by another assessor
    data: dict[str, str] = {"recommendation": "fund", "confidence": "high", "overall_comment": "Mine.", "submit": "1"}
    for criterion in rubric.criteria.all():
        data[f"score_{criterion.pk}"] = str(criterion.scale_max)
        data[f"comment_{criterion.pk}"] = "Written by someone else."
    url = reverse("assessment:review", kwargs={"pk": theirs.pk})

    saved = assessor_client.post(url, {key: value for key, value in data.items() if key != "submit"})
    submitted = assessor_client.post(url, data)
    answered = assessor_client.post(reverse("assessment:respond", kwargs={"pk": theirs.pk}), {"accept": "1"})

    assert (saved.status_code, submitted.status_code, answered.status_code) == (404, 404, 404)
    assert not Review.objects.filter(assignment=theirs).exists()
    assert not Score.objects.exists()


def test_object_access_another_users_notification_cannot_be_marked_read(
    applicant: User, other_applicant_client: Client
) -> None:
    notification = Notification.objects.create(
        recipient=applicant, event=Event.INVITED, channel=Channel.INBOX, key="security-test-invited"
    )

    response = other_applicant_client.post(reverse("records:inbox_mark_read"), {"id": str(notification.pk)})

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_object_access_a_version_of_another_proposal_is_not_reached_through_ones_own(
    applicant_client: Client, proposal: Proposal
) -> None:
    # Versions are numbered per proposal: number 1 of Otto's proposal is not number 1 of Ann's.
    others = ProposalFactory(title="Otto's secret project")
    ProposalVersionFactory(proposal=others)

    response = applicant_client.get(reverse("intake:version_detail", kwargs={"pk": proposal.pk, "number": 1}))

    assert response.status_code == 404
    assert "Otto's secret project" not in response.content.decode()
