"""Benchmark of the printed documents: a full application's dossier as PDF (budget: 1 s; docs/pdfs.md).

The seed makes one full application as large as a call lets it be: eight partners with their
budgets and background IP, texts near their word limits, twelve milestones, eight items of
foreground IP, the outcomes, twelve attachments and twenty answered questions; it freezes it
as the submission does (``intake.services.versions.proposal_version_data``), then has its
documents printed by the worker's own task (``workflow.tasks.print_version_dossiers``), as
after a submission: the dossier and the receipt laid out by WeasyPrint in each language and
stored. Each request of ``dossier_pdf`` is the lead applicant's download of that version's
dossier as a reader does it: the page's templates rendered to find the document's key, and
the PDF read from the uploads' storage (``records.pdf.stored_pdf``); a web process never
lays a document out (issue 23). ``dossier_pdf_pending`` downloads the dossier of a second such
application whose documents were never printed: the page saying it is being prepared (202),
its printing queued once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.registry import SeedContext, case
from bench.sign_in import log_in

PARTNERS = 8
MILESTONES = 12
FOREGROUND_IP = 8
ATTACHMENTS = 12
QUESTIONS = 20
#: About 1,500 words: a project description or a work plan near its limit.
LONG_TEXT = " ".join(
    f"Work package {number} builds, tests and documents the shared testbed's module {number} with the partners."
    for number in range(100)
)


@dataclass
class Dossier:
    applicant: Any
    proposal_pk: int
    number: int


def seed_full_application(ctx: SeedContext) -> Dossier:
    """Create one full application as large as it gets, submitted, its documents printed by the worker's task."""
    from workflow.tasks import print_version_dossiers

    dossier = _full_application(ctx, name="documents")
    # What the worker does once the submission commits: the dossier and receipt, in each language, stored.
    print_version_dossiers(proposal_id=dossier.proposal_pk, number=dossier.number)
    return dossier


def seed_unprinted_application(ctx: SeedContext) -> Dossier:
    """Create another such application, submitted, whose documents the worker has not printed yet."""
    return _full_application(ctx, name="unprinted")


def _full_application(ctx: SeedContext, *, name: str) -> Dossier:
    """Create one call, one full application as large as it gets, and its submitted version."""
    from django.contrib.auth.models import Group

    from accounts.choices import OrganizationType, Role
    from accounts.models import Membership, Organization, User
    from intake.choices import AttachmentType, CostCategory, ForegroundIPKind, VersionKind
    from intake.models import (
        Attachment,
        BudgetLine,
        Call,
        ConsortiumMember,
        ForegroundIP,
        Milestone,
        Program,
        Proposal,
        ProposalVersion,
    )
    from intake.services.stages import call_stages_default
    from intake.services.versions import proposal_version_data

    now = ctx.now
    program = Program.objects.create(slug=f"bench-{name}", name_en="Documents", name_fr="Documents")
    call = Call.objects.create(
        program=program,
        slug=name,
        title_en="Advanced manufacturing testbeds",
        title_fr="Bancs d'essai de fabrication de pointe",
        loi_opens_at=now - timedelta(days=60),
        loi_closes_at=now - timedelta(days=20),
        application_closes_at=now + timedelta(days=25),
        review_due_at=now + timedelta(days=55),
        board_meeting_at=now + timedelta(days=70),
        funding_envelope=Decimal("20000000"),
    )
    stages = call_stages_default(call=call)
    applicant = User.objects.create_user(email=f"{name}@bench.clusterflow.test", password=None, display_name="Ann")
    applicant.groups.add(Group.objects.get_or_create(name=Role.APPLICANT.value)[0])
    organizations = [
        Organization.objects.create(
            legal_name=f"Partner {index} Manufacturing Inc.",
            kind=OrganizationType.SME if index % 3 else OrganizationType.LARGE_COMPANY,
            employee_count=40 + index,
            province="ON",
        )
        for index in range(PARTNERS)
    ]
    Membership.objects.create(user=applicant, organization=organizations[0])
    proposal = Proposal.objects.create(
        call=call,
        stage=stages[VersionKind.APPLICATION],
        path=list(stages),
        lead_applicant=applicant,
        lead_organization=organizations[0],
        title="A shared digital twin of the plant floor",
        summary=LONG_TEXT[:1500],
        project_description=LONG_TEXT,
        work_plan=LONG_TEXT,
        ip_ownership_terms=LONG_TEXT[:3000],
        ip_partner_licensing=LONG_TEXT[:2000],
        ip_member_licensing=LONG_TEXT[:2000],
        jobs_during=40,
        jobs_after=120,
        revenue_during=Decimal("2500000.00"),
        revenue_after=Decimal("30000000.00"),
        ip_rights_during=4,
        ip_rights_after=10,
        smes_scaled_during=3,
        smes_scaled_after=6,
        version_count=1,
    )
    members = ConsortiumMember.objects.bulk_create(
        ConsortiumMember(
            proposal=proposal,
            organization=organization,
            is_lead=index == 0,
            cash_contribution=Decimal("500000.00"),
            in_kind_contribution=Decimal("100000.00"),
            funding_requested=Decimal("400000.00"),
            background_ip=LONG_TEXT[:1000],
        )
        for index, organization in enumerate(organizations)
    )
    members = list(ConsortiumMember.objects.filter(proposal=proposal).order_by("pk"))
    BudgetLine.objects.bulk_create(
        BudgetLine(member=member, category=category, amount=Decimal("200000.00"))
        for member in members
        for category in CostCategory.values
    )
    Milestone.objects.bulk_create(
        Milestone(proposal=proposal, title=f"Milestone {month}", description=LONG_TEXT[:400], month=month * 3)
        for month in range(1, MILESTONES + 1)
    )
    ForegroundIP.objects.bulk_create(
        ForegroundIP(
            proposal=proposal,
            kind=ForegroundIPKind.values[index % len(ForegroundIPKind.values)],
            description=LONG_TEXT[:300],
            owner=members[index % PARTNERS],
        )
        for index in range(FOREGROUND_IP)
    )
    kinds = [kind for kind in AttachmentType.values if kind != AttachmentType.ANSWER]
    Attachment.objects.bulk_create(
        Attachment(
            proposal=proposal,
            kind=kinds[index % len(kinds)],
            file=f"bench/attachment-{index}.pdf",
            original_name=f"Attachment {index}.pdf",
            content_type="application/pdf",
            size=250_000 + index,
            sha256=f"{index:064x}",
            uploaded_by=applicant,
        )
        for index in range(ATTACHMENTS)
    )
    data, _attachments = proposal_version_data(proposal=proposal, kind=VersionKind.APPLICATION)
    # The call's questions of the full application, answered at length, as the submission freezes them.
    data["answers"] = [
        {
            "question": index + 1,
            "stage": VersionKind.APPLICATION,
            "section_en": f"Section {index // 5 + 1}",
            "section_fr": f"Section {index // 5 + 1}",
            "position": index + 1,
            "kind": "long_text",
            "label_en": f"Question {index + 1}: how does the project answer this need?",
            "label_fr": f"Question {index + 1} : comment le projet répond-il à ce besoin?",
            "required": True,
            "value": LONG_TEXT[:1200],
            "attachment": None,
        }
        for index in range(QUESTIONS)
    ]
    ProposalVersion.objects.create(
        proposal=proposal,
        number=1,
        kind=VersionKind.APPLICATION,
        data=data,
        submitted_by=applicant,
        submitted_at=now,
    )
    return Dossier(applicant=applicant, proposal_pk=proposal.pk, number=1)


def log_in_applicant(client: Any, data: Dossier) -> None:
    log_in(client, data.applicant)


@case(
    "dossier_pdf",
    seed=seed_full_application,
    prepare=log_in_applicant,
    description="The lead applicant downloads a full application's dossier, printed by the worker: read from storage.",
)
def dossier_pdf(client: Any, data: Dossier) -> Any:
    from django.core.cache import cache
    from django.urls import reverse

    cache.clear()  # nothing of it is kept in the cache: the stored file is read
    return client.get(reverse("intake:version_pdf", args=[data.proposal_pk, data.number]))


@case(
    "dossier_pdf_pending",
    seed=seed_unprinted_application,
    prepare=log_in_applicant,
    expected_status=202,
    description="The dossier not printed yet: the page says it is being prepared, the print queued once.",
)
def dossier_pdf_pending(client: Any, data: Dossier) -> Any:
    from django.urls import reverse

    return client.get(reverse("intake:version_pdf", args=[data.proposal_pk, data.number]))
