"""Seed the demo: the five clusters, calls in each stage, and one user per role.

Idempotent: objects are found by their natural keys and created only when missing, so
a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.choices import OrganizationType, Role
from accounts.models import Membership, Organization, User
from accounts.services import user_grant_role
from intake.models import Call, Program

DEMO_PASSWORD = "clusterflow-demo"  # noqa: S105 - printed for the demo on purpose

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

USERS = [
    ("applicant@demo.clusterflow.ca", "Alex Applicant", Role.APPLICANT, "en"),
    ("staff@demo.clusterflow.ca", "Sam Staff", Role.STAFF, "en"),
    ("assessor@demo.clusterflow.ca", "Ada Assessor", Role.ASSESSOR, "fr"),
    ("board@demo.clusterflow.ca", "Bo Board", Role.BOARD_MEMBER, "en"),
]


@dataclass
class DemoSummary:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _window(now: datetime, days: int) -> datetime:
    # Whole hours at 17:00 UTC, so the demo's deadlines read like real ones.
    return (now + timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0)


def demo_seed(*, now: datetime | None = None) -> DemoSummary:
    """Create what the demo needs and is missing; return what was created and the logins."""
    now = now or timezone.now()
    summary = DemoSummary()
    with transaction.atomic():
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
                loi_opens, loi_closes, app_closes, review_due, board = (_window(now, d) for d in days)
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
                        "funded_partner_types": [OrganizationType.LARGE_COMPANY, OrganizationType.SME],
                        "required_attachments": ["project_plan", "letters_of_support"],
                    },
                )
                if created:
                    call.full_clean()
                    summary.created.append(f"call {slug}/{call_slug}")

        organization, created = Organization.objects.get_or_create(
            legal_name="Northern Robotics Inc.",
            country="CA",
            defaults={"kind": OrganizationType.SME, "employee_count": 42, "province": "ON"},
        )
        if created:
            summary.created.append("organization Northern Robotics Inc.")
        for email, name, role, language in USERS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"display_name": name, "preferred_language": language}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                summary.created.append(f"user {email}")
            user_grant_role(user=user, role=role)
            if role == Role.APPLICANT:
                Membership.objects.get_or_create(user=user, organization=organization)
            summary.logins.append((str(Role(role).label), email))
        admin, created = User.objects.get_or_create(
            email="admin@demo.clusterflow.ca",
            defaults={"display_name": "Ada Admin", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
            summary.created.append("user admin@demo.clusterflow.ca")
        summary.logins.append(("Django admin", admin.email))
    return summary
