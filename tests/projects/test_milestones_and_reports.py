"""Milestones marked done with evidence and reviewed; reports written, validated, reviewed; the close guard."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from intake.choices import QuestionKind, QuestionStage
from intake.models import Proposal
from projects.models import (
    MilestoneEvidence,
    MilestoneState,
    Project,
    ProjectMilestone,
    ProjectPartner,
    Report,
    ReportState,
)
from projects.selectors import project_facts, reported_ip_rights_accepted
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProjectFactory, QuestionFactory, UserFactory
from tests.intake.samples import pdf
from workflow import actions
from workflow import project_reports as services
from workflow.actions.base import ConditionsNotMet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def project() -> Project:
    """An active project started 200 days ago, with one milestone (month 2) and one partner besides its lead."""
    project = ProjectFactory(started_on=timezone.localdate() - timedelta(days=200))
    ProjectMilestone.objects.create(project=project, title="Prototype", month=2, due_on=timezone.localdate())
    return project


@pytest.fixture
def partner_person(project: Project) -> User:
    """A person of the project's lead partner's organization, holding no role."""
    person = UserFactory(email="pat@example.com")
    MembershipFactory(user=person, organization=ProjectPartner.objects.filter(project=project).first().organization)
    return person


def _milestone(project: Project) -> ProjectMilestone:
    return ProjectMilestone.objects.get(project=project, title="Prototype")


def _pdf_upload(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf(), content_type="application/pdf")


# --- Milestones ----------------------------------------------------------------------------------


def test_milestone_done_with_evidence_then_accepted(project: Project, partner_person: User, staff: User) -> None:
    milestone = _milestone(project)

    completion = services.milestone_mark_done(
        milestone=milestone, by=partner_person, note="Prototype built.", uploads=[_pdf_upload()]
    )
    services.milestone_accept(milestone=milestone, by=staff, message="Well done.")

    milestone.refresh_from_db()
    assert (milestone.state, milestone.accepted_by) == (MilestoneState.ACCEPTED, staff)
    evidence = MilestoneEvidence.objects.get(completion=completion)
    assert (evidence.original_name, evidence.content_type) == ("report.pdf", "application/pdf")
    actions_done = AuditRecord.objects.filter(proposal=project.proposal).values_list("action", flat=True)
    assert list(actions_done.order_by("pk")) == [
        "milestone_done", "milestone_accept",
    ]  # fmt: skip
    assert Notification.objects.filter(event=Event.MILESTONE_DONE, recipient=staff, channel=Channel.EMAIL).exists()
    assert Notification.objects.filter(
        event=Event.MILESTONE_ACCEPTED, recipient=partner_person, channel=Channel.EMAIL
    ).exists()


def test_milestone_sent_back_is_planned_again_with_the_message(
    project: Project, partner_person: User, staff: User
) -> None:
    milestone = _milestone(project)
    services.milestone_mark_done(milestone=milestone, by=partner_person, note="Done.")

    with pytest.raises(ValidationError):
        services.milestone_send_back(milestone=milestone, by=staff, message="  ")
    services.milestone_send_back(milestone=milestone, by=staff, message="Attach the test report.")

    milestone.refresh_from_db()
    assert (milestone.state, milestone.done_at) == (MilestoneState.PLANNED, None)
    completion = milestone.completions.get()
    assert (completion.outcome, completion.message) == ("sent_back", "Attach the test report.")
    notification = Notification.objects.get(
        event=Event.MILESTONE_SENT_BACK, recipient=partner_person, channel=Channel.EMAIL
    )
    assert notification.context["reason"] == "Attach the test report."


def test_milestone_evidence_is_checked_like_an_attachment(project: Project, partner_person: User) -> None:
    fake = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a document", content_type="application/pdf")

    with pytest.raises(ValidationError) as refused:
        services.milestone_mark_done(milestone=_milestone(project), by=partner_person, note="Done.", uploads=[fake])

    assert "files" in refused.value.message_dict
    assert _milestone(project).state == MilestoneState.PLANNED
    assert not MilestoneEvidence.objects.exists()


def test_milestone_done_twice_is_stale_and_outsiders_are_refused(
    project: Project, partner_person: User, other_applicant: User, staff: User
) -> None:
    milestone = _milestone(project)
    with pytest.raises(ActionForbidden):
        services.milestone_mark_done(milestone=milestone, by=other_applicant, note="Done.")
    services.milestone_mark_done(milestone=milestone, by=partner_person, note="Done.")

    with pytest.raises(StaleAction):
        services.milestone_mark_done(milestone=milestone, by=partner_person, note="Again.")
    with pytest.raises(ActionForbidden):
        services.milestone_accept(milestone=milestone, by=partner_person)


def test_evidence_downloads_only_for_the_projects_readers(
    project: Project, partner_person: User, other_applicant: User
) -> None:
    completion = services.milestone_mark_done(
        milestone=_milestone(project), by=partner_person, note="Done.", uploads=[_pdf_upload()]
    )
    evidence = completion.evidence.get()
    url = reverse("projects:evidence_download", args=[evidence.pk])

    assert client_for(partner_person).get(url).status_code == 200
    assert client_for(other_applicant).get(url).status_code == 404


# --- Reports -------------------------------------------------------------------------------------


def _report_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "jobs_created": "3.5",
        "jobs_maintained": "10",
        "jobs_women": "",
        "jobs_underrepresented": "",
        "revenue": "125000.00",
        "follow_on_investment": "0",
        "smes_scaled": "1",
        "new_products": "2",
        "participants": "3",
        "risks": "Supply of sensors.",
        "ip-TOTAL_FORMS": "2",
        "ip-INITIAL_FORMS": "0",
        "ip-MIN_NUM_FORMS": "0",
        "ip-MAX_NUM_FORMS": "50",
    }
    data.update(overrides)
    return data


def test_report_rejects_negative_figures_and_keeps_what_was_typed(project: Project, partner_person: User) -> None:
    report = services.report_create(project=project, by=partner_person, period=1)
    client = client_for(partner_person)
    url = reverse("projects:report_edit", args=[project.pk, report.pk])

    response = client.post(url, _report_post(jobs_created="-2", revenue="-5", smes_scaled="-1"))

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"jobs_created", "revenue", "smes_scaled"}
    assert (
        'value="Supply of sensors."' in response.content.decode() or "Supply of sensors." in response.content.decode()
    )
    report.refresh_from_db()
    assert report.jobs_created == Decimal("0")


def test_report_diversity_figures_are_optional_but_not_above_the_jobs(project: Project, partner_person: User) -> None:
    report = services.report_create(project=project, by=partner_person, period=1)
    client = client_for(partner_person)
    url = reverse("projects:report_edit", args=[project.pk, report.pk])

    assert client.post(url, _report_post()).status_code == 302
    report.refresh_from_db()
    assert (report.jobs_created, report.jobs_women, report.jobs_underrepresented) == (Decimal("3.50"), None, None)

    response = client.post(url, _report_post(jobs_women="20", loaded_at=report.updated_at.isoformat()))
    assert response.status_code == 400
    assert "jobs_women" in response.context["form"].errors


def test_report_with_an_ip_right_review_cycle_and_reported_rights(
    project: Project, partner_person: User, staff: User
) -> None:
    partner = ProjectPartner.objects.filter(project=project).first()
    report = services.report_create(project=project, by=partner_person, period=1)
    client = client_for(partner_person)
    url = reverse("projects:report_edit", args=[project.pk, report.pk])
    post = _report_post(**{"ip-0-title": "Sensor fusion method", "ip-0-kind": "patent", "ip-0-status": "filed",
                           "ip-0-owners": [str(partner.pk)], "submit": "1"})  # fmt: skip

    assert client.post(url, post).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert report.milestones["frozen"][0]["title"] == "Prototype"
    assert not reported_ip_rights_accepted(projects=Project.objects.filter(pk=project.pk)).exists()

    services.report_request_changes(report=report, by=staff, message="Give the revenue's source.")
    report.refresh_from_db()
    assert (report.state, report.staff_message) == (ReportState.CHANGES_REQUESTED, "Give the revenue's source.")
    services.report_submit(report=report, by=partner_person)
    services.report_accept(report=report, by=staff)

    rights = list(reported_ip_rights_accepted(projects=Project.objects.filter(pk=project.pk)))
    assert [(right.title, right.kind, [owner.pk for owner in right.owners.all()]) for right in rights] == [
        ("Sensor fusion method", "patent", [partner.pk])
    ]
    assert list(
        AuditRecord.objects.filter(proposal=project.proposal).values_list("action", flat=True).order_by("pk")
    ) == ["report_submit", "report_request_changes", "report_submit", "report_accept"]
    with pytest.raises(StaleAction):
        services.report_accept(report=report, by=staff)


def test_one_report_per_period_and_only_started_periods(project: Project, partner_person: User) -> None:
    services.report_create(project=project, by=partner_person, period=1)

    with pytest.raises(ValidationError):
        services.report_create(project=project, by=partner_person, period=1)
    with pytest.raises(ValidationError):
        services.report_create(project=project, by=partner_person, period=40)


def test_report_questions_are_answered_and_frozen(project: Project, partner_person: User, staff: User) -> None:
    question = QuestionFactory(
        call=project.proposal.call, stage=QuestionStage.REPORT, kind=QuestionKind.SHORT_TEXT,
        label_en="Main customer?", label_fr="Client principal?", required=True,
    )  # fmt: skip
    report = services.report_create(project=project, by=partner_person, period=1)

    with pytest.raises(Exception, match="Main customer"):
        services.report_submit(report=report, by=partner_person)
    client_for(partner_person).post(
        reverse("projects:report_edit", args=[project.pk, report.pk]),
        _report_post(**{f"answers-q{question.pk}": "Acme Rail"}),
    )
    services.report_submit(report=Report.objects.get(pk=report.pk), by=partner_person)
    question.label_en = "Reworded"
    question.save()

    report.refresh_from_db()
    assert [(item["label_en"], item["value"]) for item in report.questions] == [("Main customer?", "Acme Rail")]


def test_a_report_question_cannot_ask_for_a_file(project: Project) -> None:
    question = QuestionFactory.build(call=project.proposal.call, stage=QuestionStage.REPORT, kind=QuestionKind.FILE,
                                     file_types=["pdf"])  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        question.clean()

    assert "kind" in refused.value.message_dict


# --- The final report and the close guard -------------------------------------------------------


def _final_accepted(project: Project, partner_person: User, staff: User) -> Report:
    report = services.report_create(project=project, by=partner_person, period=1, final=True)
    services.report_submit(report=report, by=partner_person)
    return services.report_accept(report=report, by=staff)


def test_the_final_report_waits_for_closing_and_meets_the_close_guard(
    project: Project, partner_person: User, staff: User
) -> None:
    with pytest.raises(Exception, match="closing"):
        services.report_create(project=project, by=partner_person, period=1, final=True)
    actions.proposal_start_closing(proposal=project.proposal, by=staff)
    facts = Proposal.objects.annotate(**project_facts()).get(pk=project.proposal_id)
    assert facts.project_final_report_accepted is False  # type: ignore[attr-defined]

    _final_accepted(project, partner_person, staff)

    facts = Proposal.objects.annotate(**project_facts()).get(pk=project.proposal_id)
    assert facts.project_final_report_accepted is True  # type: ignore[attr-defined]
    # The report half of the guard is met: only the final claim (built elsewhere) is left unmet.
    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_close(proposal=project.proposal, by=staff)
    assert "final claim" in str(refused.value)
    assert "final report" not in str(refused.value)


def test_staff_page_offers_close_and_says_what_it_waits_for(project: Project, staff: User) -> None:
    actions.proposal_start_closing(proposal=project.proposal, by=staff)

    response = client_for(staff).get(reverse("workflow:proposal_detail", args=[project.proposal_id]))

    content = response.content.decode()
    assert "Close the project" in content
    assert "The final report is not accepted yet." in content


def test_project_facts_is_one_annotation_without_per_row_queries(
    django_assert_num_queries: Any, project: Project
) -> None:
    ProjectFactory.create_batch(3)

    with django_assert_num_queries(1):
        rows = list(Proposal.objects.annotate(**project_facts()).values_list("pk", "project_final_report_accepted"))

    assert len(rows) >= 4
    assert set(project_facts()) == {
        "project_signatures_missing",
        "project_final_claim_paid",
        "project_final_report_accepted",
    }


def test_reports_start_from_the_projects_start(project: Project) -> None:
    from projects.reporting import project_period

    period = project_period(started_on=date(2027, 1, 31), months=3, number=2)

    assert (period.starts_on, period.ends_on) == (date(2027, 4, 30), date(2027, 7, 30))
