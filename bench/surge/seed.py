"""The surge's database: made anew, migrated, then seeded with one call and its applicants' drafts.

The rows are written with ``bulk_create`` (volume, not the use cases): one program and one
call whose letters of intent close at the deadline and ask one optional question answered
with a file (the uploads' form), one program staff member (who hears of every
submission), and per applicant an account with the applicant role, an SME they
are a member of and a complete draft letter of intent that they lead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.database import _admin, _server_params
from bench.people import staff_of_every_program

BATCH = 2000


def database_reset(url: str) -> str:
    """Drop and create the database that ``url`` names (PostgreSQL); return its name."""
    import environ

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"surge: DATABASE_URL must name PostgreSQL, not {config['ENGINE']}.")
    name = str(config["NAME"])
    if name == "postgres":
        raise SystemExit("surge: DATABASE_URL must name a database of the bench's own, not postgres.")
    server = _server_params(config)
    _admin(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
    _admin(server, "CREATE DATABASE {}", name)
    return name


def applicant_email(index: int) -> str:
    return f"applicant-{index:05d}@surge.clusterflow.test"


STAFF_EMAIL = "staff@surge.clusterflow.test"


def seed(*, applicants: int, deadline: datetime, password: str) -> dict[str, Any]:
    """Write the call and its applicants; return the call's and its file question's keys and each applicant's row."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.choices import OrganizationType, Role
    from accounts.models import Membership, Organization, User
    from intake.models import Call, Program, Proposal, Question
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default

    program = Program.objects.create(slug="surge", name_en="Surge cluster", name_fr="Grappe de pointe")
    call = Call.objects.create(
        program=program,
        slug="surge",
        title_en="Deadline surge call",
        title_fr="Appel de dernière minute",
        loi_opens_at=deadline - timedelta(days=30),
        loi_closes_at=deadline,
        application_closes_at=deadline + timedelta(days=60),
        review_due_at=deadline + timedelta(days=90),
        board_meeting_at=deadline + timedelta(days=100),
        funding_envelope=Decimal("25000000.00"),
    )
    call_rules_write(
        call=call, rules=rules_from_fields(funded_partner_types=[OrganizationType.SME, OrganizationType.LARGE_COMPANY])
    )
    stages = call_stages_default(call=call)
    # The letter of intent's one question, optional: a third of the applicants answer it with a file.
    question = Question.objects.create(
        call=call,
        stage="loi",
        section_en="Supporting document",
        section_fr="Document à l'appui",
        position=1,
        kind="file",
        file_types=["pdf"],
        required=False,
        label_en="A document supporting the letter of intent (optional)",
        label_fr="Un document à l'appui de la lettre d'intention (facultatif)",
    )
    # One hash for every account: hashing 1,000 passwords would take minutes, checking them is the server's work.
    encoded = make_password(password)
    applicant_group = Group.objects.get_or_create(name=Role.APPLICANT.value)[0]
    staff_group = Group.objects.get_or_create(name=Role.STAFF.value)[0]
    staff = User.objects.create(email=STAFF_EMAIL, display_name="Sam Staff", preferred_language="en", password=encoded)
    staff.groups.add(staff_group)
    staff_of_every_program(staff)

    rows: list[dict[str, Any]] = []
    for start in range(0, applicants, BATCH):
        indexes = range(start, min(applicants, start + BATCH))
        users = User.objects.bulk_create(
            User(email=applicant_email(index), display_name=f"Applicant {index}", preferred_language="en",
                 password=encoded)
            for index in indexes
        )  # fmt: skip
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=applicant_group.pk) for user in users
        )
        organizations = Organization.objects.bulk_create(
            Organization(
                legal_name=f"Surge Robotics {index}",
                kind=OrganizationType.SME,
                employee_count=20,
                country="CA",
                province="ON",
            )
            for index in indexes
        )
        Membership.objects.bulk_create(
            Membership(user=user, organization=organization)
            for user, organization in zip(users, organizations, strict=True)
        )
        proposals = Proposal.objects.bulk_create(
            Proposal(
                call=call,
                stage=stages["loi"],
                path=list(stages),
                lead_applicant=user,
                lead_organization=organization,
                title=f"Project {index}: a shared testbed",
                summary="Four partners build and share a testbed for small manufacturers.",
                challenge="Downtime on small production lines.",
                technology="A digital twin of the line.",
                expected_partners="Two SMEs and a college.",
                estimated_total_cost=Decimal("3000000.00"),
                estimated_funding_requested=Decimal("1000000.00"),
            )
            for index, user, organization in zip(indexes, users, organizations, strict=True)
        )
        rows += [
            {"email": user.email, "proposal": proposal.pk} for user, proposal in zip(users, proposals, strict=True)
        ]
    return {"call": call.pk, "file_question": question.pk, "rows": rows}


def deadline_set(call_pk: int, deadline: datetime) -> None:
    """Move the call's letter-of-intent deadline (as staff would) to ``deadline``."""
    from intake.models import Call, Stage

    Call.objects.filter(pk=call_pk).update(loi_closes_at=deadline)
    Stage.objects.filter(call_id=call_pk, kind="loi").update(closes_at=deadline)
