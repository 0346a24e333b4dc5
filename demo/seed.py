"""Seed the demo: the five clusters, calls in each stage, one user per role, and the applicant's proposals.

Idempotent: objects are found by their natural keys and created only when missing, so
a second run changes nothing.

The applicant's proposals are made through the same services and actions as the pages
use, so they are valid by construction and their history is real: a draft letter of
intent in the call that accepts them, an invited proposal with a complete full
application, ready to submit, in the call that takes full applications, and a proposal
in assessment in the call under review, offered to the demo assessor, who has a profile
and has not declared yet: logging in as the assessor shows the declare, accept and
review steps.

The call under review also has an assessed proposal on the agenda of a board meeting a
week ahead. Three more assessors (``reviewer1@`` to ``reviewer3@``) each declared no
conflict, accepted and submitted a complete review through the assessors' services, so
the proposal's assessment completed as it does for real. The meeting's members are the
demo board member, who chairs it, and a second board member; its quorum is one, so
logging in as the demo board member shows the agenda, the vote and the chair's decision.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import OrganizationType, Role
from accounts.errors import DomainError
from accounts.models import Membership, Organization, User
from accounts.services import user_grant_role
from assessment.choices import Confidence, Recommendation
from assessment.choices import Language as AssessorLanguage
from assessment.models import AssessorProfile
from assessment.services.assignment import assignment_create
from assessment.services.conflicts import conflict_declare_none
from assessment.services.pool import assessor_profile_save
from assessment.services.reviews import ReviewInput, ScoreInput, assignment_accept
from assessment.services.rubrics import rubric_criteria, rubric_for
from board.models import BoardMeeting
from board.services.meetings import meeting_agenda_ready, meeting_create, meeting_open_early
from intake.choices import AttachmentType, CostCategory, ForegroundIPKind, Sector
from intake.models import Call, ConsortiumMember, Program, Proposal
from intake.services import proposal_create
from intake.services.application import (
    ForegroundIPData,
    MilestoneData,
    application_description_save,
    application_ip_save,
    application_outcomes_save,
)
from intake.services.attachments import attachment_upload
from intake.services.consortium import budget_save, contributions_save, member_add
from intake.states import ProposalState
from workflow.actions import (
    proposal_extend_deadline,
    proposal_invite,
    proposal_start_assessment,
    proposal_submit_application,
    proposal_submit_loi,
)
from workflow.actions.board import meeting_send_proposals
from workflow.reviews import review_submit

DEMO_PASSWORD = "clusterflow-demo"  # noqa: S105 - printed for the demo on purpose
# The authenticator key of the demo's staff and admin accounts, which must sign in with a
# second factor (docs/adr/0023). It is public, printed and in the README: for the demo only.
DEMO_TOTP_KEY = "MNWHK43UMVZGM3DPO4WWIZLNN4WWWZLZ"

PROGRAMS = [
    ("digital", "Digital Technology Supercluster", "Supergrappe des technologies numériques", "America/Vancouver"),
    ("protein", "Protein Industries Canada", "Protein Industries Canada", "America/Regina"),
    (
        "ngen",
        "Next Generation Manufacturing Canada",
        "Manufacturiers de prochaine génération Canada",
        "America/Toronto",
    ),
    ("scale-ai", "Scale AI", "Scale AI", "America/Toronto"),
    ("ocean", "Canada's Ocean Supercluster", "Supergrappe des océans du Canada", "America/Halifax"),
]

# (slug, English title, French title, offsets in days from now: LOI opens, LOI closes,
#  full applications close, reviews due, board meets)
STAGES = [
    (
        "open-loi",
        "Technology leadership projects 2027",
        "Projets de leadership technologique 2027",
        (-10, 30, 90, 120, 135),
    ),
    (
        "applications",
        "Technology leadership projects 2026",
        "Projets de leadership technologique 2026",
        (-60, -20, 25, 55, 70),
    ),
    ("in-review", "Capacity building 2026", "Renforcement des capacités 2026", (-150, -110, -40, 10, 25)),
    ("upcoming", "Adoption projects 2027", "Projets d'adoption 2027", (20, 60, 120, 150, 165)),
]

CALL_DESCRIPTION_EN = "Consortia of at least three partners, one an SME, co-invest with the cluster."
CALL_DESCRIPTION_FR = "Des consortiums d'au moins trois partenaires, dont une PME, co-investissent avec la grappe."

USERS = [
    ("applicant@demo.clusterflow.ca", "Alex Applicant", Role.APPLICANT, "en"),
    ("staff@demo.clusterflow.ca", "Sam Staff", Role.STAFF, "en"),
    ("assessor@demo.clusterflow.ca", "Ada Assessor", Role.ASSESSOR, "fr"),
    ("board@demo.clusterflow.ca", "Bo Board", Role.BOARD_MEMBER, "en"),
]

# The assessors who reviewed the assessed proposal (not the demo assessor, whose offer stays
# open) and the board meeting's second member; they log in with the demo password too.
REVIEWERS = [
    ("reviewer1@demo.clusterflow.ca", "Rosa Reviewer", "en"),
    ("reviewer2@demo.clusterflow.ca", "Rémi Réviseur", "fr"),
    ("reviewer3@demo.clusterflow.ca", "Ravi Reviewer", "en"),
]
SECOND_BOARD_MEMBER = ("board2@demo.clusterflow.ca", "Béa Board", Role.BOARD_MEMBER, "fr")
# The board meeting of the call under review, in days from now: held a week after the demo loads.
BOARD_MEETING_DAYS = 7
#: Why the demo's meeting is open before its date: so that its chair can try recording a decision.
DEMO_OPENING_REASON = "Opened early for the demonstration: the chair can record decisions now."


@dataclass
class DemoSummary:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _window(now: datetime, days: int) -> datetime:
    # Whole hours at 17:00 UTC, so the demo's deadlines read like real ones.
    return (now + timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0)


def demo_seed(*, now: datetime | None = None) -> DemoSummary:
    """Create what the demo needs and is missing; return what was created and the logins."""
    now = now or timezone.now()
    summary = DemoSummary()
    with transaction.atomic():
        for index, (slug, name_en, name_fr, zone) in enumerate(PROGRAMS):
            program, created = Program.objects.get_or_create(
                slug=slug,
                defaults={
                    "name_en": name_en,
                    "name_fr": name_fr,
                    "description_en": f"{name_en} funds collaborative technology leadership projects.",
                    "description_fr": f"{name_fr} finance des projets collaboratifs de leadership technologique.",
                },
            )
            if created:
                summary.created.append(f"program {slug}")
            # The first cluster has a call in each stage; the others one open call each.
            for call_slug, title_en, title_fr, days in STAGES if index == 0 else STAGES[:1]:
                loi_opens, loi_closes, app_closes, review_due, board = (_window(now, d) for d in days)
                call, created = Call.objects.get_or_create(
                    program=program,
                    slug=call_slug,
                    defaults={
                        "title_en": title_en,
                        "title_fr": title_fr,
                        "description_en": CALL_DESCRIPTION_EN,
                        "description_fr": CALL_DESCRIPTION_FR,
                        "timezone": zone,
                        "loi_opens_at": loi_opens,
                        "loi_closes_at": loi_closes,
                        "application_closes_at": app_closes,
                        "review_due_at": review_due,
                        "board_meeting_at": board,
                        "funding_envelope": Decimal("25000000.00"),
                        "funded_partner_types": [OrganizationType.LARGE_COMPANY, OrganizationType.SME],
                        "required_attachments": ["project_plan", "letters_of_support"],
                    },
                )
                if created:
                    call.full_clean()
                    summary.created.append(f"call {slug}/{call_slug}")

        organization, created = Organization.objects.get_or_create(
            legal_name="Northern Robotics Inc.",
            country="CA",
            defaults={"kind": OrganizationType.SME, "employee_count": 42, "province": "ON"},
        )
        if created:
            summary.created.append("organization Northern Robotics Inc.")
        for email, name, role, language in USERS:
            user = _demo_user(email=email, name=name, role=role, language=language, summary=summary)
            if role == Role.APPLICANT:
                Membership.objects.get_or_create(user=user, organization=organization)
            summary.logins.append((str(Role(role).label), email))
        admin, created = User.objects.get_or_create(
            email="admin@demo.clusterflow.ca",
            defaults={"display_name": "Ada Admin", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
            summary.created.append("user admin@demo.clusterflow.ca")
        summary.logins.append(("Django admin", admin.email))
        for user in (User.objects.get(email=USERS[1][0]), admin):
            if _demo_authenticator_create(user=user):
                summary.created.append(f"authenticator of {user.email}")
        applicant = User.objects.get(email=USERS[0][0])
        staff = User.objects.get(email=USERS[1][0])
        program = Program.objects.get(slug=PROGRAMS[0][0])
        if _demo_draft_create(
            call=Call.objects.get(program=program, slug="open-loi"), applicant=applicant, organization=organization
        ):
            summary.created.append(f"proposal {DRAFT_LOI['title']}")
        if _demo_invited_create(
            call=Call.objects.get(program=program, slug="applications"),
            applicant=applicant,
            staff=staff,
            organization=organization,
        ):
            summary.created.append(f"proposal {INVITED['title']}")
        assessor = User.objects.get(email=USERS[2][0])
        if _demo_assessor_profile_create(assessor=assessor):
            summary.created.append(f"assessor profile {assessor.email}")
        in_review = Call.objects.get(program=program, slug="in-review")
        if not in_review.rubrics.exists():
            summary.created.append(f"rubric {program.slug}/{in_review.slug}")
        rubric_for(call=in_review)
        if _demo_in_assessment_create(
            call=in_review, applicant=applicant, staff=staff, organization=organization, assessor=assessor
        ):
            summary.created.append(f"proposal {IN_ASSESSMENT['title']}")
        reviewers = []
        for email, name, language in REVIEWERS:
            reviewer = _demo_user(email=email, name=name, role=Role.ASSESSOR, language=language, summary=summary)
            if _demo_assessor_profile_create(assessor=reviewer):
                summary.created.append(f"assessor profile {reviewer.email}")
            reviewers.append(reviewer)
        if _demo_assessed_create(
            call=in_review, applicant=applicant, staff=staff, organization=organization, reviewers=reviewers
        ):
            summary.created.append(f"proposal {ASSESSED['title']} (assessed)")
        chair = User.objects.get(email=USERS[3][0])
        board2 = _demo_user(
            email=SECOND_BOARD_MEMBER[0],
            name=SECOND_BOARD_MEMBER[1],
            role=SECOND_BOARD_MEMBER[2],
            language=SECOND_BOARD_MEMBER[3],
            summary=summary,
        )
        meeting = _demo_board_meeting_create(call=in_review, staff=staff, chair=chair, members=[chair, board2], now=now)
        if meeting is not None:
            summary.created.append(f"board meeting {program.slug}/{in_review.slug}")
            for title in _demo_send_to_board(meeting=meeting, staff=staff, titles=[ASSESSED["title"]]):
                summary.created.append(f"agenda item {title}")
            # As staff do from the meeting's page: the members are told, and the chair may decide now.
            meeting_agenda_ready(meeting=meeting, by=staff)
            meeting_open_early(meeting=meeting, by=staff, reason=DEMO_OPENING_REASON)
    return summary


def _demo_authenticator_create(*, user: User) -> bool:
    """Give ``user`` the demo's authenticator (key ``DEMO_TOTP_KEY``) if they have none; return whether it was made."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return False
    key = base64.b32decode(DEMO_TOTP_KEY).hex()
    TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)
    return True


def _demo_user(*, email: str, name: str, role: str, language: str, summary: DemoSummary) -> User:
    """Return the demo user ``email`` with ``role``, made with the demo password if missing (noted in ``summary``)."""
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "preferred_language": language}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        summary.created.append(f"user {email}")
    user_grant_role(user=user, role=role)
    return user


# --- The applicant's proposals -------------------------------------------------------------------

DRAFT_LOI: dict[str, Any] = {
    "title": "Cold-chain sensing for Prairie grain terminals",
    "summary": "Northern Robotics and its partners fit grain terminals with sensors that catch spoilage early.",
    "challenge": "Grain spoils unseen in storage; terminals find out when a load is rejected.",
    "technology": "Low-power moisture and temperature sensors, and a model that predicts spoilage weeks ahead.",
    "expected_partners": "A grain handler, an agricultural college and a data-analytics SME.",
    "estimated_total_cost": Decimal("2400000.00"),
    "estimated_funding_requested": Decimal("800000.00"),
}

INVITED: dict[str, Any] = {
    "title": "Autonomous inspection robots for rail bridges",
    "summary": "Robots climb and inspect rail bridges so that crews repair before a defect grows.",
    "challenge": "Bridge inspections stop the traffic and rely on what a person can see from a lift.",
    "technology": "A climbing robot with ultrasonic and visual sensors, and a defect-detection model.",
    "expected_partners": "A rail operator, a polytechnic and an analytics SME.",
    "estimated_total_cost": Decimal("5600000.00"),
    "estimated_funding_requested": Decimal("2000000.00"),
}

IN_ASSESSMENT: dict[str, Any] = {
    "title": "Robotic hull inspection for port cranes",
    "summary": "Robots climb port cranes and scan their welds, so that operators repair before a crack grows.",
    "challenge": "Crane inspections stop the port for days and rely on what a person can see from a basket.",
    "technology": "A magnetic climbing robot with ultrasonic non-destructive testing and computer vision.",
    "expected_partners": "A port operator, a polytechnic and an analytics SME.",
    "estimated_total_cost": Decimal("5600000.00"),
    "estimated_funding_requested": Decimal("2000000.00"),
    "sectors": [Sector.ADVANCED_MANUFACTURING, Sector.TRANSPORTATION],
    "keywords": ["robotics", "non-destructive testing"],
}

ASSESSED: dict[str, Any] = {
    "title": "Trackside acoustic detection of freight wheel defects",
    "summary": "Microphones beside the track hear a flat or cracked wheel as a train passes, before it breaks a rail.",
    "challenge": "Wheel defects are found at yard inspections, days apart; between them a bad wheel pounds the track.",
    "technology": "Acoustic arrays at trackside, and a model that tells a defective wheel from the noise of a train.",
    "expected_partners": "A rail operator, a polytechnic and an analytics SME.",
    "estimated_total_cost": Decimal("5600000.00"),
    "estimated_funding_requested": Decimal("2000000.00"),
    "sectors": [Sector.TRANSPORTATION, Sector.ARTIFICIAL_INTELLIGENCE],
    "keywords": ["acoustic monitoring", "rail safety", "machine learning"],
}

# The full application's texts of each: description, work plan, milestones, foreground IP.
RAIL_TEXTS: dict[str, Any] = {
    "project_description": (
        "Rail bridges are inspected from lifts, with the line closed, and defects are found late. The consortium "
        "builds a robot that climbs a bridge between trains, scans it and reports the defects that are growing."
    ),
    "work_plan": (
        "Northern Robotics builds the robot; Great Lakes Polytechnic trains the defect model on Laurentian Rail's "
        "records; Harbourview Analytics builds the reporting platform; Laurentian Rail trials it on its bridges."
    ),
    "milestones": [
        MilestoneData(title="Prototype climbs a test span", description="A video and a test report.", month=8),
        MilestoneData(title="Defect model validated", description="Accuracy on held-out records.", month=14),
        MilestoneData(title="Trials on five bridges", description="A trial report with the operator.", month=24),
    ],
    "patent": "The robot's clamping mechanism.",
    "software": "The defect-detection model.",
}
PORT_TEXTS: dict[str, Any] = {
    "project_description": (
        "Port cranes are inspected from baskets, with the berth closed, and cracks in their welds are found late. The "
        "consortium adapts its climbing robot to crane booms: it scans each weld ultrasonically between ships."
    ),
    "work_plan": (
        "Northern Robotics adapts the robot; Great Lakes Polytechnic trains the crack model on Laurentian Rail's "
        "crane records; Harbourview Analytics builds the reporting platform; the robot is trialled on six cranes."
    ),
    "milestones": [
        MilestoneData(title="Robot climbs a crane boom", description="A video and a test report.", month=6),
        MilestoneData(title="Crack model validated", description="Accuracy on held-out scans.", month=12),
        MilestoneData(title="Trials on six cranes", description="A trial report with the operator.", month=20),
    ],
    "patent": "The robot's magnetic tracks.",
    "software": "The weld-crack detection model.",
}

WHEEL_TEXTS: dict[str, Any] = {
    "project_description": (
        "Freight wheels are checked in yards, days apart, and a flat or cracked wheel damages the track in between. "
        "The consortium installs acoustic arrays beside the main line that hear each wheel of a passing train and "
        "flag the defective ones, so that the car is set out at the next siding."
    ),
    "work_plan": (
        "Northern Robotics builds the weatherproof arrays; Great Lakes Polytechnic trains the defect model on "
        "recordings of wheels Laurentian Rail removed; Harbourview Analytics builds the alerts to dispatchers; "
        "Laurentian Rail installs four sites on its main line and measures the defects found."
    ),
    "milestones": [
        MilestoneData(title="First array records a winter", description="Recordings and an uptime report.", month=9),
        MilestoneData(title="Defect model validated", description="Accuracy against removed wheels.", month=15),
        MilestoneData(title="Four sites alert dispatchers", description="A trial report with the operator.", month=24),
    ],
    "patent": "The array's self-heating acoustic housing.",
    "software": "The wheel-defect classification model.",
}

# (legal name, type, employees, province) of the invited proposals' partners besides the lead.
PARTNERS = [
    ("Laurentian Rail Corp.", OrganizationType.LARGE_COMPANY, 3800, "QC"),
    ("Great Lakes Polytechnic", OrganizationType.POST_SECONDARY, 2400, "ON"),
    ("Harbourview Analytics Inc.", OrganizationType.SME, 28, "NS"),
]

# By organization: cash, in kind, funding requested, eligible costs by category, background IP.
# Eligible costs 5,600,000; the cluster 2,000,000 (35.7 %, at most 40 %); industry 2,750,000
# (1.38 to 1, at least 1 to 1), 500,000 of it in kind (18.2 %, at most 25 %); the largest share
# of the reimbursement 45 % (at most 70 %); the polytechnic, which may not be funded, asks nothing.
BUDGET: dict[str, tuple[Decimal, Decimal, Decimal, dict[str, Decimal], str]] = {
    "Northern Robotics Inc.": (
        Decimal("700000"),
        Decimal("150000"),
        Decimal("900000"),
        {CostCategory.LABOUR: Decimal("1800000"), CostCategory.EQUIPMENT: Decimal("400000")},
        "The climbing platform and its patents.",
    ),
    "Laurentian Rail Corp.": (
        Decimal("1300000"),
        Decimal("200000"),
        Decimal("800000"),
        {CostCategory.LABOUR: Decimal("1500000"), CostCategory.EQUIPMENT: Decimal("700000")},
        "Fifteen years of inspection records of its bridges.",
    ),
    "Great Lakes Polytechnic": (
        Decimal("0"),
        Decimal("150000"),
        Decimal("0"),
        {CostCategory.LABOUR: Decimal("600000")},
        "none",
    ),
    "Harbourview Analytics Inc.": (
        Decimal("250000"),
        Decimal("0"),
        Decimal("300000"),
        {CostCategory.LABOUR: Decimal("500000"), CostCategory.OTHER: Decimal("100000")},
        "none",
    ),
}


def demo_pdf(title: str) -> bytes:
    """Return a one-page PDF that says ``title``: a real document, so the upload's checks accept it."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


class _DemoUpload:
    """A document built in memory, handed to ``attachment_upload`` as a browser's upload would be."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name: str | None = name
        self.size: int | None = len(data)
        self._data = data

    def read(self, size: int = -1, /) -> bytes:
        return self._data if size < 0 else self._data[:size]


def _fresh(proposal: Proposal) -> Proposal:
    # Each save bumps ``updated_at``, which the next one must name (the pages' concurrency check).
    return Proposal.objects.get(pk=proposal.pk)


def _demo_draft_create(*, call: Call, applicant: User, organization: Organization) -> bool:
    """Start the applicant's letter of intent in ``call``, complete but not submitted; False if it exists."""
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=DRAFT_LOI["title"]).exists():
        return False
    proposal_create(call=call, by=applicant, lead_organization=organization, **DRAFT_LOI)
    return True


def _demo_invited_create(*, call: Call, applicant: User, staff: User, organization: Organization) -> bool:
    """Build the applicant's invited proposal in ``call`` with a complete full application; False if it exists."""
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=INVITED["title"]).exists():
        return False
    _demo_invited(call=call, applicant=applicant, staff=staff, organization=organization, loi=INVITED, texts=RAIL_TEXTS)
    return True


def _demo_in_assessment_create(
    *, call: Call, applicant: User, staff: User, organization: Organization, assessor: User
) -> bool:
    """Build a proposal in assessment in ``call``, offered to ``assessor``, who has not declared; False if it exists.

    Built as the invited one (its closed application window extended, with that reason in
    the history), then submitted, sent to assessment by staff and assigned by hand to the
    demo assessor with the same checks as the assignment pages.
    """
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=IN_ASSESSMENT["title"]).exists():
        return False
    proposal = _demo_invited(
        call=call, applicant=applicant, staff=staff, organization=organization, loi=IN_ASSESSMENT, texts=PORT_TEXTS
    )
    proposal_submit_application(proposal=_fresh(proposal), by=applicant)
    proposal_start_assessment(proposal=_fresh(proposal), by=staff)
    assignment_create(proposal=_fresh(proposal), assessor=assessor, by=staff)
    return True


# Each reviewer's scores of the default rubric's criteria in order (economy, technology, consortium,
# intellectual property, feasibility) with a comment on each, then recommendation, confidence, overall comment.
REVIEWS: list[tuple[list[tuple[int, str]], str, str, str]] = [
    (
        [
            (4, "Fewer broken rails and derailments save the operator far more than the project costs."),
            (4, "Acoustic detection exists for bearings; for wheel flats at line speed it is a real step forward."),
            (5, "The operator's removed-wheel records and the SME's alerting make a complete chain."),
            (4, "Ownership is clear; the licence to members should name the fields of use."),
            (4, "The winter trial at the first site is the main risk, and it comes early in the plan."),
        ],
        Recommendation.FUND,
        Confidence.HIGH,
        "A well-argued project with an operator committed to using the results.",
    ),
    (
        [
            (4, "The jobs after the project depend on selling the arrays to other railways; the plan says how."),
            (3, "The model is state of the art; the arrays themselves are an adaptation of known designs."),
            (4, "Two SMEs with real roles, and a polytechnic that brings the data science."),
            (4, "The self-heating housing is worth patenting; the software's joint ownership is well set out."),
            (4, "The budget is credible; four sites in 24 months is ambitious but staged."),
        ],
        Recommendation.FUND_WITH_CHANGES,
        Confidence.MEDIUM,
        "Fund, asking for a second operator's letter of interest before the third site.",
    ),
    (
        [
            (5, "Each broken rail avoided is a closure avoided; the benefits reach every shipper on the line."),
            (4, "Telling a defective wheel from train noise at speed is hard, and the approach is sound."),
            (4, "Complementary partners; the polytechnic asks for no funding, which helps the leverage."),
            (3, "Background IP of the operator's recordings needs a clearer licence for the model's training."),
            (4, "Milestones are measurable and the operator has the sites ready."),
        ],
        Recommendation.FUND,
        Confidence.MEDIUM,
        "A clear plan with measurable results; the data licence should be settled at contract.",
    ),
]


def _demo_assessed_create(
    *, call: Call, applicant: User, staff: User, organization: Organization, reviewers: list[User]
) -> bool:
    """Build an assessed proposal in ``call``, reviewed by ``reviewers`` through their own steps; False if it exists.

    Built and sent to assessment as the proposal in assessment is, then assigned to each
    reviewer, who declares no conflict, accepts and submits a complete review. The last
    review required by the call's rubric completes the assessment, as it does on the pages.
    """
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=ASSESSED["title"]).exists():
        return False
    # The reviewers' texts score the default rubric's five criteria, the only rubric the demo makes.
    proposal = _demo_invited(
        call=call, applicant=applicant, staff=staff, organization=organization, loi=ASSESSED, texts=WHEEL_TEXTS
    )
    proposal_submit_application(proposal=_fresh(proposal), by=applicant)
    proposal_start_assessment(proposal=_fresh(proposal), by=staff)
    criteria = rubric_criteria(rubric=rubric_for(call=call))
    required = _fresh(proposal).required_reviews_missing()
    if required > min(len(reviewers), len(REVIEWS)):
        raise DomainError(f"The call's rubric asks for {required} reviews; the demo has {len(REVIEWS)} reviewers.")
    for reviewer, (scores, recommendation, confidence, overall) in zip(
        reviewers[:required], REVIEWS[:required], strict=True
    ):
        assignment = assignment_create(proposal=_fresh(proposal), assessor=reviewer, by=staff)
        conflict_declare_none(assignment=assignment, by=reviewer)
        assignment_accept(assignment=assignment, by=reviewer)
        review_submit(
            assignment=assignment,
            by=reviewer,
            data=ReviewInput(
                scores={
                    criterion.pk: ScoreInput(value, comment)
                    for criterion, (value, comment) in zip(criteria, scores, strict=True)
                },
                recommendation=recommendation,
                confidence=confidence,
                overall_comment=overall,
            ),
            expected_updated_at=None,
        )
    if _fresh(proposal).state != ProposalState.ASSESSED:
        raise DomainError(f"{ASSESSED['title']} is still in assessment after its reviews.")
    return True


def _demo_board_meeting_create(
    *, call: Call, staff: User, chair: User, members: list[User], now: datetime
) -> BoardMeeting | None:
    """Plan a board meeting of ``call`` a week ahead, chaired by ``chair``, quorum one; None if the call has one."""
    if BoardMeeting.objects.filter(call=call).exists():
        return None
    return meeting_create(
        call=call, held_at=_window(now, BOARD_MEETING_DAYS), quorum=1, chair=chair, members=members, by=staff
    )


def _demo_send_to_board(*, meeting: BoardMeeting, staff: User, titles: list[str]) -> list[str]:
    """Send the assessed proposals of the meeting's call titled ``titles`` to ``meeting``; return the titles sent.

    Sent as staff do from the meeting's page; a refusal stops the demo with its reason
    rather than leave a meeting without its agenda.
    """
    assessed = Proposal.objects.filter(call_id=meeting.call_id, title__in=titles, state=ProposalState.ASSESSED)
    outcomes = meeting_send_proposals(meeting=meeting, proposal_ids=assessed.values_list("pk", flat=True), by=staff)
    refused = [f"{outcome.proposal.title}: {outcome.error}" for outcome in outcomes if outcome.error is not None]
    if refused:
        raise DomainError("; ".join(refused))
    return [outcome.proposal.title for outcome in outcomes]


def _demo_assessor_profile_create(*, assessor: User) -> bool:
    """Give a demo assessor their expertise and a cap of five per call; False if they have a profile."""
    if AssessorProfile.objects.filter(user=assessor).exists():
        return False
    assessor_profile_save(
        user=assessor,
        expected_updated_at=None,
        sectors=[Sector.ADVANCED_MANUFACTURING, Sector.TRANSPORTATION, Sector.ARTIFICIAL_INTELLIGENCE],
        keywords=["robotics", "non-destructive testing", "computer vision"],
        languages=[AssessorLanguage.FRENCH, AssessorLanguage.ENGLISH],
        max_assignments_per_call=5,
        affiliations=[],
    )
    return True


def _demo_invited(
    *, call: Call, applicant: User, staff: User, organization: Organization, loi: dict[str, Any], texts: dict[str, Any]
) -> Proposal:
    """Start the letter ``loi`` in ``call``, submit it, invite it, and complete its full application with ``texts``.

    The call stopped taking letters of intent before the demo was loaded, so the letter is
    started as ``proposal_create`` would (which refuses outside the window) and the staff
    member extends its deadline, with that reason in the history, before the applicant
    submits it and staff invite it; likewise the application's deadline where it has
    passed. Everything after goes through the pages' services.
    """
    proposal = Proposal(call=call, lead_applicant=applicant, lead_organization=organization, **loi)
    proposal.full_clean(exclude=["state"])
    proposal.save()
    ConsortiumMember.objects.create(proposal=proposal, organization=organization, is_lead=True)
    proposal_extend_deadline(
        proposal=proposal,
        by=staff,
        until=timezone.now() + timedelta(days=1),
        reason="The demo was loaded after this call's letters of intent closed; this letter is let in late.",
    )
    proposal_submit_loi(proposal=_fresh(proposal), by=applicant)
    proposal_invite(proposal=_fresh(proposal), by=staff, reason="A strong consortium with a clear plan.")
    deadline = _fresh(proposal).deadline
    if deadline is not None and deadline <= timezone.now():
        proposal_extend_deadline(
            proposal=_fresh(proposal),
            by=staff,
            until=timezone.now() + timedelta(days=1),
            reason="The demo was loaded after this call's applications closed; this application is let in late.",
        )

    for name, kind, employees, province in PARTNERS:
        partner, _created = Organization.objects.get_or_create(
            legal_name=name, country="CA", defaults={"kind": kind, "employee_count": employees, "province": province}
        )
        member_add(
            proposal=proposal, by=applicant, organization=partner, expected_updated_at=_fresh(proposal).updated_at
        )
    members = {member.organization.legal_name: member for member in proposal.members.select_related("organization")}
    contributions_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=_fresh(proposal).updated_at,
        contributions={members[name].pk: (cash, in_kind) for name, (cash, in_kind, *_rest) in BUDGET.items()},
    )
    budget_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=_fresh(proposal).updated_at,
        costs={members[name].pk: dict(costs) for name, (_c, _i, _f, costs, _ip) in BUDGET.items()},
        funding={members[name].pk: funding for name, (_c, _i, funding, _costs, _ip) in BUDGET.items()},
    )
    application_description_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=_fresh(proposal).updated_at,
        project_description=texts["project_description"],
        work_plan=texts["work_plan"],
        milestones=texts["milestones"],
    )
    application_ip_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=_fresh(proposal).updated_at,
        background_ip={members[name].pk: background for name, (*_amounts, background) in BUDGET.items()},
        foreground_ip=[
            ForegroundIPData(
                kind=ForegroundIPKind.PATENT, description=texts["patent"], owner_id=members["Northern Robotics Inc."].pk
            ),
            ForegroundIPData(kind=ForegroundIPKind.SOFTWARE, description=texts["software"], owner_id=None),
        ],
        ip_ownership_terms="Each partner owns what it creates alone; what they create together they own jointly.",
        ip_partner_licensing="Royalty-free licences among the partners for the project and its follow-on work.",
        ip_member_licensing="Non-exclusive licences to cluster members on fair and reasonable terms.",
    )
    application_outcomes_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=_fresh(proposal).updated_at,
        outcomes={
            "jobs_during": 18,
            "jobs_after": 45,
            "revenue_during": Decimal("0"),
            "revenue_after": Decimal("12000000"),
            "ip_rights_during": 2,
            "ip_rights_after": 4,
            "smes_scaled_during": 2,
            "smes_scaled_after": 3,
        },
    )
    for kind in call.required_attachments:
        label = str(AttachmentType(kind).label)
        attachment_upload(
            proposal=proposal,
            by=applicant,
            kind=kind,
            upload=_DemoUpload(f"{label}.pdf", demo_pdf(f"{loi['title']}: {label}")),
        )
    return proposal
