"""The benchmark cases and the seeds they need.

A new case is a request function registered with ``@case``; a new kind of data is a seed
function that may build on the others with ``ctx.need(...)``. Seeds write with
``bulk_create``: they make data at scale, not through the use cases (which tests cover).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.choices import OrganizationType, Role
from accounts.models import User
from bench.people import staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in
from intake.eligibility import params_to_data
from intake.models import Call, CallRule, Program, Stage
from intake.services.rule_rows import rules_from_fields
from intake.services.stages import stages_default

# The five programs, one call in every stage each before the pattern repeats.
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
# Days from now: letters of intent open, close; full applications close; reviews due; board.
STAGES = [
    ("loi-open", (-10, 30, 90, 120, 135)),
    ("applications", (-60, -20, 25, 55, 70)),
    ("in-review", (-150, -110, -40, 10, 25)),
    ("upcoming", (20, 60, 120, 150, 165)),
    ("decided", (-400, -360, -300, -270, -255)),
]


@dataclass(frozen=True)
class Calls:
    program_pks: list[int]
    staff: User


def seed_nothing(ctx: SeedContext) -> None:
    """Seed nothing: the floor reads a table that migrations fill."""


def seed_calls(ctx: SeedContext) -> Calls:
    """Create the five programs, ``scale`` calls spread over them and the stages, and a staff user."""
    programs = Program.objects.bulk_create(
        Program(
            slug=slug,
            name_en=name_en,
            name_fr=name_fr,
            description_en=f"{name_en} funds collaborative technology leadership projects.",
            description_fr=f"{name_fr} finance des projets collaboratifs de leadership technologique.",
        )
        for slug, name_en, name_fr, _zone in PROGRAMS
    )
    calls = []
    for index in range(ctx.scale):
        program_index = index % len(PROGRAMS)
        stage, days = STAGES[(index // len(PROGRAMS)) % len(STAGES)]
        # A few minutes apart, so the lists' orderings have work to do.
        opens, closes, applications, reviews, board = (_moment(ctx.now, day, index) for day in days)
        calls.append(
            Call(
                program=programs[program_index],
                slug=f"{stage}-{index}",
                title_en=f"Call {index}: technology leadership projects ({stage})",
                title_fr=f"Appel {index} : projets de leadership technologique ({stage})",
                description_en="Consortia of at least three partners, one an SME, co-invest with the cluster.",
                description_fr="Des consortiums d'au moins trois partenaires, dont une PME, co-investissent.",
                timezone=PROGRAMS[program_index][3],
                loi_opens_at=opens,
                loi_closes_at=closes,
                application_closes_at=applications,
                review_due_at=reviews,
                board_meeting_at=board,
                funding_envelope=Decimal("25000000.00"),
            )
        )
    Call.objects.bulk_create(calls, batch_size=500)
    rules = rules_from_fields(
        funded_partner_types=[OrganizationType.LARGE_COMPANY, OrganizationType.SME],
        required_attachments=["project_plan", "letters_of_support"],
    )
    CallRule.objects.bulk_create(
        [
            CallRule(call=call, kind=rule.kind, params=params_to_data(rule.params), stages=list(rule.stages),
                     position=position)
            for call in Call.objects.filter(program__in=programs)
            for position, rule in enumerate(rules, start=1)
        ],
        batch_size=500,
    )  # fmt: skip
    Stage.objects.bulk_create(
        [
            Stage(call=call, kind=plan.kind, position=position, opens_at=plan.opens_at, closes_at=plan.closes_at,
                  assessed=plan.assessed)
            for call in Call.objects.filter(program__in=programs)
            for position, plan in enumerate(stages_default(call=call), start=1)
        ],
        batch_size=500,
    )  # fmt: skip
    staff = User(email="staff@bench.clusterflow.test", display_name="Sam Staff", preferred_language="en")
    staff.set_unusable_password()
    staff.save()
    staff.groups.add(Group.objects.get_or_create(name=Role.STAFF.value)[0])
    staff_of_every_program(staff)
    return Calls(program_pks=[program.pk for program in programs], staff=staff)


def _moment(now: datetime, days: int, index: int) -> datetime:
    return (now + timedelta(days=days, minutes=index)).replace(second=0, microsecond=0)


def log_in_staff(client: Client, data: Calls) -> None:
    log_in(client, data.staff)


@case(
    "floor",
    seed=seed_nothing,
    description="A bench-only view that runs one tiny query and returns two bytes: the unit of the ratios.",
)
def floor(client: Client, data: Any) -> Any:
    return client.get(reverse("bench_floor"))


@case(
    "calls_open",
    seed=seed_calls,
    description="The public open-calls page, anonymous: the open and upcoming calls (3 in 5 of the scale).",
)
def calls_open(client: Client, data: Calls) -> Any:
    return client.get(reverse("intake:calls_open"))


@case("home", seed=seed_calls, description="The home page, anonymous: the five open calls closing soonest.")
def home(client: Client, data: Calls) -> Any:
    return client.get(reverse("home"))


@case(
    "program_detail",
    seed=seed_calls,
    prepare=log_in_staff,
    description="The staff page of one program, signed in as program staff: its calls (1 in 5 of the scale).",
)
def program_detail(client: Client, data: Calls) -> Any:
    return client.get(reverse("intake:program_detail", args=[data.program_pks[0]]))
