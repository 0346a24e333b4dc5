"""Benchmark of the disposition sweep: ``python -m bench.retention --proposals 100000``.

Seeds that many declined proposals past their retention into a fresh database, each with
what disposition removes (a consortium member and its budget line, milestone, submitted
version, attachment row, eligibility override and notification) and its decision's audit
record, then times the sweep twice: the second run must change nothing. Prints one JSON
line per run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

BATCH = 5000


def _seed(count: int, now: Any) -> None:
    """Bulk-create ``count`` declined proposals decided 800 days before ``now``, with their content."""
    from django.contrib.auth.models import Group

    from accounts.choices import OrganizationType, Role
    from accounts.models import Organization, User
    from intake.models import (
        Attachment,
        BudgetLine,
        Call,
        ConsortiumMember,
        EligibilityOverride,
        Milestone,
        Program,
        Proposal,
        ProposalVersion,
    )
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState as S
    from records.models import AuditRecord, Notification

    program = Program.objects.create(slug="bench-retention", name_en="B", name_fr="B", retention_days=730)
    decided = now - timedelta(days=800)
    call = Call.objects.create(
        program=program, slug="retention", title_en="Bench call", title_fr="Appel",
        loi_opens_at=decided - timedelta(days=200), loi_closes_at=decided - timedelta(days=150),
        application_closes_at=decided - timedelta(days=100), review_due_at=decided - timedelta(days=50),
        board_meeting_at=decided - timedelta(days=10), funding_envelope=Decimal("1000000"),
    )  # fmt: skip
    call_rules_write(call=call, rules=rules_from_fields(funded_partner_types=[OrganizationType.SME]))
    stages = call_stages_default(call=call)
    applicant = User.objects.create_user(email="bench-applicant@example.org", password=None, display_name="A")
    applicant.groups.add(Group.objects.get(name=Role.APPLICANT))
    organization = Organization.objects.create(
        legal_name="Bench Robotics", kind=OrganizationType.SME, employee_count=20, province="ON"
    )
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        proposals = Proposal.objects.bulk_create(
            Proposal(
                call=call, stage=stages["application"], path=list(stages),
                lead_applicant=applicant, lead_organization=organization, state=S.DECLINED,
                title=f"Project {start + i}", summary="A summary.", project_description="What we build.",
                work_plan="How.", estimated_total_cost=Decimal("3000000"),
                estimated_funding_requested=Decimal("1000000"),
            )
            for i in range(size)
        )  # fmt: skip
        if not all(p.pk for p in proposals):  # A backend that returns no keys from bulk_create.
            proposals = list(Proposal.objects.filter(call=call).order_by("-pk")[:size])
        members = ConsortiumMember.objects.bulk_create(
            ConsortiumMember(proposal=p, organization=organization, is_lead=True, funding_requested=Decimal("500000"),
                             background_ip="A patent.")
            for p in proposals
        )  # fmt: skip
        if not all(m.pk for m in members):
            members = list(ConsortiumMember.objects.filter(proposal__in=proposals))
        BudgetLine.objects.bulk_create(BudgetLine(member=m, category="labour", amount=Decimal("1")) for m in members)
        Milestone.objects.bulk_create(Milestone(proposal=p, title="Running", month=12) for p in proposals)
        ProposalVersion.objects.bulk_create(
            ProposalVersion(proposal=p, number=1, kind="application", data={"title": p.title, "summary": "A summary."},
                            submitted_by=applicant, submitted_at=decided - timedelta(days=120))
            for p in proposals
        )  # fmt: skip
        Attachment.objects.bulk_create(
            Attachment(proposal=p, kind="project_plan", file=f"proposals/{p.pk}/gone", original_name="plan.pdf",
                       content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by=applicant)
            for p in proposals
        )  # fmt: skip
        EligibilityOverride.objects.bulk_create(
            EligibilityOverride(proposal=p, check_code="min_smes", reason="Counted.", by=applicant) for p in proposals
        )
        Notification.objects.bulk_create(
            Notification(key=f"bench:{p.pk}", event="decision_made", channel="inbox", recipient=applicant, proposal=p)
            for p in proposals
        )
        AuditRecord.objects.bulk_create(
            AuditRecord(proposal=p, action="decline", from_state=S.BOARD_REVIEW, to_state=S.DECLINED, at=decided)
            for p in proposals
        )


def measure_disposition(count: int, chunk: int | None = None) -> list[dict[str, Any]]:
    """Seed ``count`` proposals due for disposition and time the sweep twice; return one line per run."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from workflow.retention import proposals_dispose_due

    call_command("migrate", interactive=False, verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    _seed(count, now)
    print(f"seeded {count} proposals in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    options = {} if chunk is None else {"chunk": chunk}
    lines = []
    for run in ("first", "second"):
        started = time.perf_counter()
        disposed = proposals_dispose_due(now=now, **options)
        seconds = time.perf_counter() - started
        lines.append({"case": f"dispose_sweep_{run}", "proposals": count, "database": connection.vendor,
                      "seconds": round(seconds, 3), "disposed": disposed})  # fmt: skip
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retention", description=__doc__)
    parser.add_argument("--proposals", type=int, default=100_000, help="proposals due (100000)")
    parser.add_argument("--chunk", type=int, default=None, help="proposals per chunk (the sweep's default)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from bench.database import fresh_database

    with fresh_database() as (_vendor, _name), tempfile.TemporaryDirectory() as media:
        import django
        from django.test import override_settings

        django.setup()
        # The attachments' files are not written: deleting each (absent) one still costs its call.
        with override_settings(MEDIA_ROOT=media):
            for line in measure_disposition(args.proposals, args.chunk):
                print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
