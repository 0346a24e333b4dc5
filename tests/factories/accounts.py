"""Factories of the accounts app: people (with their roles), organizations and their members."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import factory
from django.db.models import Count, Q
from django.utils import timezone

from accounts.choices import PROGRAM_ROLES, OrganizationType, Role
from accounts.models import FormerMembership, JoinRequest, Membership, Organization, SignInRecord, User
from accounts.services import user_grant_role
from intake.models import Program, ProgramRole

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role=Role.STAFF)`` grants a role through the service."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    preferred_language = "en"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            user_grant_role(user=self, role=extracted)

    @factory.post_generation
    def programs(self, create: bool, extracted: Iterable[Program] | None, **kwargs: object) -> None:
        """Hold a program role (``role=``) for ``programs=[…]``, or by default for every program, now and later.

        The factories' default is the installation upgraded from before roles per program
        (``intake/migrations/0007``): staff, board members and assessors of every program;
        ``ProgramFactory`` adds each new program to those who hold theirs everywhere. A test
        of one program's isolation names the programs.
        """
        if not create:
            return
        for role in sorted(self.roles & set(PROGRAM_ROLES)):
            if role == Role.FUNDER and extracted is None:
                targets: list[Program | None] = [None]
            else:
                targets = list(Program.objects.all() if extracted is None else extracted)
            ProgramRole.objects.bulk_create([ProgramRole(user=self, program=p, role=role) for p in targets])
        self.forget_roles()


def program_roles_everywhere(program: Program) -> None:
    """Give ``program`` to each holder of a program role who holds it for every other program."""
    others = Program.objects.exclude(pk=program.pk).count()
    for role in (Role.STAFF, Role.BOARD_MEMBER, Role.ASSESSOR):
        held = Count("program_roles", filter=Q(program_roles__role=role) & ~Q(program_roles__program=program))
        everywhere = User.objects.filter(groups__name=role).annotate(held=held).filter(held=others)
        ProgramRole.objects.bulk_create(
            [ProgramRole(user_id=pk, program=program, role=role) for pk in everywhere.values_list("pk", flat=True)]
        )


def user_with_role(role: Role, **fields: object) -> User:
    """Return a new user holding ``role``."""
    return UserFactory(role=role, **fields)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Organization {n} Inc.")
    kind = OrganizationType.SME
    employee_count = 42
    country = "CA"
    province = "ON"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, role=Role.APPLICANT)
    organization = factory.SubFactory(OrganizationFactory)
    title = "Director of research"


class JoinRequestFactory(factory.django.DjangoModelFactory):
    """A pending request of a new applicant to act for an organization."""

    class Meta:
        model = JoinRequest

    user = factory.SubFactory(UserFactory, role=Role.APPLICANT)
    organization = factory.SubFactory(OrganizationFactory)
    title = "Engineer"


class FormerMembershipFactory(factory.django.DjangoModelFactory):
    """A membership that ended a year ago, after two years."""

    class Meta:
        model = FormerMembership

    user = factory.SubFactory(UserFactory, role=Role.APPLICANT)
    organization = factory.SubFactory(OrganizationFactory)
    title = "Engineer"
    left_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=365))
    joined_at = factory.LazyAttribute(lambda former: former.left_at - timedelta(days=730))


class SignInRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignInRecord

    user = factory.SubFactory(UserFactory)
    address = "192.0.2.10"
