"""What the directory's tests make: programs with member organizations and their people."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from accounts.choices import OrganizationType
from accounts.models import Organization, User
from intake.models import Program, ProgramMembership
from registry.models import OrganizationProfile
from registry.services.directory import profile_save
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def member_organization(program: Program, *, european: bool = False, **fields: object) -> Organization:
    """An organization holding a membership of ``program`` since last year (a European cluster if ``european``)."""
    if european:
        fields = {"country": "DE", "province": "", "kind": OrganizationType.FOREIGN, **fields}
    organization = OrganizationFactory(**fields)
    ProgramMembership.objects.create(
        program=program, organization=organization, starts_on=timezone.localdate() - timedelta(days=365)
    )
    return organization


def person_of(organization: Organization, **fields: object) -> User:
    user = UserFactory(**fields)
    MembershipFactory(user=user, organization=organization)
    return user


def profile(organization: Organization, by: User, **fields: object) -> OrganizationProfile:
    values: dict[str, object] = {
        "description_en": "",
        "description_fr": "",
        "capabilities": "",
        "technologies": "",
        "sectors": [],
        "region": "",
        "is_cluster": False,
        **fields,
    }
    return profile_save(organization=organization, by=by, **values)  # type: ignore[arg-type]


def ended_membership(program: Program, organization: Organization) -> None:
    ProgramMembership.objects.create(
        program=program, organization=organization, starts_on=date(2020, 1, 1), ends_on=date(2021, 1, 1)
    )
