"""Seed the demo's people: the applicant's organization, one user per role, the Django admin and the reviewers.

The demo's one user per role acts in every cluster; besides them, each cluster has its own
staff member, who acts in that cluster only, and a funder reads every cluster.

Every demo user signs in with ``DEMO_PASSWORD``; staff and the admin also type a code of
the demo's public authenticator key, ``DEMO_TOTP_KEY``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import PROGRAM_ROLES, OrganizationType, Role
from accounts.models import Membership, Organization, User
from accounts.services import user_grant_role
from demo.seed.common import DemoSummary
from demo.seed.programs import PROGRAMS
from intake.models import Program, ProgramRole

DEMO_PASSWORD = "clusterflow-demo"  # noqa: S105 - printed for the demo on purpose
# The authenticator key of the demo's staff and admin accounts, which must sign in with a
# second factor (docs/adr/0023). It is public, printed and in the README: for the demo only.
DEMO_TOTP_KEY = "MNWHK43UMVZGM3DPO4WWIZLNN4WWWZLZ"

USERS = [
    ("applicant@demo.clusterflow.ca", "Alex Applicant", Role.APPLICANT, "en"),
    ("staff@demo.clusterflow.ca", "Sam Staff", Role.STAFF, "en"),
    ("assessor@demo.clusterflow.ca", "Ada Assessor", Role.ASSESSOR, "fr"),
    ("board@demo.clusterflow.ca", "Bo Board", Role.BOARD_MEMBER, "en"),
]

# The assessors who reviewed the assessed proposal (not the demo assessor, whose offer stays
# open) and the board meeting's second member; they log in with the demo password too.
REVIEWERS = [
    ("reviewer1@demo.clusterflow.ca", "Rosa Reviewer", "en"),
    ("reviewer2@demo.clusterflow.ca", "Rémi Réviseur", "fr"),
    ("reviewer3@demo.clusterflow.ca", "Ravi Reviewer", "en"),
]
SECOND_BOARD_MEMBER = ("board2@demo.clusterflow.ca", "Béa Board", Role.BOARD_MEMBER, "fr")

# The staff member of each cluster alone (by the cluster's slug, in ``PROGRAMS``): their name and language.
CLUSTER_STAFF = {
    "digital": ("Dev Digital", "en"),
    "protein": ("Paule Protéine", "fr"),
    "ngen": ("Nico Ngen", "en"),
    "scale-ai": ("Sasha Scale", "fr"),
    "ocean": ("Olivia Ocean", "en"),
}
FUNDER = ("funder@demo.clusterflow.ca", "Fran Funder", "en")


def cluster_staff_email(slug: str) -> str:
    """Return the email address of the staff member of the cluster ``slug`` alone."""
    return f"staff-{slug}@demo.clusterflow.ca"


@dataclass(frozen=True)
class DemoPeople:
    """The applicant's organization and the demo users the later steps act as."""

    organization: Organization
    applicant: User
    staff: User
    assessor: User
    chair: User


def people_seed(*, summary: DemoSummary) -> DemoPeople:
    """Create the organization, the users of ``USERS`` and the admin that are missing; note their logins."""
    organization, created = Organization.objects.get_or_create(
        legal_name="Northern Robotics Inc.",
        country="CA",
        defaults={"kind": OrganizationType.SME, "employee_count": 42, "province": "ON"},
    )
    if created:
        summary.created.append("organization Northern Robotics Inc.")
    for email, name, role, language in USERS:
        user = demo_user(email=email, name=name, role=role, language=language, summary=summary)
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
    cluster_staff = _cluster_staff_seed(summary=summary)
    _funder_seed(summary=summary)
    for user in (User.objects.get(email=USERS[1][0]), admin, *cluster_staff):
        if _authenticator_create(user=user):
            summary.created.append(f"authenticator of {user.email}")
    return DemoPeople(
        organization=organization,
        applicant=User.objects.get(email=USERS[0][0]),
        staff=User.objects.get(email=USERS[1][0]),
        assessor=User.objects.get(email=USERS[2][0]),
        chair=User.objects.get(email=USERS[3][0]),
    )


def _cluster_staff_seed(*, summary: DemoSummary) -> list[User]:
    """Create each cluster's own staff member, staff of that cluster alone, if missing; note their logins."""
    users = []
    for slug, _name_en, _name_fr, _zone in PROGRAMS:
        name, language = CLUSTER_STAFF[slug]
        email = cluster_staff_email(slug)
        program = Program.objects.get(slug=slug)
        users.append(
            demo_user(email=email, name=name, role=Role.STAFF, language=language, summary=summary, programs=[program])
        )
        summary.logins.append((f"Staff of {slug}", email))
    return users


def _funder_seed(*, summary: DemoSummary) -> User:
    """Create the funder, who reads every cluster (a grant with no program), if missing; note their login."""
    email, name, language = FUNDER
    funder = demo_user(email=email, name=name, role=Role.FUNDER, language=language, summary=summary, programs=[None])
    summary.logins.append((str(Role.FUNDER.label), email))
    return funder


def demo_user(
    *,
    email: str,
    name: str,
    role: str,
    language: str,
    summary: DemoSummary,
    programs: Iterable[Program | None] | None = None,
) -> User:
    """Return the demo user ``email`` with ``role``, made with the demo password if missing (noted in ``summary``).

    A program role is held in ``programs``, by default every cluster (``None`` in it: a funder's every program).
    """
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "preferred_language": language}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        summary.created.append(f"user {email}")
    user_grant_role(user=user, role=role)
    if role in PROGRAM_ROLES:  # by default, the demo's one user per role acts in every cluster
        for program in Program.objects.all() if programs is None else programs:
            ProgramRole.objects.get_or_create(user=user, program=program, role=role)
    return user


def _authenticator_create(*, user: User) -> bool:
    """Give ``user`` the demo's authenticator (key ``DEMO_TOTP_KEY``) if they have none; return whether it was made."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return False
    key = base64.b32decode(DEMO_TOTP_KEY).hex()
    TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)
    return True
