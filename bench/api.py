"""Benchmark of the REST API's list of proposals: a page of 100 rows of ``15 times --scale`` (3,000 at the default 200).

The seed writes with ``bulk_create``: one program and one call whose letters of intent are
closed, ``15 * scale`` proposals spread over four states and submitted over the last 90 days,
led by 20 organizations, and a program staff member with a personal access token of the
read scope. The request is ``GET /api/v1/proposals/?page_size=100`` with that token, as a
script would send it: the token's hash looked up, the staff member's proposals counted and
the first 100 (newest first) read with their call, stage and lead organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.people import bench_user, staff_of_every_program
from bench.registry import SeedContext, case

#: Rows of the page read; the API's largest page.
PAGE_SIZE = 100
PER_SCALE = 15


@dataclass(frozen=True)
class ApiProposals:
    secret: str
    count: int


def seed_api_proposals(ctx: SeedContext) -> ApiProposals:
    """Create ``15 * scale`` submitted proposals in one call, and a staff member's read token."""
    from accounts.choices import ApiScope, OrganizationType, Role
    from accounts.models import Organization
    from accounts.services import api_token_create
    from intake.models import Call, Program, Proposal
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState

    now = ctx.now
    program = Program.objects.create(slug="bench-api", name_en="Bench API", name_fr="API de test")
    call = Call.objects.create(
        program=program,
        slug="api",
        title_en="Projects over the API",
        title_fr="Projets par l'API",
        loi_opens_at=now - timedelta(days=120),
        loi_closes_at=now - timedelta(days=90),
        application_closes_at=now + timedelta(days=10),
        review_due_at=now + timedelta(days=40),
        board_meeting_at=now + timedelta(days=60),
        funding_envelope=Decimal("400000000.00"),
    )
    call_rules_write(call=call, rules=rules_from_fields(required_attachments=[]))
    stages = call_stages_default(call=call)
    applicant = bench_user("api-applicant@bench.clusterflow.test", "Ann Applicant", Role.APPLICANT.value)
    staff = bench_user("api-staff@bench.clusterflow.test", "Sam Staff", Role.STAFF.value)
    staff_of_every_program(staff)
    organizations = Organization.objects.bulk_create(
        Organization(
            legal_name=f"Bench API {index} Inc.", kind=OrganizationType.SME, employee_count=40, country="CA",
            province="ON",
        )
        for index in range(20)
    )  # fmt: skip
    states = [ProposalState.SUBMITTED, ProposalState.IN_ASSESSMENT, ProposalState.ASSESSED, ProposalState.INVITED]
    count = PER_SCALE * ctx.scale
    Proposal.objects.bulk_create(
        (
            Proposal(
                call=call,
                stage=stages["application"],
                path=list(stages),
                lead_applicant=applicant,
                lead_organization=organizations[index % len(organizations)],
                title=f"Project {index}: a shared testbed",
                state=states[index % len(states)],
                submitted_at=now - timedelta(days=90, minutes=-index),
                version_count=1,
            )
            for index in range(count)
        ),
        batch_size=2000,
    )
    token = api_token_create(user=staff, name="bench", scope=ApiScope.READ, days=1)
    return ApiProposals(secret=token.secret, count=count)


def send_token(client: Any, data: ApiProposals) -> None:
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {data.secret}"


@case(
    "api_proposals",
    seed=seed_api_proposals,
    prepare=send_token,
    description="GET /api/v1/proposals/?page_size=100 with a staff member's token: 100 of 15 times `scale` proposals.",
)
def api_proposals(client: Any, data: ApiProposals) -> Any:
    return client.get("/api/v1/proposals/", {"page_size": PAGE_SIZE})
