"""The demo loads twice with the same result, each demo user can log in, and its proposals are valid."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.choices import OrganizationType
from assessment.choices import AssignmentState
from assessment.models import AssessorProfile, Assignment, Rubric
from intake.choices import CallPhase
from intake.eligibility import CODES
from intake.filetypes import sniff
from intake.models import Proposal
from workflow.demo import demo_pdf
from workflow.lifecycle import unmet_conditions
from workflow.models import AuditRecord
from workflow.states import ProposalState

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("auth", "accounts", "intake", "assessment", "workflow")


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    # The demo's invited proposal carries real uploaded documents.
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


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
        for label in ("accounts.User", "intake.Program", "intake.Call", "intake.Proposal", "intake.Attachment")
    } == {
        "accounts.User": 5,
        "intake.Program": 5,
        "intake.Call": 8,
        "intake.Proposal": 3,
        "intake.Attachment": 4,
    }


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("Applicant", "/applicant/"),
        ("Program staff", "/staff/"),
        ("Assessor", "/assessor/"),
        ("Board member", "/board/"),
        ("Django admin", "/accounts/dashboard/"),
    ],
)
def test_seed_demo_printed_login_lands_on_dashboard(role: str, landing: str) -> None:
    password, logins = _logins(_seed())
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": logins[role], "password": password}, follow=True)

    assert response.status_code == 200
    assert response.request["PATH_INFO"] == landing
    assert len(logins) == 5


def test_seed_demo_admin_reaches_admin_site() -> None:
    password, logins = _logins(_seed())
    client = Client()
    client.post(reverse("accounts:login"), {"username": logins["Django admin"], "password": password})

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200


def _applicant_proposal(slug: str) -> Proposal:
    return Proposal.objects.get(
        call__program__slug="digital", call__slug=slug, lead_applicant__email="applicant@demo.clusterflow.ca"
    )


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
    assert [(check.code, check.passed) for check in invited.eligibility_checks()] == [(code, True) for code in CODES]
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
    assert sorted(kinds) == sorted(invited.call.required_attachments)
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
    in_assessment = _applicant_proposal("in-review")
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
    assert (declared.status_code, declared.url) == (302, reverse("assessment:dashboard"))
    assert (accepted.status_code, accepted.url) == (302, reverse("assessment:review", kwargs={"pk": assignment.pk}))
    assert review.status_code == 200
    assert "Robots climb port cranes and scan their welds" in review.content.decode()


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
