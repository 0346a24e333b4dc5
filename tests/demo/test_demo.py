"""The demo loads twice with the same result, each demo user can log in, and its proposals are valid."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.oath import totp

from accounts.choices import OrganizationType, Role
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import AssessorProfile, Assignment, Rubric
from board.models import BoardMeeting, Vote
from demo.seed import ASSESSED, IN_ASSESSMENT, REVIEWERS, demo_pdf
from intake.choices import CallPhase, QuestionKind, VersionKind
from intake.eligibility import CODES, codes
from intake.filetypes import sniff
from intake.lifecycle import unmet_conditions
from intake.models import Call, Program, ProgramMembership, ProgramRole, Proposal
from intake.selectors import call_committed, proposal_funding_requested
from intake.states import ProposalState
from projects.models import Claim, ClaimState, MilestoneState, Project, ProjectMilestone, Report, ReportState
from records.models import AuditRecord
from registry.models import Announcement, OrganizationProfile
from tests.browser import follow, forms_of, submit, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

CLUSTER_SLUGS = ("digital", "protein", "ngen", "scale-ai", "ocean")
CLUSTER_STAFF_EMAILS = [f"staff-{slug}@demo.clusterflow.ca" for slug in CLUSTER_SLUGS]
PROJECT_APPS = (
    "auth", "accounts", "records", "intake", "assessment", "board", "projects", "registry", "workflow", "otp_totp",
    "otp_static",
)  # fmt: skip


def _seed() -> str:
    out = StringIO()
    # As from a shell: an earlier request in this process may have left French active.
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Return every row of the project's models, so any change between runs shows."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }


def _logins(output: str) -> tuple[str, dict[str, str]]:
    (password,) = re.findall(r"Demo logins \(password: (\S+)\):", output)
    logins = dict(re.findall(r"^  (.+?)\s{2,}(\S+@\S+)$", output, flags=re.MULTILINE))
    return password, logins


def _code(output: str) -> str:
    """Return the code an authenticator app given the printed demo key shows now."""
    (key,) = re.findall(r"add the demo key ([A-Z2-7]+) to an authenticator app", output)
    return f"{totp(base64.b32decode(key)):06d}"


def _sign_in(output: str, role: str) -> tuple[Client, Any]:
    """Sign in as the printed login of ``role``, typing the demo authenticator's code when asked."""
    password, logins = _logins(output)
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": logins[role], "password": password}, follow=True)
    if response.request["PATH_INFO"] == reverse("accounts:second_factor_verify"):
        response = client.post(response.request["PATH_INFO"], {"code": _code(output)}, follow=True)
    return client, response


def test_seed_demo_twice_changes_nothing() -> None:
    first_output = _seed()
    after_first = _snapshot()

    second_output = _seed()

    assert first_output.startswith("Created: program digital, call digital/open-loi")
    assert "The demo is loaded already; nothing changed." not in first_output
    assert "The demo is loaded already; nothing changed." in second_output
    assert _snapshot() == after_first
    counts = {label: len(rows) for label, rows in after_first.items()}
    assert {
        label: counts[label]
        for label in (
            "accounts.User",
            "intake.Program",
            "intake.Call",
            "intake.Proposal",
            "intake.Attachment",
            "intake.Question",
            "assessment.Rubric",
            "assessment.Assignment",
            "assessment.Review",
            "board.BoardMeeting",
            "board.AgendaItem",
            "board.Vote",
            "projects.Project",
            "projects.ProjectPartner",
            "projects.Agreement",
            "projects.Signature",
            "projects.Claim",
            "projects.Report",
        )
    } == {
        "accounts.User": 21,  # with the IP manager, the partners' people and the two European members' people
        "intake.Program": 5,
        "intake.Call": 10,  # the first cluster's four, one open call per other cluster, and two shaped calls
        "intake.Proposal": 5,  # with the funded project's
        "intake.Attachment": 8,
        "intake.Question": 16,
        "assessment.Rubric": 2,
        "assessment.Assignment": 7,
        "assessment.Review": 6,
        "board.BoardMeeting": 2,  # the assessed proposal's, and the funded project's
        "board.AgendaItem": 2,
        "board.Vote": 2,  # both members' votes on the funded project
        "projects.Project": 1,
        "projects.ProjectPartner": 4,
        "projects.Agreement": 2,  # the funding agreement and the IP agreement
        "projects.Signature": 8,  # each partner's signatory signed both
        "projects.Claim": 1,
        "projects.Report": 1,
    }


def test_seed_demo_has_european_members_with_profiles_and_an_announcement() -> None:
    _seed()

    europeans = OrganizationProfile.objects.exclude(organization__country="CA")
    assert sorted(europeans.values_list("organization__country", flat=True)) == ["DE", "FR"]
    assert europeans.filter(is_cluster=True).count() == 1
    assert Announcement.objects.filter(closed_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("Applicant", "/applicant/"),
        ("Program staff", "/staff/"),
        ("Assessor", "/assessor/"),
        ("Board member", "/board/"),
        ("Django admin", "/accounts/dashboard/"),
        ("IP manager", "/registry/ip-manager/"),
    ],
)
def test_seed_demo_printed_login_lands_on_dashboard(role: str, landing: str) -> None:
    output = _seed()

    _client, response = _sign_in(output, role)

    assert response.status_code == 200
    assert response.request["PATH_INFO"] == landing
    assert len(_logins(output)[1]) == 15


@pytest.mark.parametrize("role", ["Program staff", "Staff of ocean", "Django admin"])
def test_seed_demo_staff_and_admin_are_asked_for_the_printed_key_s_code(role: str) -> None:
    password, logins = _logins(_seed())
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": logins[role], "password": password}, follow=True)

    assert response.request["PATH_INFO"] == reverse("accounts:second_factor_verify")


def test_seed_demo_cluster_staff_sees_their_program_and_not_another_s() -> None:
    output = _seed()
    protein = Program.objects.get(slug="protein")
    ocean = Program.objects.get(slug="ocean")

    client, response = _sign_in(output, "Staff of protein")
    own = client.get(reverse("intake:program_detail", args=[protein.pk]))
    other = client.get(reverse("intake:program_detail", args=[ocean.pk]))
    listed = client.get(reverse("intake:program_list"))

    assert response.request["PATH_INFO"] == "/staff/"
    assert own.status_code == 200
    assert other.status_code == 404
    assert list(listed.context["programs"].values_list("slug", flat=True)) == ["protein"]


def test_seed_demo_holds_each_cluster_staff_s_role_in_their_cluster_alone_and_the_funder_s_everywhere() -> None:
    _seed()

    grants = set(
        ProgramRole.objects.filter(user__email__in=[*CLUSTER_STAFF_EMAILS, "funder@demo.clusterflow.ca"]).values_list(
            "user__email", "role", "program__slug"
        )
    )

    assert grants == {
        *((f"staff-{slug}@demo.clusterflow.ca", Role.STAFF, slug) for slug in CLUSTER_SLUGS),
        ("funder@demo.clusterflow.ca", Role.FUNDER, None),
    }


def test_seed_demo_code_command_prints_the_demo_authenticator_s_code() -> None:
    output = _seed()
    out = StringIO()

    call_command("demo_code", stdout=out)

    assert out.getvalue().strip() == _code(output)


def test_seed_demo_admin_reaches_admin_site() -> None:
    client, _response = _sign_in(_seed(), "Django admin")

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200


def _applicant_proposal(slug: str, title: str | None = None) -> Proposal:
    proposals = Proposal.objects.filter(
        call__program__slug="digital", call__slug=slug, lead_applicant__email="applicant@demo.clusterflow.ca"
    )
    return proposals.get(title=title) if title else proposals.get()


def test_seed_demo_draft_loi_is_complete_in_the_open_call() -> None:
    _seed()

    draft = _applicant_proposal("open-loi")

    assert draft.state == ProposalState.DRAFT
    assert draft.call.phase() == CallPhase.LOI_OPEN
    assert draft.missing_for_submission() == []
    assert unmet_conditions(draft, "submit_loi") == []
    assert draft.versions.count() == 0


def test_seed_demo_invited_proposal_is_ready_to_submit(media_root: Path) -> None:
    _seed()

    invited = _applicant_proposal("applications")

    assert invited.state == ProposalState.INVITED
    assert invited.call.phase() == CallPhase.APPLICATIONS_OPEN
    members = list(invited.members.select_related("organization").order_by("-is_lead", "pk"))
    assert [(m.organization.legal_name, m.organization.kind, m.is_lead) for m in members] == [
        ("Northern Robotics Inc.", OrganizationType.SME, True),
        ("Laurentian Rail Corp.", OrganizationType.LARGE_COMPANY, False),
        ("Great Lakes Polytechnic", OrganizationType.POST_SECONDARY, False),
        ("Harbourview Analytics Inc.", OrganizationType.SME, False),
    ]
    found = invited.eligibility_checks()
    rules = invited.call.eligibility_rules("application")
    assert [(check.code, check.passed) for check in found] == [
        (code, True) for code in codes(rules, stage="application")
    ]
    assert set(CODES) <= {check.code for check in found}  # the former fields' checks are among its rules
    assert invited.missing_for_submission() == []
    assert unmet_conditions(invited, "submit_application") == []
    assert list(invited.milestones.values_list("month", flat=True)) == [8, 14, 24]
    assert invited.foreground_ip.count() == 2
    # The letter of intent was frozen, and the history is the actions', not written by hand.
    assert list(invited.versions.values_list("number", "kind")) == [(1, "loi")]
    assert list(AuditRecord.objects.filter(proposal=invited).order_by("pk").values_list("action", "to_state")) == [
        ("extend_deadline", ProposalState.DRAFT),
        ("submit_loi", ProposalState.LOI_SUBMITTED),
        ("invite", ProposalState.INVITED),
    ]
    kinds = {attachment.kind: attachment for attachment in invited.attachments.all()}
    assert sorted(kinds) == sorted(invited.call.required_attachment_kinds())
    for attachment in kinds.values():
        stored = Path(attachment.file.path)
        assert stored.is_relative_to(media_root)
        assert stored.read_bytes().startswith(b"%PDF-1.4")
        assert attachment.content_type == "application/pdf"


def test_seed_demo_applicant_submits_the_invited_proposal() -> None:
    password, logins = _logins(_seed())
    invited = _applicant_proposal("applications")
    client = Client()
    client.post(reverse("accounts:login"), {"username": logins["Applicant"], "password": password})

    response = client.post(
        reverse("workflow:proposal_act", args=[invited.pk, "submit_application"]),
        {"submit_application-expected_state": ProposalState.INVITED},
    )

    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.state == ProposalState.SUBMITTED
    assert list(invited.versions.values_list("number", "kind")) == [(1, "loi"), (2, "application")]
    assert "The demo is loaded already; nothing changed." in _seed()


def test_seed_demo_assessor_has_a_profile_and_an_undeclared_offer_in_the_call_under_review() -> None:
    _seed()

    profile = AssessorProfile.objects.get(user__email="assessor@demo.clusterflow.ca")
    in_assessment = _applicant_proposal("in-review", IN_ASSESSMENT["title"])
    (assignment,) = Assignment.objects.filter(assessor=profile.user)

    assert (profile.sectors, profile.keywords, profile.max_assignments_per_call) == (
        ["advanced_manufacturing", "artificial_intelligence", "transportation"],
        ["robotics", "non-destructive testing", "computer vision"],
        5,
    )
    rubric = Rubric.objects.get(call=in_assessment.call)
    assert (rubric.stage, rubric.assessors_per_proposal, rubric.criteria.count()) == ("application", 3, 5)
    assert in_assessment.state == ProposalState.IN_ASSESSMENT
    assert in_assessment.call.phase() == CallPhase.IN_REVIEW
    assert list(in_assessment.versions.values_list("number", "kind")) == [(1, "loi"), (2, "application")]
    assert list(
        AuditRecord.objects.filter(proposal=in_assessment).order_by("pk").values_list("action", "to_state")
    ) == [
        ("extend_deadline", ProposalState.DRAFT),
        ("submit_loi", ProposalState.LOI_SUBMITTED),
        ("invite", ProposalState.INVITED),
        ("extend_deadline", ProposalState.INVITED),
        ("submit_application", ProposalState.SUBMITTED),
        ("start_assessment", ProposalState.IN_ASSESSMENT),
    ]
    assert (assignment.proposal, assignment.state, assignment.no_conflict_declared_at, assignment.rubric) == (
        in_assessment,
        AssignmentState.OFFERED,
        None,
        rubric,
    )
    assert assignment.due_at == in_assessment.call.review_due_at


def test_seed_demo_assessor_declares_accepts_and_opens_the_review() -> None:
    password, logins = _logins(_seed())
    client = Client()
    client.post(reverse("accounts:login"), {"username": logins["Assessor"], "password": password})
    assignment = Assignment.objects.get(assessor__email="assessor@demo.clusterflow.ca")
    declare_url = reverse("assessment:declare", kwargs={"pk": assignment.pk})

    dashboard = client.get(reverse("assessment:dashboard"))
    declared = client.post(declare_url, {"answer": "none", "nature": ""})
    accepted = client.post(reverse("assessment:respond", kwargs={"pk": assignment.pk}), {"answer": "accept"})
    review = client.get(reverse("assessment:review", kwargs={"pk": assignment.pk}))

    assert declare_url in dashboard.content.decode()
    assert "Robotic hull inspection for port cranes" in dashboard.content.decode()
    # Declaring no conflict leads to the assignment, to accept it and read the proposal.
    assert (declared.status_code, declared.url) == (302, reverse("assessment:respond", kwargs={"pk": assignment.pk}))
    assert (accepted.status_code, accepted.url) == (302, reverse("assessment:review", kwargs={"pk": assignment.pk}))
    assert review.status_code == 200
    assert "Robots climb port cranes and scan their welds" in review.content.decode()


def test_seed_demo_assessed_proposal_was_reviewed_through_each_reviewers_steps() -> None:
    _seed()

    assessed = _applicant_proposal("in-review", ASSESSED["title"])
    assignments = list(
        Assignment.objects.filter(proposal=assessed).select_related("assessor", "review").order_by("assessor__email")
    )

    assert assessed.call.phase() == CallPhase.IN_REVIEW
    assert list(AuditRecord.objects.filter(proposal=assessed).order_by("pk").values_list("action", "to_state")) == [
        ("extend_deadline", ProposalState.DRAFT),
        ("submit_loi", ProposalState.LOI_SUBMITTED),
        ("invite", ProposalState.INVITED),
        ("extend_deadline", ProposalState.INVITED),
        ("submit_application", ProposalState.SUBMITTED),
        ("start_assessment", ProposalState.IN_ASSESSMENT),
        ("complete_assessment", ProposalState.ASSESSED),
        ("send_to_board", ProposalState.BOARD_REVIEW),
    ]
    assert assessed.required_reviews_missing() == 0
    rubric = Rubric.objects.get(call=assessed.call)
    assert [a.assessor.email for a in assignments] == [email for email, _name, _language in REVIEWERS]
    assert len(assignments) == rubric.assessors_per_proposal
    for assignment in assignments:
        assert AssessorProfile.objects.filter(user=assignment.assessor).exists()
        assert assignment.assessor.check_password("clusterflow-demo")
        assert assignment.state == AssignmentState.ACCEPTED
        assert assignment.no_conflict_declared_at is not None
        assert assignment.review.state == ReviewState.SUBMITTED
        assert assignment.review.overall_comment
        scores = list(assignment.review.scores.order_by("criterion__position"))
        assert len(scores) == rubric.criteria.count()
        assert all(score.value is not None and score.comment for score in scores)
    # The demo assessor's own offer on the other proposal is untouched.
    assert list(Assignment.objects.filter(assessor__email="assessor@demo.clusterflow.ca").values_list("state")) == [
        (AssignmentState.OFFERED,)
    ]


def test_seed_demo_board_meeting_of_the_call_under_review_has_the_assessed_proposal() -> None:
    _seed()

    assessed = _applicant_proposal("in-review", ASSESSED["title"])
    (meeting,) = BoardMeeting.objects.filter(items__proposal=assessed)

    assert meeting.call == assessed.call
    assert timezone.now() + timedelta(days=5) < meeting.held_at < meeting.call.board_meeting_at
    assert meeting.quorum == 1
    assert meeting.chair.email == "board@demo.clusterflow.ca"
    assert sorted(meeting.members.values_list("email", flat=True)) == [
        "board2@demo.clusterflow.ca",
        "board@demo.clusterflow.ca",
    ]
    assert list(meeting.items.values_list("proposal", "deferred_to")) == [(assessed.pk, None)]
    assert assessed.state == ProposalState.BOARD_REVIEW
    assert call_committed(call=meeting.call) + proposal_funding_requested(proposal=assessed) <= (
        meeting.call.funding_envelope
    )
    second = Client()
    response = second.post(
        reverse("accounts:login"),
        {"username": "board2@demo.clusterflow.ca", "password": "clusterflow-demo"},
        follow=True,
    )
    assert response.request["PATH_INFO"] == "/board/"


def test_seed_demo_board_member_reads_the_agenda_votes_and_decides_as_chair() -> None:
    password, logins = _logins(_seed())
    client = Client()
    client.post(reverse("accounts:login"), {"username": logins["Board member"], "password": password})
    meeting = BoardMeeting.objects.get(items__proposal__title=ASSESSED["title"])
    (item,) = meeting.items.all()
    title = ASSESSED["title"]

    agenda = client.get(reverse("board:meeting_agenda", kwargs={"pk": meeting.pk}))
    votes_page = client.get(reverse("board:votes", kwargs={"pk": meeting.pk}))
    vote_url = reverse("board:vote", kwargs={"pk": meeting.pk, "item_pk": item.pk})
    voted = follow(
        client, submit(client, client.get(vote_url), values={"choice": "approve", "comment": "Strong reviews."})
    )
    decide_page = client.get(reverse("board:decide", kwargs={"pk": meeting.pk, "item_pk": item.pk}))
    (approve,) = [form for form in forms_of(decide_page) if form.buttons.get("decision") == "approve"]
    decided = client.post(
        approve.action,
        {
            **approve.fields,
            "decision": "approve",
            approve.name_of("approve-rationale"): "Well reviewed, within the envelope.",
        },
    )

    assert agenda.status_code == 200
    assert title in text_of(agenda)
    assert vote_url in votes_page.content.decode()
    assert f"Your vote on “{title}” is recorded." in text_of(voted)
    assert list(Vote.objects.filter(item=item).values_list("member__email", "choice", "comment")) == [
        ("board@demo.clusterflow.ca", "approve", "Strong reviews.")
    ]
    assert decide_page.status_code == 200
    assert decided.status_code == 302, text_of(decided)[:2000]
    proposal = Proposal.objects.get(pk=item.proposal_id)
    assert proposal.state == ProposalState.APPROVED
    assert proposal_funding_requested(proposal=proposal) == Decimal("2000000.00")
    assert "The demo is loaded already; nothing changed." in _seed()


def test_demo_pdf_is_a_pdf_whose_cross_references_point_at_its_objects() -> None:
    data = demo_pdf("Project plan (draft)")

    kind = sniff(data)
    assert kind is not None
    assert kind.extension == "pdf"
    startxref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[startxref:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n", data[startxref:])
    assert [data[int(offset) :].split(b"\n", 1)[0] for offset in offsets] == [
        b"%d 0 obj" % number for number in range(1, 6)
    ]
    assert data.endswith(b"%%EOF\n")


def test_seed_demo_shaped_calls_ask_their_questions_at_their_stages() -> None:
    _seed()
    protein = Call.objects.get(program__slug="protein", slug="three-stages-2027")
    ngen = Call.objects.get(program__slug="ngen", slug="by-size-2027")

    protein_questions = list(protein.questions.order_by("position"))
    ngen_questions = list(ngen.questions.order_by("position"))

    assert [(q.stage, q.kind, q.must_hold) for q in protein_questions] == [
        *[(VersionKind.QUESTIONNAIRE, QuestionKind.YES_NO, True)] * 4,
        (VersionKind.LOI, QuestionKind.LONG_TEXT, None),
        (VersionKind.LOI, QuestionKind.TABLE, None),
    ]
    assert (protein_questions[4].page_limit, protein_questions[5].max_rows) == (2, 10)
    assert [column["kind"] for column in protein_questions[5].columns] == ["text", "text", "money"]
    assert {(q.stage, q.kind, q.word_limit) for q in ngen_questions} == {
        (VersionKind.APPLICATION, QuestionKind.LONG_TEXT, 900)
    }
    assert len(ngen_questions) == 10
    assert all(q.label_fr for q in protein_questions + ngen_questions)
    assert Rubric.objects.get(call=protein, stage=VersionKind.LOI).assessors_per_proposal == 2


def test_seed_demo_makes_every_demo_consortium_a_member_of_its_program() -> None:
    _seed()

    proposals = list(Proposal.objects.select_related("call__program"))
    partners = [
        partner
        for proposal in proposals
        if proposal.stage.kind == VersionKind.APPLICATION
        for partner in proposal.eligibility_application(VersionKind.APPLICATION).partners
    ]

    assert partners
    assert all(partner.member for partner in partners)
    assert ProgramMembership.objects.filter(program__slug="digital").exists()
    assert AuditRecord.objects.filter(program__isnull=False, action="membership_add").count() == (
        ProgramMembership.objects.count()
    )


def test_seed_demo_holds_one_active_project_signed_by_each_partner_with_a_paid_claim_and_an_accepted_report() -> None:
    _seed()

    (project,) = Project.objects.select_related("proposal")
    proposal = project.proposal
    partners = list(project.partners.select_related("organization", "signatory").order_by("pk"))
    (claim,) = Claim.objects.filter(project=project)
    (report,) = Report.objects.filter(project=project)
    accepted = list(ProjectMilestone.objects.filter(project=project, state=MilestoneState.ACCEPTED))

    assert proposal.state == ProposalState.ACTIVE
    assert (proposal.call.slug, proposal.lead_applicant.email) == ("in-review", "applicant@demo.clusterflow.ca")
    assert project.started_on == timezone.localdate()
    assert project.amount == proposal.approved_amount == Decimal("1800000.00")
    assert project.amount < proposal_funding_requested(proposal=proposal)
    # Its own meeting, opened early, released; both members voted.
    (meeting,) = BoardMeeting.objects.filter(items__proposal=proposal)
    assert meeting.opened_early_at is not None
    assert meeting.decisions_released_at is not None
    assert Vote.objects.filter(item__proposal=proposal).count() == 2
    # Each partner's signatory is one of its people and signed both current agreements.
    assert len(partners) == 4
    for partner in partners:
        assert partner.signatory.memberships.filter(organization=partner.organization).exists()
        assert partner.signatory.check_password("clusterflow-demo")
        assert sorted(partner.signatures.values_list("agreement__kind", flat=True)) == sorted(
            project.agreements.filter(superseded_at__isnull=True).values_list("kind", flat=True)
        )
    assert project.agreements.filter(superseded_at__isnull=True).count() == 2
    # The history is the actions': approved, contracting, activated by Clusterflow at the last signature.
    states = list(AuditRecord.objects.filter(proposal=proposal, action__in=["approve", "start_contracting",
                                                                             "activate"]).order_by("pk")
                  .values_list("action", "to_state", "actor"))  # fmt: skip
    assert states == [
        ("approve", ProposalState.APPROVED, meeting.chair_id),
        ("start_contracting", ProposalState.CONTRACTING, User.objects.get(email="staff@demo.clusterflow.ca").pk),
        ("activate", ProposalState.ACTIVE, None),
    ]
    # The claim: the first quarter's, cash and in kind, paid in full.
    assert (claim.partner.organization.legal_name, claim.period, claim.state) == (
        "Northern Robotics Inc.", 1, ClaimState.PAID
    )  # fmt: skip
    assert claim.lines.filter(cash__gt=0).exists()
    assert claim.lines.filter(in_kind__gt=0).exists()
    assert claim.paid_amount == claim.approved_amount == claim.payable > 0
    assert project.paid == claim.paid_amount
    # The first milestone accepted, the first quarter's report accepted with its jobs, revenue and IP right.
    assert [milestone.month for milestone in accepted] == [3]
    assert (report.period, report.state, report.final) == (1, ReportState.ACCEPTED, False)
    assert report.jobs_created > 0
    assert report.revenue > 0
    assert report.ip_rights.count() == 1
