"""Benchmarks of the lifecycle: the submit action through the full request, and the sweeps.

The request case registers with ``@case`` like the others. The sweeps are jobs, not pages:
``python -m bench.lifecycle --drafts 100000`` times each over a fresh database and prints
one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.registry import SeedContext, case
from bench.sign_in import log_in, messages_shown

DRAFTS_FOR_SUBMIT = 3000


def _applicant_with_call(now: datetime, *, loi_closes_in: timedelta) -> tuple[Any, Any, Any]:
    from django.contrib.auth.models import Group

    from accounts.choices import OrganizationType, Role
    from accounts.models import Membership, Organization, User
    from intake.models import Call, Program
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default

    program, _created = Program.objects.get_or_create(slug="bench-lifecycle", defaults={"name_en": "B", "name_fr": "B"})
    closes = now + loi_closes_in
    call = Call.objects.create(
        program=program,
        slug=f"lifecycle-{int(closes.timestamp())}",
        title_en="Bench call",
        title_fr="Appel",
        loi_opens_at=now - timedelta(days=400),
        loi_closes_at=closes,
        application_closes_at=closes + timedelta(days=60),
        review_due_at=closes + timedelta(days=90),
        board_meeting_at=closes + timedelta(days=100),
        funding_envelope=Decimal("1000000"),
    )
    call_rules_write(call=call, rules=rules_from_fields(funded_partner_types=[OrganizationType.SME]))
    call_stages_default(call=call)
    applicant = User.objects.create_user(
        email=f"bench-applicant-{call.pk}@example.org", password=None, display_name="Applicant"
    )
    applicant.groups.add(Group.objects.get(name=Role.APPLICANT))
    organization = Organization.objects.create(
        legal_name=f"Bench Robotics {call.pk}", kind=OrganizationType.SME, employee_count=20, province="ON"
    )
    Membership.objects.create(user=applicant, organization=organization)
    return call, applicant, organization


def _drafts(call: Any, applicant: Any, organization: Any, count: int) -> list[int]:
    from intake.models import Proposal

    pks: list[int] = []
    for start in range(0, count, 5000):
        batch = [
            Proposal(
                call=call,
                stage=call.stages.get(kind="loi"),
                path=["loi", "application"],
                lead_applicant=applicant,
                lead_organization=organization,
                title=f"Project {index}",
                summary="A summary.",
                challenge="A challenge.",
                technology="A technology.",
                expected_partners="Two partners.",
                estimated_total_cost=Decimal("3000000"),
                estimated_funding_requested=Decimal("1000000"),
            )
            for index in range(start, min(count, start + 5000))
        ]
        pks += [proposal.pk for proposal in Proposal.objects.bulk_create(batch)]
    if not all(pks):  # A backend that returns no keys from bulk_create.
        pks = list(Proposal.objects.filter(call=call).order_by("pk").values_list("pk", flat=True))
    return pks


@dataclass
class Drafts:
    applicant: Any
    pks: Iterator[int] = field(default_factory=lambda: iter(()))


def seed_drafts_to_submit(ctx: SeedContext) -> Drafts:
    call, applicant, organization = _applicant_with_call(ctx.now, loi_closes_in=timedelta(days=30))
    return Drafts(applicant=applicant, pks=iter(_drafts(call, applicant, organization, DRAFTS_FOR_SUBMIT)))


def log_in_applicant(client: Any, data: Drafts) -> None:
    log_in(client, data.applicant)


@case(
    "submit_loi",
    max_queries=8,
    seed=seed_drafts_to_submit,
    prepare=log_in_applicant,
    expected_status=302,
    description="The lead applicant submits a letter of intent: the POST of the action, a fresh draft each time.",
)
def submit_loi(client: Any, data: Drafts) -> Any:
    from django.urls import reverse

    pk = next(data.pks)
    messages_shown(client)  # the last round's "Done", shown by the page its redirect led to
    return client.post(
        reverse("workflow:proposal_act", args=[pk, "submit_loi"]), {"submit_loi-expected_state": "draft"}
    )


def measure_sweeps(drafts: int, chunk: int | None = None) -> list[dict[str, Any]]:
    """Time the expiry and reminder sweeps over ``drafts`` drafts each; return one line per run.

    ``chunk`` overrides the sweeps' own chunk size, to compare sizes.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from workflow.actions.deadlines import proposals_expire_overdue
    from workflow.sweeps import deadline_reminders_send

    call_command("migrate", interactive=False, verbosity=0)
    now = timezone.now()
    vendor = connection.vendor
    lines = []
    options = {} if chunk is None else {"chunk": chunk}

    overdue = _applicant_with_call(now, loi_closes_in=timedelta(days=-1))
    _drafts(*overdue, drafts)
    for run in ("first", "second"):
        started = time.perf_counter()
        changed = proposals_expire_overdue(now=now, **options)
        seconds = time.perf_counter() - started
        lines.append({"case": f"expire_sweep_{run}", "drafts": drafts, "database": vendor,
                      "seconds": round(seconds, 3), "changed": changed})  # fmt: skip

    near = _applicant_with_call(now, loi_closes_in=timedelta(days=3))
    _drafts(*near, drafts)
    for run in ("first", "second"):
        started = time.perf_counter()
        reminded = deadline_reminders_send(now=now, **options)
        seconds = time.perf_counter() - started
        lines.append({"case": f"reminder_sweep_{run}", "drafts": drafts, "database": vendor,
                      "seconds": round(seconds, 3), "reminded": reminded})  # fmt: skip
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lifecycle", description=__doc__)
    parser.add_argument("--drafts", type=int, default=100_000, help="drafts per sweep (100000)")
    parser.add_argument("--chunk", type=int, default=None, help="proposals per chunk (the sweeps' default)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from bench.database import fresh_database

    with fresh_database() as (_vendor, _name):
        import django
        from django.test import override_settings

        django.setup()
        # Sweeps queue their emails after commit; no broker is needed to measure the sweep.
        with override_settings(CELERY_BROKER_URL="memory://"):
            from config.celery import app

            app.conf.broker_url = "memory://"
            for line in measure_sweeps(args.drafts, args.chunk):
                print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
