"""A ``<script>`` in any free-text field comes back escaped on every page that shows it.

One world holds a different payload in each free-text field that people type: the letter
of intent's and the application's texts, the IP terms, organization and display names,
milestones, review comments, conflict and decline reasons, vote comments, the decision's
rationale and conditions, decision letters, invitation messages, the call's own texts and
an attachment's name. (The budget has no free text: its lines are a category and an
amount.) The payloads are written to the rows directly, or through the action that owns
them where there is one: the forms keep text as typed, which their own tests show, so
what matters here is how the pages render it. Each page of the table is then fetched by
the persona who may see it, and:

- no page carries any payload raw, so no field reaches a page unescaped;
- each field's payload is on the pages of its row, escaped, so the first check is not
  passing merely because the field is not shown;
- the HTML part of the emails sent meanwhile escapes them too (a declined assignment's
  reason is shown only there, to staff).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from assessment.choices import AssignmentState, ConflictSource, ReviewState
from assessment.models import AssessorInvitation, Conflict, Review, Score
from assessment.services import reviews
from board.models import DecisionLetter
from board.services.letters import meeting_decisions_release
from intake.models import Attachment, ConsortiumMember, ForegroundIP, Milestone
from intake.states import ProposalState
from records.events import Channel
from records.models import Notification
from records.notifications import notification_render
from tests.assessment.reviewing import assignment_make, rubric_make
from tests.board.making import agenda_put, board_members_make, meeting_make, meeting_open, votes_cast
from tests.conftest import client_for
from tests.factories import (
    CallFactory,
    MembershipFactory,
    OrganizationFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
)
from workflow import actions

pytestmark = pytest.mark.django_db


def payload(field: str) -> str:
    return f'<script>alert("{field}")</script>'


def escaped(field: str) -> str:
    return html.escape(payload(field))


@dataclass
class World:
    """Everyone and everything of one call, each free-text field holding its own payload."""

    clients: dict[str, Client]
    urls: dict[str, tuple[str, str]]  # page name: (persona, url)


def _set(instance: Any, **fields: str) -> None:
    type(instance).objects.filter(pk=instance.pk).update(**fields)


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    staff = UserFactory(role=Role.STAFF, display_name=payload("staff_display_name"))
    applicant = UserFactory(role=Role.APPLICANT, display_name=payload("applicant_display_name"))
    assessor = UserFactory(role=Role.ASSESSOR, display_name=payload("assessor_display_name"))
    chair = UserFactory(role=Role.BOARD_MEMBER, display_name=payload("chair_display_name"))

    call = CallFactory(title_en=payload("call_title"), description_en=payload("call_description"))
    _set(call.program, name_en=payload("program_name"))
    organization = OrganizationFactory(legal_name=payload("organization_name"))
    MembershipFactory(user=applicant, organization=organization)

    # The draft: the applicant's pages of the full application.
    draft = ProposalFactory(
        call=call, lead_applicant=applicant, lead_organization=organization, state=ProposalState.INVITED
    )
    _set(
        draft,
        title=payload("loi_title"),
        summary=payload("loi_summary"),
        challenge=payload("loi_challenge"),
        technology=payload("loi_technology"),
        expected_partners=payload("loi_expected_partners"),
        project_description=payload("application_description"),
        work_plan=payload("application_work_plan"),
        ip_ownership_terms=payload("ip_ownership_terms"),
        ip_partner_licensing=payload("ip_partner_licensing"),
        ip_member_licensing=payload("ip_member_licensing"),
    )
    lead = ConsortiumMember.objects.get(proposal=draft, is_lead=True)
    _set(lead, background_ip=payload("background_ip"))
    ForegroundIP.objects.filter(proposal=draft).update(description=payload("foreground_ip"))
    Milestone.objects.filter(proposal=draft).update(
        title=payload("milestone_title"), description=payload("milestone_description")
    )
    Attachment.objects.filter(proposal=draft).update(original_name=payload("attachment_name") + ".pdf")
    version = ProposalVersionFactory(proposal=draft)

    # The decided one: reviewed, conflicted, voted on, decided, with its letter.
    decided = ProposalFactory(call=call, lead_applicant=applicant, state=ProposalState.BOARD_REVIEW, title="Decided")
    rubric = rubric_make(call, k=1)
    assignment = assignment_make(decided, rubric=rubric, assessor=assessor)
    review = Review.objects.create(
        assignment=assignment,
        state=ReviewState.SUBMITTED,
        recommendation="fund",
        confidence="high",
        overall_comment=payload("review_overall_comment"),
        submitted_at=timezone.now(),
    )
    for criterion in rubric.criteria.all():
        Score.objects.create(
            review=review, criterion=criterion, value=criterion.scale_max, comment=payload("review_score_comment")
        )
    offered = assignment_make(draft, rubric=rubric, state=AssignmentState.OFFERED)
    reviews.assignment_decline(assignment=offered, by=offered.assessor, reason=payload("assignment_decline_reason"))
    Conflict.objects.create(
        assessor=UserFactory(role=Role.ASSESSOR), proposal=decided, source=ConflictSource.DECLARED,
        nature=payload("conflict_nature"),
    )  # fmt: skip
    voters = board_members_make(1)
    meeting = meeting_make(call, chair=chair, members=voters, quorum=1)
    item = agenda_put(decided, meeting)
    votes_cast(decided, voters, comment=payload("vote_comment"))
    meeting_open(meeting)
    actions.proposal_approve(
        proposal=decided,
        by=chair,
        amount=Decimal("100000"),
        rationale=payload("decision_rationale"),
        conditions=payload("decision_conditions"),
    )
    AssessorInvitation.objects.create(
        email="expert@example.org",
        invited_by=staff,
        message=payload("invitation_message"),
        expires_at=timezone.now() + timedelta(days=30),
    )

    clients = {
        "anonymous": Client(),
        "applicant": client_for(applicant),
        "staff": client_for(staff),
        "assessor": client_for(assessor),
        "chair": client_for(chair),
        "voter": client_for(voters[0]),
    }
    # Drafting the letters reads the decision; the staff then edits the letter's words.
    clients["staff"].get(reverse("board:meeting_letters", kwargs={"pk": meeting.pk}))
    letter = DecisionLetter.objects.get(item=item)
    _set(letter, subject=payload("letter_subject"), body=payload("letter_body"))
    meeting_decisions_release(meeting=meeting, by=staff)
    invitation = AssessorInvitation.objects.get()

    urls = {
        "calls_open": ("anonymous", reverse("intake:calls_open")),
        "call_detail": ("anonymous", reverse("intake:call_detail", kwargs={"pk": call.pk})),
        "invitation": ("anonymous", reverse("assessment:invitation", kwargs={"token": invitation.token})),
        "applicant_dashboard": ("applicant", reverse("intake:applicant_dashboard")),
        "organizations": ("applicant", reverse("accounts:organizations")),
        "profile": ("applicant", reverse("accounts:profile")),
        "proposal_detail": ("applicant", reverse("intake:proposal_detail", kwargs={"pk": draft.pk})),
        "proposal_update": ("applicant", reverse("intake:proposal_update", kwargs={"pk": draft.pk})),
        "application": ("applicant", reverse("intake:application", kwargs={"pk": draft.pk})),
        "application_description": (
            "applicant",
            reverse("intake:application_description", kwargs={"pk": draft.pk}),
        ),
        "application_ip": ("applicant", reverse("intake:application_ip", kwargs={"pk": draft.pk})),
        "application_outcomes": ("applicant", reverse("intake:application_outcomes", kwargs={"pk": draft.pk})),
        "application_consortium": ("applicant", reverse("intake:application_consortium", kwargs={"pk": draft.pk})),
        "application_attachments": (
            "applicant",
            reverse("intake:application_attachments", kwargs={"pk": draft.pk}),
        ),
        "version_detail": (
            "staff",
            reverse("intake:version_detail", kwargs={"pk": draft.pk, "number": version.number}),
        ),
        "staff_proposal_draft": ("staff", reverse("workflow:proposal_detail", kwargs={"pk": draft.pk})),
        "staff_proposal_decided": ("staff", reverse("workflow:proposal_detail", kwargs={"pk": decided.pk})),
        "call_proposals": ("staff", reverse("workflow:call_proposals", kwargs={"pk": call.pk})),
        "results": ("staff", reverse("assessment:results", kwargs={"pk": call.pk})),
        "call_conflicts": ("staff", reverse("assessment:call_conflicts", kwargs={"pk": call.pk})),
        "assignments": ("staff", reverse("assessment:assignments", kwargs={"pk": call.pk})),
        "assignment_proposal": (
            "staff",
            reverse("assessment:assignment_proposal", kwargs={"pk": call.pk, "proposal_pk": draft.pk}),
        ),
        "pool": ("staff", reverse("assessment:pool")),
        "meeting_letters": ("staff", reverse("board:meeting_letters", kwargs={"pk": meeting.pk})),
        "letter_edit": ("staff", reverse("board:letter_edit", kwargs={"pk": letter.pk})),
        "program_overview": ("staff", reverse("board:program_overview", kwargs={"pk": call.program_id})),
        "assessor_dashboard": ("assessor", reverse("assessment:dashboard")),
        "review": ("assessor", reverse("assessment:review", kwargs={"pk": assignment.pk})),
        "meeting_agenda": ("chair", reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})),
        "board_votes": ("chair", reverse("board:votes", kwargs={"pk": meeting.pk})),
        "staff_inbox": ("staff", reverse("records:inbox")),
        "applicant_inbox": ("applicant", reverse("records:inbox")),
        "board_vote": ("voter", reverse("board:vote", kwargs={"pk": meeting.pk, "item_pk": item.pk})),
        "voter_votes": ("voter", reverse("board:votes", kwargs={"pk": meeting.pk})),
        "board_decide": ("chair", reverse("board:decide", kwargs={"pk": meeting.pk, "item_pk": item.pk})),
    }
    return World(clients=clients, urls=urls)


FIELDS = [
    "staff_display_name", "applicant_display_name", "assessor_display_name", "chair_display_name",
    "call_title", "call_description", "program_name", "organization_name",
    "loi_title", "loi_summary", "loi_challenge", "loi_technology", "loi_expected_partners",
    "application_description", "application_work_plan",
    "ip_ownership_terms", "ip_partner_licensing", "ip_member_licensing", "background_ip", "foreground_ip",
    "milestone_title", "milestone_description", "attachment_name",
    "review_overall_comment", "review_score_comment", "assignment_decline_reason", "conflict_nature",
    "vote_comment", "decision_rationale", "decision_conditions", "letter_subject", "letter_body",
    "invitation_message",
]  # fmt: skip
# Shown in no page, only in the staff's email: checked in the emails below.
EMAIL_ONLY = ["assignment_decline_reason"]


# Where each field must be found, escaped: the pages whose purpose is to show it.
SHOWN_ON: dict[str, list[str]] = {
    "staff_display_name": ["pool", "staff_inbox"],
    "applicant_display_name": ["profile", "call_proposals", "staff_proposal_draft"],
    "assessor_display_name": ["pool", "results", "assessor_dashboard"],
    "chair_display_name": ["meeting_agenda", "board_votes"],
    "call_title": ["calls_open", "call_detail", "applicant_dashboard", "review", "meeting_agenda"],
    "call_description": ["call_detail"],
    "program_name": ["calls_open", "program_overview"],
    "organization_name": ["organizations", "application_consortium", "staff_proposal_draft", "version_detail"],
    "loi_title": ["applicant_dashboard", "proposal_detail", "staff_proposal_draft", "call_proposals", "results"],
    "loi_summary": ["proposal_detail", "staff_proposal_draft"],
    "loi_challenge": ["proposal_update"],
    "loi_technology": ["proposal_update"],
    "loi_expected_partners": ["proposal_update"],
    "application_description": ["application_description"],
    "application_work_plan": ["application_description"],
    "ip_ownership_terms": ["application_ip"],
    "ip_partner_licensing": ["application_ip"],
    "ip_member_licensing": ["application_ip"],
    "background_ip": ["application_ip", "version_detail"],
    "foreground_ip": ["application_ip"],
    "milestone_title": ["application_description"],
    "milestone_description": ["application_description"],
    "attachment_name": ["application_attachments", "version_detail"],
    "review_overall_comment": ["review", "meeting_agenda"],
    "review_score_comment": ["review", "meeting_agenda"],
    "conflict_nature": ["call_conflicts"],
    "vote_comment": ["board_vote", "voter_votes"],
    "decision_rationale": ["staff_proposal_decided"],
    "decision_conditions": ["staff_proposal_decided"],
    "letter_subject": ["meeting_letters", "letter_edit"],
    "letter_body": ["meeting_letters", "letter_edit"],
    "invitation_message": ["invitation"],
}


@pytest.fixture
def pages(world: World) -> dict[str, str]:
    """Return the body of every page of the world, fetched by its persona."""
    bodies = {}
    for page, (persona, url) in world.urls.items():
        response = world.clients[persona].get(url)
        assert response.status_code == 200, f"{page} ({url}) as {persona}: {response.status_code}"
        bodies[page] = response.content.decode()
    return bodies


def test_escaping_every_field_in_the_table() -> None:
    assert sorted([*SHOWN_ON, *EMAIL_ONLY]) == sorted(FIELDS)


def test_escaping_no_payload_reaches_any_page_raw(pages: dict[str, str]) -> None:
    raw = sorted(f"{field} on {page}" for page, body in pages.items() for field in FIELDS if payload(field) in body)

    assert raw == []


def test_escaping_each_field_shown_escaped_where_it_belongs(pages: dict[str, str]) -> None:
    missing = {
        field: [page for page in shown_on if escaped(field) not in pages[page]] for field, shown_on in SHOWN_ON.items()
    }

    assert {field: where for field, where in missing.items() if where} == {}


def test_escaping_emails_escape_what_people_typed(world: World) -> None:
    """The HTML part of every email the world sent (decision letters, declined assignments...) escapes too."""
    rendered = [
        notification_render(notification) for notification in Notification.objects.filter(channel=Channel.EMAIL)
    ]
    html_parts = "\n".join(part for _subject, _text, part in rendered)

    assert [field for field in FIELDS if payload(field) in html_parts] == []
    assert escaped("assignment_decline_reason") in html_parts
    assert escaped("letter_body") in html_parts
