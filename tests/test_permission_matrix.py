"""Every URL of the project, fetched by every role: what each one gets.

A URL pattern without a rule here fails ``test_permission_matrix_covers_every_url``,
so a new view cannot ship without saying who may see it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.choices import Role
from accounts.models import JoinRequest, User
from accounts.services import SignUpRequest, sign_up_token
from assessment.models import AssessorInvitation, Assignment, Review
from assessment.services.rubrics import rubric_for
from board.models import AgendaItem, BoardMeeting, DecisionLetter
from intake.models import CoApplicant, Program
from stewardship.services import account_closure_token
from tests.conftest import client_for
from tests.factories import (
    AttachmentFactory,
    CallFactory,
    MembershipFactory,
    ProgramFactory,
    ProposalFactory,
    ProposalVersionFactory,
    QuestionFactory,
    UserFactory,
    user_with_role,
)
from workflow.models import ExtensionRule, Incident

pytestmark = pytest.mark.django_db

# ``other_staff`` and ``other_board`` hold their roles for another program only: the objects below are
# of ``home``'s program, so they get what staff and the board get of it, except a 404 (STAFF_SCOPED,
# BOARD_SCOPED) where those read or act on a thing of the program. The funder reads every program's
# figures and nothing else: their own pages, never a proposal's.
PERSONAS = (
    "anonymous", "applicant", "co_applicant", "other_applicant", "staff", "assessor", "board", "other_staff",
    "other_board", "funder",
)  # fmt: skip
ROLE_PERSONAS = {
    "applicant": ("applicant", "co_applicant", "other_applicant"),
    "staff": ("staff", "other_staff"),
    "assessor": ("assessor",),
    "board": ("board", "other_board"),
    "funder": ("funder",),
}


@dataclass(frozen=True)
class Redirect:
    """A 302 to exactly ``target``."""

    target: str


class ToLogin:
    """A 302 to the login page, coming back to the URL asked for."""

    def __repr__(self) -> str:
        return "ToLogin()"


LOGIN = ToLogin()
Expected = int | Redirect | ToLogin


def everyone(expected: Expected) -> dict[str, Expected]:
    return dict.fromkeys(PERSONAS, expected)


def signed_in(expected: Expected) -> dict[str, Expected]:
    return {**everyone(expected), "anonymous": LOGIN}


def role(name: str) -> dict[str, Expected]:
    return {**signed_in(403), **dict.fromkeys(ROLE_PERSONAS[name], 200)}


def another_program(matrix: dict[str, dict[str, Expected]]) -> dict[str, dict[str, Expected]]:
    """Give each rule the other program's staff and board member: what their peers get, or 404 where scoped."""
    for name, rule in matrix.items():
        rule["other_staff"] = 404 if name in STAFF_SCOPED else rule["staff"]
        rule["other_board"] = 404 if name in BOARD_SCOPED else rule["board"]
    return matrix


def anonymous_only() -> dict[str, Expected]:
    return {**everyone(Redirect("/accounts/dashboard/")), "anonymous": 200}


# The URLs that read or act on a thing of one program (the program, its calls, proposals, meetings,
# letters): staff of another program get 404, never a hint that it exists.
STAFF_SCOPED = frozenset({
    "intake:program_detail", "intake:program_update", "intake:program_people", "intake:call_create",
    "intake:call_staff_detail",
    "intake:call_update", "intake:call_stages", "intake:attachment_download", "intake:version_detail",
    "intake:version_compare",
    "intake:eligibility", "intake:eligibility_rules", "intake:eligibility_override_revoke",
    "workflow:call_proposals", "workflow:proposal_detail",
    "assessment:review_reopen",
    "assessment:results", "assessment:results_csv", "assessment:rubric", "assessment:call_conflicts",
    "assessment:assignments", "assessment:assignment_proposal", "board:meeting_list", "board:meeting_create",
    "board:meeting_update", "board:meeting_send", "board:meeting_open_early", "board:meeting_agenda",
    "board:agenda_item_defer", "board:meeting_letters", "board:letter_edit", "board:program_overview",
    "board:call_program", "board:conflicts", "workflow:disposals_preview", "workflow:proposal_legal_hold",
    "workflow:call_legal_hold", "intake:call_questions", "intake:question_create", "intake:questions_copy",
    "intake:call_answers_csv", "intake:question_update", "intake:question_retire", "intake:question_delete",
})  # fmt: skip
# The board member of another program is (by a data error) invited to the meeting: still 404.
BOARD_SCOPED = frozenset({
    "board:meeting_agenda", "board:agenda_item_defer", "board:conflicts", "board:votes", "board:vote",
    "board:decide",
})  # fmt: skip

# The GET each persona makes of each named URL. Views that accept only POST answer 405
# and are tested with POST below.
MATRIX: dict[str, dict[str, Expected]] = {
    "home": everyone(200),
    "accounts:signup": anonymous_only(),
    "accounts:signup_sent": everyone(200),
    "accounts:signup_confirm": anonymous_only(),
    "accounts:login": anonymous_only(),
    "accounts:logout": everyone(405),
    "accounts:password_reset": everyone(200),
    "accounts:password_reset_done": everyone(200),
    "accounts:password_reset_confirm": everyone(Redirect("/accounts/password-reset/{uidb64}/set-password/")),
    "accounts:password_reset_complete": everyone(200),
    "accounts:dashboard": {
        "anonymous": LOGIN,
        "applicant": Redirect("/applicant/"),
        "co_applicant": Redirect("/applicant/"),
        "other_applicant": Redirect("/applicant/"),
        "staff": Redirect("/staff/"),
        "assessor": Redirect("/assessor/"),
        "board": Redirect("/board/"),
        "funder": Redirect("/funder/"),
    },
    "accounts:profile": signed_in(200),
    "accounts:organizations": signed_in(200),
    "accounts:membership_leave": everyone(405),
    # The other applicant asks to join the applicant's organization: its member answers; staff only
    # for an organization without members (tests/accounts/test_join_requests.py). Withdrawing is POST-only.
    "accounts:join_request_answer": {**signed_in(404), "applicant": 200},
    "accounts:join_request_withdraw": everyone(405),
    "accounts:set_language": everyone(405),
    # Staff's clients have an authenticator and passed it (tests/conftest.py); the others have none.
    "accounts:second_factor_setup": {**signed_in(200), "staff": Redirect("/accounts/profile/")},
    "accounts:second_factor_verify": signed_in(Redirect("/accounts/dashboard/")),
    "accounts:second_factor_recovery_codes": everyone(405),
    "accounts:second_factor_disable": {**signed_in(Redirect("/accounts/profile/")), "staff": 200},
    "intake:calls_open": everyone(200),
    "intake:call_detail": everyone(200),
    "intake:applicant_dashboard": role("applicant"),
    "intake:program_list": role("staff"),
    "intake:program_create": role("staff"),
    "intake:program_detail": role("staff"),
    "intake:program_update": role("staff"),
    "intake:call_create": role("staff"),
    # Who holds the program's roles: its staff's page; revoking is POST-only (tests/intake/test_program_people.py).
    "intake:program_people": role("staff"),
    "intake:program_role_revoke": {**role("staff"), "staff": 405},
    "intake:call_staff_detail": role("staff"),
    "intake:call_update": role("staff"),
    "intake:call_stages": role("staff"),
    # A call's questions: its program's staff. Adding one needs ?stage=&kind= (400 without); moving is POST-only.
    "intake:call_questions": role("staff"),
    "intake:question_create": {**role("staff"), "staff": 400},
    "intake:questions_copy": role("staff"),
    "intake:call_answers_csv": role("staff"),
    "intake:question_update": role("staff"),
    "intake:question_move": {**role("staff"), "staff": 405},
    "intake:question_retire": role("staff"),
    "intake:question_delete": role("staff"),
    "assessment:dashboard": role("assessor"),
    "assessment:profile": role("assessor"),
    # The assessor's own live assignment; another's answers 404 (tests/assessment/test_conflicts.py).
    "assessment:declare": role("assessor"),
    # A pending invitation to an address none of the personas has: anonymous, the link offers to sign in or
    # sign up with that address; signed in with another account, it accepts nothing (403).
    "assessment:invitation": {**signed_in(403), "anonymous": 200},
    "assessment:pool": role("staff"),
    "assessment:pool_invite": role("staff"),
    "assessment:rubric": role("staff"),
    "assessment:call_conflicts": role("staff"),
    # The assessor's assignment is offered and undeclared: answering it sends them to declare first,
    # and its review page is not theirs to read yet (404, like another assessor's).
    "assessment:respond": {**role("assessor"), "assessor": Redirect("/assessor/assignments/{pk}/declare/")},
    "assessment:review": {**role("assessor"), "assessor": 404},
    "assessment:review_reopen": role("staff"),
    "assessment:results": role("staff"),
    "assessment:results_csv": role("staff"),
    "workflow:staff_dashboard": role("staff"),
    "funder:overview": role("funder"),
    "funder:overview_csv": role("funder"),
    "board:dashboard": role("board"),
    "records:inbox": signed_in(200),
    "records:inbox_mark_read": signed_in(405),
    # The proposal is the applicant's draft: the other applicant gets a 404, not a hint it exists.
    "intake:proposal_create": role("applicant"),
    # The co-applicant edits the application but the LOI's title and lead belong to the lead applicant.
    "intake:proposal_detail": {**role("applicant"), "other_applicant": 404},
    "intake:proposal_update": {**role("applicant"), "other_applicant": 404},
    "intake:application": {**role("applicant"), "other_applicant": 404},
    "intake:application_description": {**role("applicant"), "other_applicant": 404},
    "intake:application_ip": {**role("applicant"), "other_applicant": 404},
    "intake:application_outcomes": {**role("applicant"), "other_applicant": 404},
    # The call's questions at the proposal's stage: its lead and co-applicants.
    "intake:questions": {**role("applicant"), "other_applicant": 404},
    "intake:question_section": {**role("applicant"), "other_applicant": 404},
    # The consortium and budget sections: the lead and co-applicants; their POST-only endpoints answer GET with 405.
    "intake:application_consortium": {**role("applicant"), "other_applicant": 404},
    "intake:application_budget": {**role("applicant"), "other_applicant": 404},
    "intake:member_add": {**role("applicant"), **dict.fromkeys(ROLE_PERSONAS["applicant"], 405)},
    "intake:member_create": {**role("applicant"), **dict.fromkeys(ROLE_PERSONAS["applicant"], 405)},
    "intake:member_remove": {**role("applicant"), **dict.fromkeys(ROLE_PERSONAS["applicant"], 405)},
    "intake:coapplicant_invite": {**role("applicant"), **dict.fromkeys(ROLE_PERSONAS["applicant"], 405)},
    "intake:coapplicant_remove": {**role("applicant"), **dict.fromkeys(ROLE_PERSONAS["applicant"], 405)},
    # Attachments: the page and removal are the applicants'; whoever may read the proposal downloads.
    "intake:application_attachments": {**role("applicant"), "other_applicant": 404},
    "intake:attachment_remove": {**role("applicant"), **dict.fromkeys(ROLE_PERSONAS["applicant"], 405)},
    "intake:attachment_download": {**signed_in(404), "applicant": 200, "co_applicant": 200, "staff": 200},
    "workflow:call_proposals": role("staff"),
    # A frozen version: whoever may read the proposal (a draft's: not the board). Comparing is staff's;
    # without ?a=&b= naming two versions it answers 400.
    "intake:version_detail": {**signed_in(404), "applicant": 200, "co_applicant": 200, "staff": 200},
    "intake:version_compare": {**role("staff"), "staff": 400},
    "intake:eligibility": role("staff"),
    "intake:eligibility_rules": role("staff"),
    # Revoking an override is a POST of the proposal's staff: their GET is refused.
    "intake:eligibility_override_revoke": {**role("staff"), "staff": 405},
    # Staff read every proposal; the board only those before it, which a draft is not.
    "workflow:proposal_detail": {**signed_in(403), "staff": 200, "board": 404},
    "workflow:proposal_act": signed_in(405),
    # Assessment assignments: staff's; the actions are POST-only.
    "assessment:assignments": role("staff"),
    "assessment:assignment_proposal": role("staff"),
    "assessment:assignment_plan_compute": {**role("staff"), "staff": 405},
    "assessment:assignment_plan_accept": {**role("staff"), "staff": 405},
    "assessment:assignment_plan_discard": {**role("staff"), "staff": 405},
    "assessment:assignment_plan_pair_remove": {**role("staff"), "staff": 405},
    "assessment:assignment_rule_create": {**role("staff"), "staff": 405},
    "assessment:assignment_rule_remove": {**role("staff"), "staff": 405},
    "assessment:assignment_withdraw": {**role("staff"), "staff": 405},
    # Board meetings: staff plan them; the agenda and deferral are staff's and the meeting's members'
    # (the board persona is invited; a board member who is not gets 404, tests/board/test_agenda.py).
    "board:meeting_list": role("staff"),
    "board:meeting_create": role("staff"),
    "board:meeting_update": role("staff"),
    "board:meeting_send": role("staff"),
    # Telling the members the agenda is ready (POST-only) and opening the meeting early: staff's.
    "board:meeting_agenda_ready": {**role("staff"), "staff": 405},
    "board:meeting_open_early": role("staff"),
    "board:meeting_agenda": {**signed_in(403), "staff": 200, "board": 200},
    "board:agenda_item_defer": {**signed_in(403), "staff": 200, "board": 200},
    # Decision letters and the program's figures: staff's; releasing is POST-only.
    "board:meeting_letters": role("staff"),
    "board:letter_edit": role("staff"),
    "board:letters_release": {**role("staff"), "staff": 405},
    "board:program_overview": role("staff"),
    "board:call_program": role("staff"),
    # Conflicts: the meeting's members declare, staff read the recusals. Votes: the members'; the
    # decision: the chair's (the board persona chairs; other members 403, the recused and others 404,
    # tests/board/test_recusal.py and test_votes.py).
    "board:conflicts": {**signed_in(403), "staff": 200, "board": 200},
    "board:votes": role("board"),
    "board:vote": role("board"),
    "board:decide": role("board"),
    # Outages: the status page is public; recording, editing, applying and the service standard are staff's.
    "workflow:status": everyone(200),
    "workflow:incident_list": role("staff"),
    "workflow:incident_create": role("staff"),
    "workflow:incident_update": role("staff"),
    "workflow:incident_apply": role("staff"),
    "workflow:extension_rules": role("staff"),
    "workflow:extension_rule_create": role("staff"),
    "workflow:extension_rule_update": role("staff"),
    # Retention: the disposals ahead and the legal holds are staff's.
    "workflow:disposals_preview": role("staff"),
    "workflow:proposal_legal_hold": role("staff"),
    "workflow:call_legal_hold": role("staff"),
    # Privacy: the page is public; the export and the closing are each signed-in person's own, and the
    # applicant, who leads a draft, is told why they cannot close their account (403). The emailed link
    # is the proof: whoever holds it sees the page with the button (it names the other applicant's account).
    "stewardship:privacy": everyone(200),
    "stewardship:export": signed_in(200),
    "stewardship:close": {**signed_in(200), "applicant": 403},
    "stewardship:close_sent": signed_in(200),
    "stewardship:close_confirm": everyone(200),
}
another_program(MATRIX)
# The service standard is the installation's: staff of only some programs read it but may not change it.
MATRIX["workflow:extension_rule_create"]["other_staff"] = 403
MATRIX["workflow:extension_rule_update"]["other_staff"] = 403


def _walk(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Yield the qualified name (or ``None``-named marker) and full route of every pattern."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern, route, inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield ":".join((*namespaces, pattern.name or f"<unnamed {route}>")), route


URLS = list(_walk(get_resolver()))
ADMIN_URLS = [(name, route) for name, route in URLS if name.startswith("admin:")]


@dataclass
class Objects:
    """The objects the URLs' arguments point at; the membership and reset link are the applicant's."""

    kwargs: dict[str, dict[str, Any]]


@pytest.fixture
def home(db: None) -> Program:
    """The program of every object below; made before the other program, so that ``staff`` and the board hold both."""
    return ProgramFactory()


@pytest.fixture
def elsewhere(home: Program) -> Program:
    return ProgramFactory()


@pytest.fixture
def other_staff(elsewhere: Program) -> User:
    return UserFactory(role=Role.STAFF, programs=[elsewhere], email="stella@example.com")


@pytest.fixture
def other_board(elsewhere: Program) -> User:
    return UserFactory(role=Role.BOARD_MEMBER, programs=[elsewhere], email="bert@example.com")


@pytest.fixture
def objects(
    applicant: User,
    co_applicant: User,
    other_applicant: User,
    assessor: User,
    board_member: User,
    other_board: User,
    home: Program,
    clients: dict[str, Client],
) -> Objects:
    # After the logins: logging in changes last_login, which voids earlier reset tokens.
    call = CallFactory(program=home)
    membership = MembershipFactory(user=applicant)
    join_request = JoinRequest.objects.create(user=other_applicant, organization=membership.organization)
    proposal = ProposalFactory(call=call, lead_applicant=applicant, lead_organization=membership.organization)
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)
    attachment = AttachmentFactory(proposal=proposal)
    question = QuestionFactory(call=call)
    uidb64 = urlsafe_base64_encode(force_bytes(applicant.pk))
    # Offered to the assessor, who has not declared: they may declare, not read the proposal. Scored on the
    # letter-of-intent rubric, so that the call has no application rubric (the assignment pages answer 400 then).
    assignment = Assignment.objects.create(
        proposal=proposal, assessor=assessor, rubric=rubric_for(call=call, stage="loi"), due_at=call.review_due_at
    )
    invitation = AssessorInvitation.objects.create(
        email="expert@example.org", invited_by=UserFactory(), expires_at=timezone.now() + timedelta(days=30)
    )
    meeting = BoardMeeting.objects.create(
        call=call, held_at=timezone.now() + timedelta(days=7), quorum=1, chair=board_member, created_by=UserFactory()
    )
    meeting.members.add(board_member, other_board)
    # Another proposal: on the agenda, the board persona could read it, and the rules above speak of a draft.
    item = AgendaItem.objects.create(meeting=meeting, proposal=ProposalFactory(call=call, state="board_review"))
    letter = DecisionLetter.objects.create(item=item, language="en", subject="Decision", body="Text.")
    incident = Incident.objects.create(
        started_at=timezone.now() - timedelta(hours=2), ended_at=timezone.now() - timedelta(hours=1)
    )
    rule = ExtensionRule.objects.create(
        outage_min_minutes=100000, before_min_minutes=0, before_max_minutes=1, extension_hours=1
    )
    return Objects(
        kwargs={
            "accounts:signup_confirm": {
                "token": sign_up_token(
                    request=SignUpRequest(email="newcomer@example.com", display_name="New", preferred_language="en")
                )
            },
            "accounts:password_reset_confirm": {
                "uidb64": uidb64,
                "token": default_token_generator.make_token(applicant),
            },
            "accounts:membership_leave": {"pk": membership.pk},
            "accounts:join_request_answer": {"pk": join_request.pk},
            "accounts:join_request_withdraw": {"pk": join_request.pk},
            "intake:call_detail": {"pk": call.pk},
            "intake:program_detail": {"pk": call.program_id},
            "intake:program_update": {"pk": call.program_id},
            "intake:call_create": {"program_pk": call.program_id},
            "intake:program_people": {"pk": call.program_id},
            "intake:program_role_revoke": {"pk": call.program_id, "grant_pk": 1},
            "intake:call_staff_detail": {"pk": call.pk},
            "intake:call_update": {"pk": call.pk},
            "intake:call_stages": {"pk": call.pk},
            "intake:call_questions": {"pk": call.pk},
            "intake:question_create": {"pk": call.pk},
            "intake:questions_copy": {"pk": call.pk},
            "intake:call_answers_csv": {"pk": call.pk},
            "intake:question_update": {"pk": question.pk},
            "intake:question_move": {"pk": question.pk},
            "intake:question_retire": {"pk": question.pk},
            "intake:question_delete": {"pk": question.pk},
            "intake:questions": {"pk": proposal.pk},
            "intake:question_section": {"pk": proposal.pk, "number": 1},
            "intake:proposal_create": {"pk": call.pk},
            "intake:proposal_detail": {"pk": proposal.pk},
            "intake:proposal_update": {"pk": proposal.pk},
            "intake:application": {"pk": proposal.pk},
            "intake:application_description": {"pk": proposal.pk},
            "intake:application_ip": {"pk": proposal.pk},
            "intake:application_outcomes": {"pk": proposal.pk},
            "intake:application_consortium": {"pk": proposal.pk},
            "intake:application_budget": {"pk": proposal.pk},
            "intake:member_add": {"pk": proposal.pk},
            "intake:member_create": {"pk": proposal.pk},
            "intake:member_remove": {"pk": proposal.pk, "member_pk": proposal.members.get(is_lead=True).pk},
            "intake:coapplicant_invite": {"pk": proposal.pk},
            "intake:coapplicant_remove": {
                "pk": proposal.pk,
                "coapplicant_pk": CoApplicant.objects.get(proposal=proposal).pk,
            },
            "intake:application_attachments": {"pk": proposal.pk},
            "intake:attachment_remove": {"pk": attachment.pk},
            "intake:attachment_download": {"pk": attachment.pk},
            "workflow:call_proposals": {"pk": call.pk},
            "intake:version_detail": {"pk": proposal.pk, "number": ProposalVersionFactory(proposal=proposal).number},
            "intake:version_compare": {"pk": proposal.pk},
            "intake:eligibility": {"pk": proposal.pk},
            "intake:eligibility_rules": {"pk": proposal.pk},
            "intake:eligibility_override_revoke": {"pk": proposal.pk, "override_pk": 1},
            "workflow:proposal_detail": {"pk": proposal.pk},
            "workflow:proposal_act": {"pk": proposal.pk, "action": "submit"},
            "assessment:declare": {"pk": assignment.pk},
            "assessment:respond": {"pk": assignment.pk},
            "assessment:review": {"pk": assignment.pk},
            "assessment:review_reopen": {"pk": Review.objects.create(assignment=assignment).pk},
            "assessment:results": {"pk": call.pk},
            "assessment:results_csv": {"pk": call.pk},
            "assessment:invitation": {"token": invitation.token},
            "assessment:rubric": {"pk": call.pk},
            "assessment:call_conflicts": {"pk": call.pk},
            "assessment:assignments": {"pk": call.pk},
            "assessment:assignment_proposal": {"pk": call.pk, "proposal_pk": proposal.pk},
            "assessment:assignment_plan_compute": {"pk": call.pk},
            "assessment:assignment_plan_accept": {"pk": call.pk, "plan_pk": 1},
            "assessment:assignment_plan_discard": {"pk": call.pk, "plan_pk": 1},
            "assessment:assignment_plan_pair_remove": {"pk": call.pk, "plan_pk": 1, "pair_pk": 1},
            "assessment:assignment_rule_create": {"pk": call.pk, "proposal_pk": proposal.pk},
            "assessment:assignment_rule_remove": {"pk": call.pk, "proposal_pk": proposal.pk, "rule_pk": 1},
            "assessment:assignment_withdraw": {"pk": call.pk, "assignment_pk": 1},
            "board:meeting_list": {"pk": call.pk},
            "board:meeting_create": {"pk": call.pk},
            "board:meeting_update": {"pk": meeting.pk},
            "board:meeting_send": {"pk": meeting.pk},
            "board:meeting_agenda_ready": {"pk": meeting.pk},
            "board:meeting_open_early": {"pk": meeting.pk},
            "board:meeting_agenda": {"pk": meeting.pk},
            "board:agenda_item_defer": {"pk": item.pk},
            "board:meeting_letters": {"pk": meeting.pk},
            "board:letter_edit": {"pk": letter.pk},
            "board:letters_release": {"pk": meeting.pk},
            "board:program_overview": {"pk": call.program_id},
            "board:call_program": {"pk": call.pk},
            "board:conflicts": {"pk": meeting.pk},
            "board:votes": {"pk": meeting.pk},
            "board:vote": {"pk": meeting.pk, "item_pk": item.pk},
            "board:decide": {"pk": meeting.pk, "item_pk": item.pk},
            "workflow:incident_update": {"pk": incident.pk},
            "workflow:incident_apply": {"pk": incident.pk},
            "workflow:extension_rule_update": {"pk": rule.pk},
            "workflow:disposals_preview": {"pk": call.program_id},
            "workflow:proposal_legal_hold": {"pk": proposal.pk},
            "workflow:call_legal_hold": {"pk": call.pk},
            "stewardship:close_confirm": {"token": account_closure_token(user=other_applicant)},
        }
    )


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """The fixtures' uploads go to a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def co_applicant() -> User:
    """An applicant the lead applicant invited to edit the proposal."""
    return user_with_role(Role.APPLICANT)


@pytest.fixture
def clients(
    applicant: User,
    co_applicant: User,
    other_applicant: User,
    staff: User,
    assessor: User,
    board_member: User,
    other_staff: User,
    other_board: User,
) -> dict[str, Client]:
    return {
        "other_staff": client_for(other_staff),
        "funder": client_for(UserFactory(role=Role.FUNDER, email="fran@example.com")),
        "other_board": client_for(other_board),
        "anonymous": client_for(None),
        "applicant": client_for(applicant),
        "co_applicant": client_for(co_applicant),
        "other_applicant": client_for(other_applicant),
        "staff": client_for(staff),
        "assessor": client_for(assessor),
        "board": client_for(board_member),
    }


def _outcome(response: Any) -> Expected:
    if response.status_code == 302:
        return Redirect(response.url)
    return response.status_code


def _expected_outcome(expected: Expected, url: str, login_url: str, kwargs: dict[str, Any]) -> Expected:
    if isinstance(expected, ToLogin):
        return Redirect(f"{login_url}?next={url}")
    if isinstance(expected, Redirect) and "{" in expected.target:
        return Redirect(expected.target.format(**kwargs))
    return expected


def test_permission_matrix_covers_every_url() -> None:
    missing = sorted(name for name, _route in URLS if not name.startswith("admin:") and name not in MATRIX)

    assert missing == [], f"URL patterns without a rule in the permission matrix: {', '.join(missing)}"


def test_permission_matrix_rules_name_every_persona() -> None:
    incomplete = sorted(name for name, rule in MATRIX.items() if set(rule) != set(PERSONAS))

    assert incomplete == []


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", [name for name, _route in URLS if name in MATRIX])
def test_permission_matrix_get(name: str, persona: str, objects: Objects, clients: dict[str, Client]) -> None:
    kwargs = objects.kwargs.get(name, {})
    url = reverse(name, kwargs=kwargs)

    response = clients[persona].get(url)

    expected = _expected_outcome(MATRIX[name][persona], url, reverse("accounts:login"), kwargs)
    assert _outcome(response) == expected, f"GET {url} as {persona}"


def _admin_sample_url(route: str) -> str:
    """Fill an admin route with sample arguments (the admin refuses before it looks them up)."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", route)
    route = route.replace("(?P<url>.*)", "nothing-here/")
    return "/" + re.sub(r"<[^>]+>", "1", route)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "route"), ADMIN_URLS, ids=[route for _name, route in ADMIN_URLS])
def test_permission_matrix_admin_closed_to_non_admins(
    name: str, route: str, persona: str, clients: dict[str, Client]
) -> None:
    url = _admin_sample_url(route)

    response = clients[persona].get(url)

    if name == "admin:login":
        # The admin signs in through the site's login (and its second factor); a signed-in user
        # without admin access is told so.
        expected: Expected = Redirect("/accounts/login/?next=/admin/") if persona == "anonymous" else 403
    elif name == "admin:logout":
        expected = Redirect("/admin/")
    else:
        expected = Redirect(f"/admin/login/?next={url}")
    assert _outcome(response) == expected, f"GET {url} as {persona}"


def test_permission_matrix_admin_open_to_superuser() -> None:
    client = client_for(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", LOGIN),
        ("other_applicant", 404),
        ("staff", 404),
        ("applicant", Redirect("/accounts/organizations/")),
    ],
)
def test_permission_matrix_membership_leave_post(
    persona: str, expected: Expected, objects: Objects, clients: dict[str, Client]
) -> None:
    url = reverse("accounts:membership_leave", kwargs=objects.kwargs["accounts:membership_leave"])

    response = clients[persona].post(url)

    assert _outcome(response) == _expected_outcome(expected, url, reverse("accounts:login"), {})


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", LOGIN),
        ("applicant", 404),
        ("staff", 404),
        ("other_applicant", Redirect("/accounts/organizations/")),
    ],
)
def test_permission_matrix_join_request_withdraw_post(
    persona: str, expected: Expected, objects: Objects, clients: dict[str, Client]
) -> None:
    url = reverse("accounts:join_request_withdraw", kwargs=objects.kwargs["accounts:join_request_withdraw"])

    response = clients[persona].post(url)

    assert _outcome(response) == _expected_outcome(expected, url, reverse("accounts:login"), {})


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("accounts:logout", {}, Redirect("/")),
        ("accounts:set_language", {"language": "en", "next": "/calls/"}, Redirect("/calls/")),
    ],
)
def test_permission_matrix_post_only_views_accept_post(
    name: str, data: dict[str, str], expected: Expected, persona: str, clients: dict[str, Client]
) -> None:
    response = clients[persona].post(reverse(name), data)

    assert _outcome(response) == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", LOGIN), ("applicant", Redirect("/accounts/profile/")), ("staff", 200)],
)
def test_permission_matrix_recovery_codes_post(persona: str, expected: Expected, clients: dict[str, Client]) -> None:
    url = reverse("accounts:second_factor_recovery_codes")

    response = clients[persona].post(url)

    assert _outcome(response) == _expected_outcome(expected, url, reverse("accounts:login"), {})


def _staff_only_posts(objects: Objects) -> Iterator[tuple[str, str]]:
    for name in (
        "intake:program_create",
        "intake:program_update",
        "intake:call_create",
        "intake:call_update",
        "intake:call_stages",
        "intake:eligibility_rules",
        "workflow:incident_create",
        "workflow:incident_update",
        "workflow:incident_apply",
        "workflow:extension_rule_create",
        "workflow:extension_rule_update",
        "board:meeting_agenda_ready",
        "board:meeting_open_early",
        "workflow:proposal_legal_hold",
        "workflow:call_legal_hold",
        "intake:eligibility_override_revoke",
        "intake:question_create",
        "intake:questions_copy",
        "intake:question_update",
        "intake:question_move",
        "intake:question_retire",
        "intake:question_delete",
    ):
        yield name, reverse(name, kwargs=objects.kwargs.get(name, {}))


@pytest.mark.parametrize("persona", ["applicant", "other_applicant", "assessor", "board"])
def test_permission_matrix_staff_forms_refuse_post(persona: str, objects: Objects, clients: dict[str, Client]) -> None:
    outcomes = {name: clients[persona].post(url, {}).status_code for name, url in _staff_only_posts(objects)}

    assert outcomes == dict.fromkeys(outcomes, 403)


def test_permission_matrix_staff_forms_of_another_program_answer_404(
    objects: Objects, clients: dict[str, Client]
) -> None:
    scoped = [(name, url) for name, url in _staff_only_posts(objects) if name in STAFF_SCOPED]
    outcomes = {name: clients["other_staff"].post(url, {}).status_code for name, url in scoped}

    assert len(outcomes) >= 5
    assert outcomes == dict.fromkeys(outcomes, 404)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", LOGIN),
        ("other_applicant", 404),
        ("assessor", 404),
        ("board", 404),
        ("staff", 403),
        ("other_staff", 404),
        ("other_board", 404),
        ("applicant", Redirect("/proposals/{pk}/")),
    ],
)
def test_permission_matrix_proposal_act_post(
    persona: str, expected: Expected, objects: Objects, clients: dict[str, Client]
) -> None:
    pk = objects.kwargs["intake:proposal_detail"]["pk"]
    url = reverse("workflow:proposal_act", kwargs={"pk": pk, "action": "withdraw"})

    response = clients[persona].post(url, {"withdraw-expected_state": "draft", "withdraw-reason": "Changed plans"})

    assert _outcome(response) == _expected_outcome(expected, url, reverse("accounts:login"), {"pk": pk})
