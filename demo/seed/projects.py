"""Seed the demo's funded project: a second assessed proposal of the call under review, approved and active.

Every step goes through the services and actions the pages use, so its history, audit
records and notifications are real:

- the proposal is built and assessed as ``demo.seed.reviews`` builds its assessed one
  (``assessed_build``), with its own title, texts and reviews;
- it goes to a board meeting of its own, planned ahead and opened early as
  ``demo.seed.meeting`` does; both members vote and the chair approves it for less than
  its request; staff release the meeting's decisions (the letters go out);
- staff start contracting, which drafts the funding and IP agreements; the lead applicant
  names each partner's signatory (the demo applicant for Northern Robotics, Laurentian
  Rail's person, and one person each of the polytechnic and of Harbourview Analytics), and
  each signs both agreements with the demo password; Clusterflow activates the project at
  the last signature, so it starts on the day the demo loads;
- Northern Robotics claims the first quarter (cash and in kind, with an accountant's
  report), which staff approve for its computed payable and pay; the first milestone is
  marked done with its evidence and accepted; the first quarter's progress report (jobs,
  revenue, one IP right) is submitted and accepted.

The project starts when the demo loads, so its first quarter has begun but not ended: the
services let a partner claim and report a period once it has begun (``claim_create``,
``report_create``), which is what the demo shows. No service moves a project's start date
back, so none is faked.

Found by its call and title: when the proposal exists, nothing here runs again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.choices import Role
from accounts.errors import DomainError
from accounts.models import Membership, Organization, User
from assessment.choices import Confidence, Recommendation
from board.models import AgendaItem, BoardMeeting, VoteChoice
from board.services.letters import meeting_decisions_release
from board.services.meetings import meeting_agenda_ready, meeting_create, meeting_open_early
from board.services.votes import vote_cast
from demo.seed.common import DemoSummary, demo_window
from demo.seed.meeting import DEMO_OPENING_REASON, _send_to_board
from demo.seed.people import DEMO_PASSWORD, REVIEWERS, SECOND_BOARD_MEMBER, DemoPeople, demo_user
from demo.seed.proposals import _DemoUpload, demo_pdf, fresh
from demo.seed.registry import RAIL_MEMBER
from demo.seed.reviews import assessed_build
from intake.choices import CostCategory, Sector
from intake.models import Call, Proposal
from intake.services.application import MilestoneData
from intake.states import ProposalState
from projects.models import (
    Agreement,
    Claim,
    EvidenceKind,
    IPKind,
    IPStatus,
    Project,
    ProjectMilestone,
    ProjectPartner,
    Report,
)
from projects.signing import signatory_name
from workflow.actions import proposal_approve, proposal_start_contracting
from workflow.claims import (
    claim_approve,
    claim_create,
    claim_evidence_upload,
    claim_lines_save,
    claim_pay,
    claim_submit,
)
from workflow.project_reports import (
    IPRightRow,
    milestone_accept,
    milestone_mark_done,
    report_accept,
    report_create,
    report_questions,
    report_save,
    report_submit,
)
from workflow.signing import agreement_sign_and_activate

FUNDED: dict[str, Any] = {
    "title": "Winter-proof rail switch heating with predictive control",
    "summary": "Switch heaters that start before the snow does, from the weather forecast and the rail's sensors.",
    "challenge": "Frozen switches stop trains every winter; heaters run all season or too late, wasting energy.",
    "technology": "Rail-temperature sensors at each switch, and a model that starts the heaters from the forecast.",
    "expected_partners": "A rail operator, a polytechnic and an analytics SME.",
    "estimated_total_cost": Decimal("5600000.00"),
    "estimated_funding_requested": Decimal("2000000.00"),
    "sectors": [Sector.TRANSPORTATION, Sector.ARTIFICIAL_INTELLIGENCE],
    "keywords": ["rail switches", "predictive control", "energy efficiency"],
}

SWITCH_TEXTS: dict[str, Any] = {
    "project_description": (
        "A rail switch that freezes stops every train behind it, and its heaters run all winter or start too "
        "late. The consortium fits each switch with sensors and a controller that starts the heater from the "
        "forecast and the rail's temperature, so switches stay clear with a third of the energy."
    ),
    "work_plan": (
        "Northern Robotics builds the sensors and the controller; Great Lakes Polytechnic trains the model on "
        "Laurentian Rail's switch failures and weather records; Harbourview Analytics builds the dispatchers' "
        "view; Laurentian Rail equips forty switches of its busiest yard and measures the delays avoided."
    ),
    "milestones": [
        MilestoneData(title="Controller heats a test switch", description="A test report on a cold day.", month=3),
        MilestoneData(title="Model validated on two winters", description="Forecast accuracy report.", month=12),
        MilestoneData(title="Forty switches in service", description="A winter report with the operator.", month=24),
    ],
    "patent": "The controller's rail-temperature probe.",
    "software": "The predictive heating model.",
}

# The three reviewers' scores of the default rubric's five criteria, then recommendation, confidence, comment.
SWITCH_REVIEWS: list[tuple[list[tuple[int, str]], str, str, str]] = [
    (
        [
            (5, "Each frozen switch avoided saves hours of delays; the energy saved pays the sensors back fast."),
            (4, "Predictive control of heaters is new for rail; the sensors are proven."),
            (4, "The operator equips its busiest yard; the SME knows dispatch systems."),
            (4, "Ownership of the probe and the model is clear."),
            (5, "A test switch in the first quarter: the risk is faced early."),
        ],
        Recommendation.FUND,
        Confidence.HIGH,
        "A practical project with savings the operator can measure in its first winter.",
    ),
    (
        [
            (4, "Other railways and transit systems have the same problem; the market is wide."),
            (4, "The model's use of forecasts is sound; two winters of data is the minimum."),
            (4, "Complementary partners with clear roles."),
            (3, "The licence of the operator's weather records to the model should be written down."),
            (4, "A credible budget and a staged rollout."),
        ],
        Recommendation.FUND_WITH_CHANGES,
        Confidence.MEDIUM,
        "Fund, settling the licence of the operator's records in the IP agreement.",
    ),
    (
        [
            (4, "Fewer delays and less energy: benefits for the operator and its shippers."),
            (4, "A sound combination of sensing and forecasting."),
            (4, "The polytechnic brings the data science without asking for funding."),
            (4, "Joint ownership of the software is well set out."),
            (4, "Measurable milestones; the yard is ready."),
        ],
        Recommendation.FUND,
        Confidence.MEDIUM,
        "Clear, measurable and well staffed.",
    ),
]

#: What the chair approves: less than the $2,000,000 requested.
APPROVED_AMOUNT = Decimal("1800000.00")
APPROVAL_RATIONALE = "Strong reviews and a measurable first winter; funded at $1.8M, the contingency left out."
APPROVAL_CONDITIONS = "The licence of Laurentian Rail's weather records to the model is set out in the IP agreement."
#: The funded project's meeting, in days from now: before the first one, so each has its own agenda.
PROJECT_MEETING_DAYS = 6

# Each partner's signatory besides the demo applicant (Northern Robotics) and Laurentian Rail's person:
# (email, name, role, language, organization, the login's label).
SIGNATORIES = [
    ("polytechnic@demo.clusterflow.ca", "Priya Polytechnic", Role.APPLICANT, "en", "Great Lakes Polytechnic",
     "Polytechnic member"),
    ("harbourview@demo.clusterflow.ca", "Hugo Harbourview", Role.APPLICANT, "fr", "Harbourview Analytics Inc.",
     "Harbourview member"),
]  # fmt: skip

CLAIMANT = "Northern Robotics Inc."
#: Northern Robotics' costs of the first quarter by category: (cash, in kind).
CLAIM_LINES: dict[str, tuple[Decimal, Decimal]] = {
    CostCategory.LABOUR: (Decimal("140000.00"), Decimal("25000.00")),
    CostCategory.EQUIPMENT: (Decimal("38000.00"), Decimal("0")),
}
MILESTONE_NOTE = "The controller heated the test switch through a night at -24 °C; the test report is attached."
REPORT_INDICATORS: dict[str, Any] = {
    "risks": "Sensor supply: the second batch is six weeks late; the test switch used the first batch.",
    "jobs_created": Decimal("4.0"),
    "jobs_maintained": Decimal("6.5"),
    "revenue": Decimal("60000.00"),  # the operator's pilot of the controller on a second yard
    "follow_on_investment": Decimal("0"),
    "smes_scaled": 0,
    "new_products": 0,
    "participants": 4,
}
REPORT_RIGHT = ("Rail-temperature probe for switch heaters", IPKind.PATENT, IPStatus.FILED)


def projects_seed(*, call: Call, people: DemoPeople, now: datetime, summary: DemoSummary) -> None:
    """Create the funded project of ``call`` (the call under review) with its claim and report, if missing."""
    signatories = _signatories_seed(summary=summary)
    if Proposal.objects.filter(call=call, lead_applicant=people.applicant, title=FUNDED["title"]).exists():
        return
    reviewers = [User.objects.get(email=email) for email, _name, _language in REVIEWERS]
    proposal = assessed_build(
        call=call, applicant=people.applicant, staff=people.staff, organization=people.organization,
        reviewers=reviewers, loi=FUNDED, texts=SWITCH_TEXTS, reviews=SWITCH_REVIEWS,
    )  # fmt: skip
    summary.created.append(f"proposal {FUNDED['title']} (assessed)")
    _decide(proposal=proposal, people=people, now=now)
    summary.created.append(f"board meeting of {FUNDED['title']}, approved and released")
    project = _contract(proposal=proposal, people=people, signatories=signatories)
    summary.created.append(f"project {FUNDED['title']}, signed and active")
    _claim(project=project, people=people)
    summary.created.append(f"claim of {CLAIMANT} for the first quarter, paid")
    _milestone(project=project, people=people)
    _report(project=project, people=people)
    summary.created.append("first milestone accepted, first progress report accepted")


def _signatories_seed(*, summary: DemoSummary) -> dict[str, User]:
    """Return the people who sign for the partners besides the applicant, made members of them if missing."""
    found = {"Laurentian Rail Corp.": User.objects.get(email=RAIL_MEMBER[0])}
    for email, name, role, language, organization, label in SIGNATORIES:
        user = demo_user(email=email, name=name, role=role, language=language, summary=summary)
        Membership.objects.get_or_create(user=user, organization=Organization.objects.get(legal_name=organization))
        summary.logins.append((label, email))
        found[organization] = user
    return found


def _decide(*, proposal: Proposal, people: DemoPeople, now: datetime) -> None:
    """Send ``proposal`` to a meeting of its own, opened early; both members vote, the chair approves, staff release."""
    chair, staff = people.chair, people.staff
    second = User.objects.get(email=SECOND_BOARD_MEMBER[0])
    meeting = meeting_create(
        call=proposal.call, held_at=demo_window(now, PROJECT_MEETING_DAYS), quorum=1, chair=chair,
        members=[chair, second], by=staff,
    )  # fmt: skip
    _send_to_board(meeting=meeting, staff=staff, titles=[proposal.title])
    meeting_agenda_ready(meeting=meeting, by=staff)
    meeting_open_early(meeting=meeting, by=staff, reason=DEMO_OPENING_REASON)
    item = AgendaItem.objects.get(meeting=meeting, proposal=proposal)
    vote_cast(item=item, member=chair, choice=VoteChoice.APPROVE, comment="Measurable savings from the first winter.")
    vote_cast(item=item, member=second, choice=VoteChoice.APPROVE, comment="Well reviewed; fund it.")
    proposal_approve(
        proposal=fresh(proposal), by=chair, amount=APPROVED_AMOUNT, rationale=APPROVAL_RATIONALE,
        conditions=APPROVAL_CONDITIONS,
    )  # fmt: skip
    meeting_decisions_release(meeting=BoardMeeting.objects.get(pk=meeting.pk), by=staff)


def _contract(*, proposal: Proposal, people: DemoPeople, signatories: dict[str, User]) -> Project:
    """Start contracting; the lead names each partner's signatory, who signs both agreements; return the project."""
    proposal_start_contracting(proposal=fresh(proposal), by=people.staff)
    project = Project.objects.get(proposal=proposal)
    signers = {people.organization.legal_name: people.applicant, **signatories}
    partners = list(ProjectPartner.objects.filter(project=project).select_related("organization").order_by("pk"))
    for partner in partners:
        signatory_name(partner=partner, signatory=signers[partner.organization.legal_name], by=people.applicant)
    agreements = list(Agreement.objects.filter(project=project, superseded_at__isnull=True).order_by("kind"))
    for partner in partners:
        signer = signers[partner.organization.legal_name]
        for agreement in agreements:
            agreement_sign_and_activate(
                agreement=agreement,
                partner=ProjectPartner.objects.get(pk=partner.pk),
                by=signer,
                sha256=agreement.sha256,
                proof={"password": DEMO_PASSWORD},
            )
    if fresh(proposal).state != ProposalState.ACTIVE:
        raise DomainError(f"{proposal.title} is not active after every signature.")
    return Project.objects.get(pk=project.pk)


def _claim(*, project: Project, people: DemoPeople) -> Claim:
    """Northern Robotics claims the first quarter, with an accountant's report; staff approve and pay it."""
    partner = ProjectPartner.objects.get(project=project, organization__legal_name=CLAIMANT)
    claim = claim_create(project=project, partner=partner, by=people.applicant, period=1)
    claim = claim_lines_save(claim=claim, by=people.applicant, lines=CLAIM_LINES, expected_version=None)
    claim_evidence_upload(
        claim=claim, by=people.applicant, kind=EvidenceKind.ACCOUNTANT_REPORT,
        upload=_DemoUpload("Accountant's report.pdf", demo_pdf(f"{CLAIMANT}: accountant's report, quarter 1")),
    )  # fmt: skip
    claim = claim_submit(claim=claim, by=people.applicant, expected_version=None)
    claim = claim_approve(claim=claim, by=people.staff, expected_version=None)
    return claim_pay(
        claim=claim, by=people.staff, amount=claim.approved_amount, paid_on=timezone.localdate(),
        expected_version=None,
    )  # fmt: skip


def _milestone(*, project: Project, people: DemoPeople) -> None:
    """The lead marks the first milestone done, with its test report; staff accept it."""
    milestone = ProjectMilestone.objects.filter(project=project).order_by("month", "pk").first()
    if milestone is None:
        raise DomainError(f"{FUNDED['title']} has no milestone.")
    milestone_mark_done(
        milestone=milestone, by=people.applicant, note=MILESTONE_NOTE,
        uploads=[_DemoUpload("Test report.pdf", demo_pdf(f"{milestone.title}: test report"))],
    )  # fmt: skip
    milestone_accept(milestone=ProjectMilestone.objects.get(pk=milestone.pk), by=people.staff)


def _report(*, project: Project, people: DemoPeople) -> Report:
    """The lead writes and submits the first quarter's progress report; staff accept it."""
    if any(question.required for question in report_questions(project=project)):
        raise DomainError("The call under review asks report questions the demo does not answer.")
    report = report_create(project=project, by=people.applicant, period=1)
    milestone = ProjectMilestone.objects.filter(project=project).order_by("month", "pk").first()
    owner = ProjectPartner.objects.get(project=project, organization=people.organization)
    title, kind, status = REPORT_RIGHT
    report = report_save(
        report=report, by=people.applicant, indicators=REPORT_INDICATORS,
        milestone_comments={milestone.pk: "Done and accepted."} if milestone else {},
        ip_rights=[IPRightRow(title=title, kind=kind, status=status, owner_ids=[owner.pk])], answers={},
    )  # fmt: skip
    report = report_submit(report=report, by=people.applicant)
    return report_accept(report=report, by=people.staff, message="Thank you: a clear first quarter.")
