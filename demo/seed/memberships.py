"""The demo's members of each cluster: every organization of a demo proposal's consortium is a member of its program.

A call's rule may require the lead, or every partner, to be a member of the program
(docs/memberships.md): the demo's consortia meet it. Each membership started a year before the
demo's clock and has no end; it is recorded by the demo's staff member through the program's own
service, so it is audited like a membership staff record on the members page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts.models import Organization
from demo.seed.common import DemoSummary
from demo.seed.people import DemoPeople
from intake.models import ConsortiumMember, Program, ProgramMembership
from intake.services.memberships import membership_add


def memberships_seed(*, people: DemoPeople, now: datetime, summary: DemoSummary) -> None:
    """Make each organization of a demo consortium a member of its call's program, unless it is one already."""
    since = (now - timedelta(days=365)).date()
    pairs = set(ConsortiumMember.objects.values_list("proposal__call__program_id", "organization_id").order_by()) | {
        (program_id, people.organization.pk) for program_id in Program.objects.values_list("pk", flat=True)
    }
    programs = Program.objects.in_bulk({program_id for program_id, _organization in pairs})
    organizations = Organization.objects.in_bulk({organization_id for _program, organization_id in pairs})
    for program_id, organization_id in sorted(pairs):
        if ProgramMembership.objects.filter(program_id=program_id, organization_id=organization_id).exists():
            continue
        program, organization = programs[program_id], organizations[organization_id]
        membership_add(
            by=people.staff,
            program=program,
            organization=organization,
            starts_on=since,
            ends_on=None,
            note="Member since the demo's first year.",
        )
        summary.created.append(f"membership {program.slug}: {organization.legal_name}")
