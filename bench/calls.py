"""The call several benchmarks seed: a program and its call in review, with the bench's usual rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any


def call_in_review(
    *,
    now: datetime,
    program: tuple[str, str, str],
    slug: str,
    title: tuple[str, str],
    days: tuple[int, int, int, int, int] = (120, 80, 5, -30, -45),
    envelope: Decimal = Decimal("25000000.00"),
) -> tuple[Any, dict[str, Any]]:
    """Create ``program`` (slug, English and French names) and its call ``slug`` titled ``title``; return the call
    and its default stages (letter of intent, full application) by kind.

    ``days`` are how long ago the letters of intent opened and closed, the applications closed,
    the reviews were due and the board met (negative: still to come). The call funds SMEs and
    large companies and asks for a project plan and letters of support.
    """
    from accounts.choices import OrganizationType
    from intake.models import Call, Program
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default

    slug_of_program, name_en, name_fr = program
    loi_opens, loi_closes, application_closes, review_due, board_meeting = days
    call = Call.objects.create(
        program=Program.objects.create(slug=slug_of_program, name_en=name_en, name_fr=name_fr),
        slug=slug,
        title_en=title[0],
        title_fr=title[1],
        loi_opens_at=now - timedelta(days=loi_opens),
        loi_closes_at=now - timedelta(days=loi_closes),
        application_closes_at=now - timedelta(days=application_closes),
        review_due_at=now - timedelta(days=review_due),
        board_meeting_at=now - timedelta(days=board_meeting),
        funding_envelope=envelope,
    )
    call_rules_write(
        call=call,
        rules=rules_from_fields(
            funded_partner_types=[OrganizationType.LARGE_COMPANY, OrganizationType.SME],
            required_attachments=["project_plan", "letters_of_support"],
        ),
    )
    return call, call_stages_default(call=call)


def submitted_document(call: Any, proposal: Any, kind: str = "application") -> dict[str, Any]:
    """A submitted version's document, with the texts the proposal's submission froze and its rules.

    A submission freezes the proposal's texts and the call's rules of the stage in its version
    (``intake.services.versions``): every submitted proposal's eligibility is then checked against
    those, read from its version. The rest of a real document (consortium, budget, verdicts) is
    left out: the pages measured here do not read it.
    """
    from intake.eligibility.data import rules_to_data
    from intake.services.versions import APPLICATION_FIELDS, LOI_FIELDS, SCHEMA

    texts = {name: getattr(proposal, name) for name in (*LOI_FIELDS, *APPLICATION_FIELDS)}
    return {"schema": SCHEMA, **texts, "rules": rules_to_data(call.eligibility_rules(kind))}
