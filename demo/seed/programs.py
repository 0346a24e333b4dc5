"""Seed the demo's clusters, each with its calls: the first cluster one in each stage, the others an open one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from accounts.choices import OrganizationType
from demo.seed.common import DemoSummary, demo_window
from intake.models import Call, Program
from intake.services.rule_rows import call_rules_write, rules_from_fields
from intake.services.stages import call_stages_default

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


def programs_seed(*, now: datetime, summary: DemoSummary) -> Program:
    """Create the programs and calls that are missing (noted in ``summary``); return the first cluster."""
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
            loi_opens, loi_closes, app_closes, review_due, board = (demo_window(now, d) for d in days)
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
                },
            )
            if created:
                call.full_clean()
                call_stages_default(call=call)
                call_rules_write(
                    call=call,
                    rules=rules_from_fields(
                        funded_partner_types=[OrganizationType.LARGE_COMPANY, OrganizationType.SME],
                        required_attachments=["project_plan", "letters_of_support"],
                    ),
                )
                summary.created.append(f"call {slug}/{call_slug}")
    return Program.objects.get(slug=PROGRAMS[0][0])
