"""The engine's partners carry the call's roles they take and their membership of the program, wherever built."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import Organization, User
from intake.choices import AttachmentType, VersionKind
from intake.eligibility import Partner
from intake.models import (
    Call,
    ConsortiumMember,
    ConsortiumRole,
    Program,
    ProgramMembership,
    Proposal,
    ProposalVersion,
)
from intake.services.call_lists import prefetch_eligibility
from intake.services.versions import version_application, version_sheet, versions_compare
from tests.factories import CallFactory, ProgramFactory, UserFactory
from tests.intake.test_versions import invited_application
from workflow.actions import proposal_submit_application

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory(program=ProgramFactory(name_en="Scale AI"), timezone="America/Toronto"))


def _lead() -> User:
    return cast(User, UserFactory(role="applicant"))


def _roles(call: Call) -> tuple[ConsortiumRole, ConsortiumRole]:
    return (
        ConsortiumRole.objects.get_or_create(call=call, slug="adopter", name_en="Adopter", name_fr="Adoptant")[0],
        ConsortiumRole.objects.get_or_create(
            call=call, slug="provider", name_en="AI provider", name_fr="Fournisseur d'IA", position=1
        )[0],
    )


def _members(proposal: Proposal) -> list[ConsortiumMember]:
    return list(proposal.members.select_related("organization").order_by("-is_lead", "created_at", "pk"))


def _member_of(call: Call, organization: Organization, starts: date, ends: date | None = None) -> None:
    ProgramMembership.objects.create(program=call.program, organization=organization, starts_on=starts, ends_on=ends)


def _prepared(call: Call) -> Proposal:
    """A full application of three partners: the lead an adopter and a member, the second a provider and a
    former member, the third a member of another program only."""
    proposal = invited_application(_lead(), call=call)
    adopter, provider = _roles(call)
    lead, second, third = _members(proposal)
    lead.roles.add(adopter)
    second.roles.add(provider, adopter)
    today = timezone.localtime(timezone.now(), TORONTO).date()
    _member_of(call, lead.organization, today - timedelta(days=10))
    _member_of(call, second.organization, today - timedelta(days=100), today - timedelta(days=1))
    ProgramMembership.objects.create(
        program=cast(Program, ProgramFactory()), organization=third.organization, starts_on=today - timedelta(days=10)
    )
    return Proposal.objects.select_related("call__program").get(pk=proposal.pk)


def _seen(partners: tuple[Partner, ...] | list[Partner]) -> list[tuple[frozenset[str], bool]]:
    return [(partner.roles, partner.member) for partner in partners]


def test_eligibility_application_gives_partners_their_roles_and_todays_membership(call: Call) -> None:
    proposal = _prepared(call)

    partners = proposal.eligibility_application(VersionKind.APPLICATION).partners

    assert _seen(partners) == [
        (frozenset({"adopter"}), True),
        (frozenset({"adopter", "provider"}), False),
        (frozenset(), False),
    ]


def test_partner_fields_come_after_the_costs_with_their_defaults() -> None:
    names = list(Partner.__dataclass_fields__)

    assert names[-3:] == ["costs", "roles", "member"]
    partner = Partner(
        name="A", kind="sme", employees=1, country="CA", province="ON", is_lead=True, cash=0, in_kind=0,  # type: ignore[arg-type]
        funding_requested=0,  # type: ignore[arg-type]
    )  # fmt: skip
    assert (partner.roles, partner.member) == (frozenset(), False)


def test_membership_day_is_today_while_editable_and_the_submission_day_after(call: Call) -> None:
    submitted_at = datetime(2026, 3, 2, 3, 0, tzinfo=ZoneInfo("UTC"))  # still 1 March in Toronto
    submitted = Proposal(call=call, state="submitted", submitted_at=submitted_at)
    reopened = Proposal(call=call, state="changes_requested", submitted_at=submitted_at)

    assert submitted.membership_day() == date(2026, 3, 1)
    assert reopened.membership_day() == timezone.localtime(timezone.now(), TORONTO).date()


def test_submitted_proposal_is_read_with_the_memberships_of_its_submission_day(call: Call) -> None:
    with time_machine.travel(datetime(2026, 3, 1, 15, 0, tzinfo=TORONTO), tick=False):
        proposal = _prepared(call)
        lead_organization = _members(proposal)[0].organization
        proposal = proposal_submit_application(proposal=proposal, by=proposal.lead_applicant)
    # The lead's membership ends after the submission: the submitted proposal still counts it.
    ProgramMembership.objects.filter(organization=lead_organization).update(ends_on=date(2026, 3, 5))

    with time_machine.travel(datetime(2026, 4, 1, 12, 0, tzinfo=TORONTO), tick=False):
        fresh = Proposal.objects.select_related("call__program").get(pk=proposal.pk)
        partners = fresh.eligibility_application(VersionKind.APPLICATION).partners

    assert [partner.member for partner in partners] == [True, False, False]


def test_version_freezes_roles_with_their_names_and_the_membership(call: Call) -> None:
    proposal = _prepared(call)
    proposal = proposal_submit_application(proposal=proposal, by=proposal.lead_applicant)
    version = ProposalVersion.objects.get(proposal=proposal)
    # Later changes reach neither the version nor what the engine reads of it.
    ConsortiumRole.objects.filter(slug="adopter").update(name_en="Renamed")
    ProgramMembership.objects.all().delete()

    consortium = version.data["consortium"]
    partners = version_application(data=version.data, kind=VersionKind.APPLICATION).partners

    assert [(entry["roles"], entry["member"]) for entry in consortium] == [
        ([{"slug": "adopter", "name_en": "Adopter", "name_fr": "Adoptant"}], True),
        (
            [
                {"slug": "adopter", "name_en": "Adopter", "name_fr": "Adoptant"},
                {"slug": "provider", "name_en": "AI provider", "name_fr": "Fournisseur d'IA"},
            ],
            False,
        ),
        ([], False),
    ]
    assert _seen(partners) == [
        (frozenset({"adopter"}), True),
        (frozenset({"adopter", "provider"}), False),
        (frozenset(), False),
    ]


def test_version_sheet_shows_the_roles_in_the_readers_language(call: Call) -> None:
    proposal = _prepared(call)
    version = ProposalVersion.objects.get(
        proposal=proposal_submit_application(proposal=proposal, by=proposal.lead_applicant)
    )

    english = version_sheet(data=version.data)
    with translation.override("fr"):
        french = version_sheet(data=version.data)

    assert (english["shows_roles"], english["shows_membership"]) == (True, True)
    assert [partner["role_names"] for partner in english["partners"]] == ["Adopter", "Adopter, AI provider", ""]
    assert [partner["role_names"] for partner in french["partners"]][:2] == [
        "Adoptant",
        "Adoptant, Fournisseur d'IA",
    ]


def test_version_sheet_of_a_version_before_roles_shows_neither_column(call: Call) -> None:
    data = {"consortium": [{"name": "Old Co", "type": "sme", "employees": 5, "country": "CA", "province": "ON",
                            "is_lead": True, "cash_contribution": "0", "in_kind_contribution": "0",
                            "funding_requested": "0", "background_ip": ""}]}  # fmt: skip

    sheet = version_sheet(data=data)
    partners = version_application(data=data, kind=VersionKind.APPLICATION).partners

    assert (sheet["shows_roles"], sheet["shows_membership"]) == (False, False)
    assert _seen(partners) == [(frozenset(), False)]


def test_versions_compare_names_a_partners_changed_roles_and_membership() -> None:
    def document(roles: list[dict[str, str]], member: bool) -> dict[str, Any]:
        return {"consortium": [{"name": "Acme", "roles": roles, "member": member}]}

    adopter = {"slug": "adopter", "name_en": "Adopter", "name_fr": "Adoptant"}
    provider = {"slug": "provider", "name_en": "AI provider", "name_fr": "Fournisseur d'IA"}

    differences = versions_compare(before=document([adopter], False), after=document([adopter, provider], True))

    assert [(d.label, d.before, d.after) for d in differences] == [
        ("Acme: roles in the consortium", "Adopter", "Adopter, AI provider"),
        ("Acme: member of the program", "no", "yes"),
    ]


def test_prefetch_eligibility_gives_the_partners_the_engine_reads_of_each_proposal(call: Call) -> None:
    draft = _prepared(call)
    with time_machine.travel(datetime(2026, 3, 1, 15, 0, tzinfo=TORONTO), tick=False):
        submitted = _prepared(call)
        submitted = proposal_submit_application(proposal=submitted, by=submitted.lead_applicant)
    rows = list(Proposal.objects.filter(pk__in=[draft.pk, submitted.pk]).select_related("call").order_by("pk"))

    prefetch_eligibility(rows)

    for row in rows:
        fresh = Proposal.objects.select_related("call__program").get(pk=row.pk)
        assert row.engine_partners == fresh.eligibility_application(VersionKind.APPLICATION).partners  # type: ignore[attr-defined]
    assert _seen(rows[0].engine_partners)[0] == (frozenset({"adopter"}), True)  # type: ignore[attr-defined]


def test_prefetch_eligibility_queries_do_not_grow_with_roles_and_memberships(call: Call) -> None:
    first = _prepared(call)
    rows = [Proposal.objects.select_related("call").get(pk=first.pk)]
    with CaptureQueriesContext(connection) as one:
        prefetch_eligibility(rows)
    adopter = ConsortiumRole.objects.get(call=call, slug="adopter")
    for _index in range(4):
        proposal = invited_application(_lead(), call=call)
        for member in _members(proposal):
            member.roles.add(adopter)
            _member_of(call, member.organization, date(2020, 1, 1))
    many = list(Proposal.objects.filter(call=call).select_related("call").order_by("pk"))

    with CaptureQueriesContext(connection) as five:
        prefetch_eligibility(many)

    assert len(many) == 5
    assert len(five) == len(one)
    assert all(partner.member for row in many[1:] for partner in row.engine_partners)  # type: ignore[attr-defined]


def test_ip_strategy_is_a_document_type_an_applicant_uploads_and_a_call_requires() -> None:
    from intake.choices import DOCUMENT_TYPES

    assert (AttachmentType.IP_STRATEGY.value, "IP strategy") in [(value, str(label)) for value, label in DOCUMENT_TYPES]
