"""Seed the applicant's proposals: their texts, partners and budget, and the steps that build them.

The proposals are made through the same services and actions as the pages use, so they
are valid by construction and their history is real: a draft letter of intent in the call
that accepts them, and an invited proposal with a complete full application, ready to
submit, in the call that takes full applications. The proposals of the call under review
are built here too (``invited_build``) and taken on through assessment by
``demo.seed.reviews``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.choices import OrganizationType
from accounts.models import Organization, User
from demo.seed.common import DemoSummary
from demo.seed.people import DemoPeople
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
from intake.services.stages import proposal_path_set
from workflow.actions import proposal_extend_deadline, proposal_invite, proposal_submit_loi

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


def fresh(proposal: Proposal) -> Proposal:
    """Return ``proposal`` read again."""
    # Each save bumps ``updated_at``, which the next one must name (the pages' concurrency check).
    return Proposal.objects.get(pk=proposal.pk)


def proposals_seed(*, program: Program, people: DemoPeople, summary: DemoSummary) -> None:
    """Create the applicant's draft letter of intent and invited proposal in ``program`` if missing."""
    if _draft_create(
        call=Call.objects.get(program=program, slug="open-loi"),
        applicant=people.applicant,
        organization=people.organization,
    ):
        summary.created.append(f"proposal {DRAFT_LOI['title']}")
    if _invited_create(
        call=Call.objects.get(program=program, slug="applications"),
        applicant=people.applicant,
        staff=people.staff,
        organization=people.organization,
    ):
        summary.created.append(f"proposal {INVITED['title']}")


def _draft_create(*, call: Call, applicant: User, organization: Organization) -> bool:
    """Start the applicant's letter of intent in ``call``, complete but not submitted; False if it exists."""
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=DRAFT_LOI["title"]).exists():
        return False
    proposal_create(call=call, by=applicant, lead_organization=organization, **DRAFT_LOI)
    return True


def _invited_create(*, call: Call, applicant: User, staff: User, organization: Organization) -> bool:
    """Build the applicant's invited proposal in ``call`` with a complete full application; False if it exists."""
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=INVITED["title"]).exists():
        return False
    invited_build(call=call, applicant=applicant, staff=staff, organization=organization, loi=INVITED, texts=RAIL_TEXTS)
    return True


def invited_build(
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
    proposal_path_set(proposal=proposal)
    proposal.full_clean(exclude=["state"])
    proposal.save()
    ConsortiumMember.objects.create(proposal=proposal, organization=organization, is_lead=True)
    proposal_extend_deadline(
        proposal=proposal,
        by=staff,
        until=timezone.now() + timedelta(days=1),
        reason="The demo was loaded after this call's letters of intent closed; this letter is let in late.",
    )
    proposal_submit_loi(proposal=fresh(proposal), by=applicant)
    proposal_invite(proposal=fresh(proposal), by=staff, reason="A strong consortium with a clear plan.")
    deadline = fresh(proposal).deadline
    if deadline is not None and deadline <= timezone.now():
        proposal_extend_deadline(
            proposal=fresh(proposal),
            by=staff,
            until=timezone.now() + timedelta(days=1),
            reason="The demo was loaded after this call's applications closed; this application is let in late.",
        )

    for name, kind, employees, province in PARTNERS:
        partner, _created = Organization.objects.get_or_create(
            legal_name=name, country="CA", defaults={"kind": kind, "employee_count": employees, "province": province}
        )
        member_add(
            proposal=proposal, by=applicant, organization=partner, expected_updated_at=fresh(proposal).updated_at
        )
    members = {member.organization.legal_name: member for member in proposal.members.select_related("organization")}
    contributions_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=fresh(proposal).updated_at,
        contributions={members[name].pk: (cash, in_kind) for name, (cash, in_kind, *_rest) in BUDGET.items()},
    )
    budget_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=fresh(proposal).updated_at,
        costs={members[name].pk: dict(costs) for name, (_c, _i, _f, costs, _ip) in BUDGET.items()},
        funding={members[name].pk: funding for name, (_c, _i, funding, _costs, _ip) in BUDGET.items()},
    )
    application_description_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=fresh(proposal).updated_at,
        project_description=texts["project_description"],
        work_plan=texts["work_plan"],
        milestones=texts["milestones"],
    )
    application_ip_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=fresh(proposal).updated_at,
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
        expected_updated_at=fresh(proposal).updated_at,
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
    for attachment_kind in call.required_attachment_kinds():
        label = str(AttachmentType(attachment_kind).label)
        attachment_upload(
            proposal=proposal,
            by=applicant,
            kind=attachment_kind,
            upload=_DemoUpload(f"{label}.pdf", demo_pdf(f"{loi['title']}: {label}")),
        )
    return proposal
