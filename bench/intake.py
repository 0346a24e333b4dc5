"""Benchmarks of the intake pages at volume: the staff list of one call's applications.

The seed writes with ``bulk_create``: one call with ``scale`` proposals at the full-application
stage, each with four consortium members, two budget lines per member, two attachment
rows (no files: the list reads only their types) and the version its submission made, with
the rules it froze.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.calls import call_in_review, submitted_document
from bench.people import staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in

MEMBERS_PER_PROPOSAL = 4
ORGANIZATIONS = 400
BATCH = 2000


@dataclass(frozen=True)
class CallApplications:
    call_pk: int
    staff: Any


def _staff_user() -> Any:
    from django.contrib.auth.models import Group

    from accounts.choices import Role
    from accounts.models import User

    staff, _created = User.objects.get_or_create(
        email="intake-staff@bench.clusterflow.test", defaults={"display_name": "Sam Staff", "preferred_language": "en"}
    )
    staff.groups.add(Group.objects.get_or_create(name=Role.STAFF.value)[0])
    staff_of_every_program(staff)
    return staff


def seed_call_applications(ctx: SeedContext) -> CallApplications:
    """Create one call in review with ``scale`` applications, mostly submitted, some further on."""
    from django.contrib.auth.models import Group

    from accounts.choices import Role
    from accounts.models import User
    from intake.models import Proposal
    from intake.states import ProposalState as S

    now = ctx.now
    call, stages = call_in_review(
        now=now,
        program=("bench-intake", "Bench cluster", "Grappe de test"),
        slug="applications",
        title=("Technology leadership projects", "Projets de leadership technologique"),
    )
    applicant = User(email="applicant@bench.clusterflow.test", display_name="Ann Applicant")
    applicant.set_unusable_password()
    applicant.save()
    applicant.groups.add(Group.objects.get_or_create(name=Role.APPLICANT.value)[0])
    organizations = organizations_create("Bench Organization", province="ON")
    staff = _staff_user()
    # Mostly submitted (to check), the rest further along; all past the letter of intent.
    states = [S.SUBMITTED] * 6 + [S.CHANGES_REQUESTED, S.IN_ASSESSMENT, S.ASSESSED, S.INELIGIBLE]
    for start in range(0, ctx.scale, BATCH):
        indexes = range(start, min(ctx.scale, start + BATCH))
        proposals = Proposal.objects.bulk_create(
            Proposal(
                call=call,
                stage=stages["application"],
                path=list(stages),
                lead_applicant=applicant,
                lead_organization=organizations[(index * MEMBERS_PER_PROPOSAL) % ORGANIZATIONS],
                **application_texts(index),
                state=states[index % len(states)],
                changes_due_at=now + timedelta(days=10) if states[index % len(states)] == S.CHANGES_REQUESTED else None,
                submitted_at=now - timedelta(days=5, minutes=index),
                version_count=1,
            )
            for index in indexes
        )
        if not all(proposal.pk for proposal in proposals):  # A backend that returns no keys from bulk_create.
            proposals = list(Proposal.objects.filter(call=call).order_by("pk")[start : start + len(indexes)])
        numbered = list(zip(indexes, proposals, strict=True))
        application_rows_create(numbered, organizations, applicant=applicant, staff=staff)
    return CallApplications(call_pk=call.pk, staff=staff)


def organizations_create(prefix: str, *, province: str) -> list[Any]:
    """Make ``ORGANIZATIONS`` organizations, SMEs, large companies and universities in turn."""
    from accounts.choices import OrganizationType
    from accounts.models import Organization

    kinds = [
        OrganizationType.SME,
        OrganizationType.LARGE_COMPANY,
        OrganizationType.SME,
        OrganizationType.POST_SECONDARY,
    ]
    return Organization.objects.bulk_create(
        Organization(
            legal_name=f"{prefix} {index}",
            kind=kinds[index % len(kinds)],
            employee_count=40 if kinds[index % len(kinds)] == OrganizationType.SME else 3000,
            country="CA",
            province=province,
        )
        for index in range(ORGANIZATIONS)
    )


def application_texts(index: int) -> dict[str, str]:
    """The texts of a bench proposal's letter of intent and application."""
    return {
        "title": f"Project {index}: a shared digital twin",
        "summary": "Four partners build and share a testbed.",
        "challenge": "Downtime.",
        "technology": "A digital twin.",
        "expected_partners": "Three partners.",
        "project_description": "We build a shared digital twin of a production line. " * 20,
        "work_plan": "Year one: the twin. Year two: the pilots. " * 20,
        "ip_ownership_terms": "The lead owns the software.",
        "ip_partner_licensing": "Royalty-free among the partners.",
        "ip_member_licensing": "Fair terms for cluster members.",
    }


def application_rows_create(
    numbered: list[tuple[int, Any]], organizations: list[Any], *, applicant: Any, staff: Any
) -> None:
    """Give each ``(index, proposal)`` its consortium, budget lines, attachments (rows only), 1 in 10 an override,
    and the version its one submission made, with the rules it froze (``bench.calls.submitted_document``).

    Every fifth asks the cluster for too much, so its matching and share checks fail.
    """
    from intake.models import Attachment, BudgetLine, ConsortiumMember, EligibilityOverride, ProposalVersion

    members = ConsortiumMember.objects.bulk_create(
        (
            ConsortiumMember(
                proposal=proposal,
                organization=organizations[(index * MEMBERS_PER_PROPOSAL + offset) % ORGANIZATIONS],
                is_lead=offset == 0,
                cash_contribution=Decimal("500000.00"),
                in_kind_contribution=Decimal("100000.00"),
                funding_requested=Decimal("900000.00") if index % 5 == 0 else Decimal("300000.00"),
                background_ip="Process know-how.",
            )
            for index, proposal in numbered
            for offset in range(MEMBERS_PER_PROPOSAL)
        ),
        batch_size=4000,
    )
    if not all(member.pk for member in members):
        members = list(ConsortiumMember.objects.filter(proposal__in=[p for _i, p in numbered]).order_by("pk"))
    BudgetLine.objects.bulk_create(
        (
            BudgetLine(member=member, category=category, amount=amount)
            for member in members
            for category, amount in (("labour", Decimal("600000.00")), ("equipment", Decimal("150000.00")))
        ),
        batch_size=4000,
    )
    Attachment.objects.bulk_create(
        Attachment(
            proposal=proposal,
            kind=kind,
            file=f"proposals/{proposal.pk}/bench-{kind}",
            original_name=f"{kind}.pdf",
            content_type="application/pdf",
            size=1024,
            sha256="0" * 64,
            uploaded_by=applicant,
        )
        for _index, proposal in numbered
        for kind in ("project_plan", "letters_of_support")
    )
    EligibilityOverride.objects.bulk_create(
        EligibilityOverride(
            proposal=proposal, check_code="partner_share", stage="application", reason="Agreed.", by=staff
        )
        for index, proposal in numbered
        if index % 10 == 0
    )
    # Each was submitted once: its eligibility is checked against the rules its version froze.
    ProposalVersion.objects.bulk_create(
        ProposalVersion(
            proposal=proposal,
            number=1,
            kind="application",
            data=submitted_document(proposal.call, proposal),
            submitted_by=applicant,
            submitted_at=proposal.submitted_at,
        )
        for _index, proposal in numbered
    )


def log_in_staff(client: Any, data: CallApplications) -> None:
    log_in(client, data.staff)


@case(
    "call_proposals",
    target_ratio=25,
    seed=seed_call_applications,
    prepare=log_in_staff,
    description="Staff's list of one call with `scale` applications: page 1 of 60, each with its eligibility summary.",
)
def call_proposals(client: Any, data: CallApplications) -> Any:
    from django.urls import reverse

    return client.get(reverse("workflow:call_proposals", args=[data.call_pk]))
