"""A funded project whose lead claims, and the people who act on its claims (for the claims' tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import cast

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from projects.models import Claim, ClaimState, EvidenceKind, Project, ProjectPartner
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.intake.samples import MINIMAL_PDF as PDF
from workflow.claims import claim_approve, claim_create, claim_evidence_upload, claim_lines_save, claim_submit


@dataclass
class Claiming:
    """A project started 200 days ago (two quarters ended): $1,000,000 of $4,000,000 approved, 25 %.

    Its lead may receive $600,000 and spend $2,000,000 on labour; ``person`` works for the lead,
    ``staff`` is staff of its program.
    """

    project: Project
    lead: ProjectPartner
    person: User
    staff: User


def claiming() -> Claiming:
    project = ProjectFactory(started_on=timezone.localdate() - timedelta(days=200))
    lead = project.partners.select_related("organization", "project").get(is_lead=True)
    person = cast(User, UserFactory(email="paul@example.com", display_name="Paul Partner"))
    MembershipFactory(user=person, organization=lead.organization)
    staff = cast(User, UserFactory(role=Role.STAFF, email="sid@example.com", display_name="Sid Staff"))
    return Claiming(project=project, lead=lead, person=person, staff=staff)


def pdf(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submitted(c: Claiming, *, period: int = 1, cash: str = "40000.00", in_kind: str = "0", evidence: bool = True,
              final: bool = False) -> Claim:  # fmt: skip
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=period, final=final)
    claim = claim_lines_save(claim=claim, by=c.person, lines={"labour": (Decimal(cash), Decimal(in_kind))},
                             expected_version=claim.version)  # fmt: skip
    if evidence:
        claim_evidence_upload(claim=claim, by=c.person, kind=EvidenceKind.RECEIPT, upload=pdf())
    claim.refresh_from_db()
    return claim_submit(claim=claim, by=c.person, expected_version=claim.version)


def approved(c: Claiming, **options: object) -> Claim:
    claim = submitted(c, **options)  # type: ignore[arg-type]
    claim = claim_approve(claim=claim, by=c.staff, expected_version=claim.version)
    assert claim.state == ClaimState.APPROVED
    return claim
