"""Program memberships: their dates refused when impossible, kept by the program's staff and audited, read by day."""

from __future__ import annotations

from datetime import date
from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.choices import Role
from accounts.errors import ActionForbidden
from accounts.models import Organization, User
from intake.models import Program, ProgramMembership
from intake.selectors import organizations_members_on
from intake.services.memberships import MEMBERSHIP_ADD, MEMBERSHIP_CHANGE, membership_add, membership_change
from records.models import AuditRecord
from tests.factories import OrganizationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    return cast(Program, ProgramFactory(name_en="Ocean"))


@pytest.fixture
def other_program() -> Program:
    return cast(Program, ProgramFactory(name_en="Protein"))


@pytest.fixture
def own_staff(program: Program, other_program: Program) -> User:
    return cast(User, UserFactory(role=Role.STAFF, programs=[program]))


@pytest.fixture
def organization() -> Organization:
    return cast(Organization, OrganizationFactory(legal_name="Acme Robotics"))


def _membership(program: Program, organization: Organization, starts: date, ends: date | None) -> ProgramMembership:
    return ProgramMembership(program=program, organization=organization, starts_on=starts, ends_on=ends)


def test_membership_clean_refuses_an_end_before_the_start(program: Program, organization: Organization) -> None:
    membership = _membership(program, organization, date(2026, 5, 1), date(2026, 4, 30))

    with pytest.raises(ValidationError) as refused:
        membership.full_clean()

    assert refused.value.message_dict == {"ends_on": ["A membership cannot end before it starts."]}


def test_membership_clean_takes_a_one_day_membership(program: Program, organization: Organization) -> None:
    membership = _membership(program, organization, date(2026, 5, 1), date(2026, 5, 1))

    membership.full_clean()

    assert membership.holds_on(date(2026, 5, 1))
    assert not membership.holds_on(date(2026, 5, 2))
    assert not membership.holds_on(date(2026, 4, 30))


def test_membership_database_refuses_an_end_before_the_start(program: Program, organization: Organization) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _membership(program, organization, date(2026, 5, 1), date(2026, 4, 30)).save()


@pytest.mark.parametrize(
    ("starts", "ends", "overlaps"),
    [
        (date(2025, 1, 1), date(2025, 12, 31), False),  # ends the day before the existing one starts
        (date(2025, 1, 1), date(2026, 1, 1), True),  # ends on its first day
        (date(2026, 6, 1), None, True),  # inside it
        (date(2026, 12, 31), date(2027, 3, 1), True),  # starts on its last day
        (date(2027, 1, 1), None, False),  # starts the day after it ends
    ],
)
def test_membership_clean_refuses_an_overlap_of_the_same_organization(
    program: Program, organization: Organization, starts: date, ends: date | None, overlaps: bool
) -> None:
    _membership(program, organization, date(2026, 1, 1), date(2026, 12, 31)).save()
    membership = _membership(program, organization, starts, ends)

    if overlaps:
        with pytest.raises(ValidationError) as refused:
            membership.full_clean()
        assert refused.value.message_dict == {
            "starts_on": ["Acme Robotics is already a member of this program from 2026-01-01 to 2026-12-31."]
        }
    else:
        membership.full_clean()


def test_membership_clean_takes_the_same_dates_in_another_program_or_for_another_organization(
    program: Program, other_program: Program, organization: Organization
) -> None:
    _membership(program, organization, date(2026, 1, 1), None).save()

    _membership(other_program, organization, date(2026, 1, 1), None).full_clean()
    _membership(program, cast(Organization, OrganizationFactory()), date(2026, 1, 1), None).full_clean()


def test_organizations_members_on_reads_the_day_in_one_query(
    program: Program, other_program: Program, django_assert_num_queries: object
) -> None:
    current, ended, future, elsewhere, none = (cast(Organization, OrganizationFactory()) for _ in range(5))
    _membership(program, current, date(2026, 1, 1), None).save()
    _membership(program, ended, date(2025, 1, 1), date(2026, 2, 28)).save()
    _membership(program, future, date(2026, 3, 2), None).save()
    _membership(other_program, elsewhere, date(2020, 1, 1), None).save()
    ids = [org.pk for org in (current, ended, future, elsewhere, none)]

    with django_assert_num_queries(1):  # type: ignore[operator]
        found = organizations_members_on(program_id=program.pk, organization_ids=ids, on=date(2026, 3, 1))

    assert found == {current.pk}
    assert organizations_members_on(program_id=program.pk, organization_ids=ids, on=date(2026, 2, 28)) == {
        current.pk,
        ended.pk,
    }


def test_membership_add_records_it_and_audits_it_against_the_program(
    own_staff: User, program: Program, organization: Organization
) -> None:
    membership = membership_add(
        by=own_staff, program=program, organization=organization, starts_on=date(2026, 1, 1), ends_on=None, note=" x "
    )

    assert (membership.created_by, membership.note) == (own_staff, "x")
    [record] = AuditRecord.objects.filter(program=program)
    assert (record.action, record.actor, record.proposal_id, record.call_id) == (MEMBERSHIP_ADD, own_staff, None, None)
    assert record.data == {
        "membership": membership.pk,
        "organization": organization.pk,
        "organization_name": "Acme Robotics",
        "before": None,
        "after": {"starts_on": "2026-01-01", "ends_on": None, "note": "x"},
    }


def test_membership_change_ends_it_and_audits_before_and_after(
    own_staff: User, program: Program, organization: Organization
) -> None:
    membership = membership_add(
        by=own_staff, program=program, organization=organization, starts_on=date(2026, 1, 1), ends_on=None
    )

    membership_change(by=own_staff, membership=membership, starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30))

    membership.refresh_from_db()
    assert membership.ends_on == date(2026, 6, 30)
    record = AuditRecord.objects.filter(program=program).latest("pk")
    assert record.action == MEMBERSHIP_CHANGE
    assert record.data["before"] == {"starts_on": "2026-01-01", "ends_on": None, "note": ""}
    assert record.data["after"] == {"starts_on": "2026-01-01", "ends_on": "2026-06-30", "note": ""}


def test_membership_change_refuses_an_overlap_and_keeps_the_dates(
    own_staff: User, program: Program, organization: Organization
) -> None:
    first = membership_add(
        by=own_staff,
        program=program,
        organization=organization,
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    membership_add(by=own_staff, program=program, organization=organization, starts_on=date(2026, 1, 1), ends_on=None)

    with pytest.raises(ValidationError) as refused:
        membership_change(by=own_staff, membership=first, starts_on=date(2025, 1, 1), ends_on=date(2026, 1, 1))

    assert list(refused.value.message_dict) == ["starts_on"]
    first.refresh_from_db()
    assert first.ends_on == date(2025, 12, 31)
    assert AuditRecord.objects.filter(program=program, action=MEMBERSHIP_CHANGE).count() == 0


def test_membership_add_refuses_staff_of_another_program(
    other_program: Program, own_staff: User, organization: Organization
) -> None:
    with pytest.raises(ActionForbidden):
        membership_add(
            by=own_staff, program=other_program, organization=organization, starts_on=date(2026, 1, 1), ends_on=None
        )

    assert not ProgramMembership.objects.exists()
