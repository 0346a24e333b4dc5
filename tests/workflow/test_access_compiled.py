"""A proposal's read scoped by its reader, compiled once for every applicant of the same access."""

from __future__ import annotations

from typing import cast

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from accounts.models import User
from intake.models import CoApplicant, Proposal
from tests.factories import ProposalFactory, UserFactory
from workflow.access import proposal_for_user, proposals_of_applicant

pytestmark = pytest.mark.django_db


def _kept() -> dict[object, object]:
    return connections[DEFAULT_DB_ALIAS].__dict__.setdefault("_rows_read_compiled", {})


def _reader(user: User) -> User:
    """The user as a request reads them: with their roles and grants."""
    return User.objects.with_roles().get(pk=user.pk)


@pytest.fixture
def two_applicants() -> tuple[User, User, Proposal, Proposal]:
    """Ann and Bob, applicants only, each leading a proposal; no read compiled yet."""
    ann = cast(User, UserFactory(role=Role.APPLICANT))
    bob = cast(User, UserFactory(role=Role.APPLICANT))
    anns = cast(Proposal, ProposalFactory(lead_applicant=ann))
    bobs = cast(Proposal, ProposalFactory(lead_applicant=bob))
    _kept().clear()
    return ann, bob, anns, bobs


def test_applicants_share_one_compiled_read_and_each_reads_only_their_own(
    two_applicants: tuple[User, User, Proposal, Proposal],
) -> None:
    ann, bob, anns, bobs = two_applicants

    assert proposal_for_user(user=_reader(ann), pk=anns.pk) == anns
    with CaptureQueriesContext(connection) as captured:
        assert proposal_for_user(user=_reader(bob), pk=bobs.pk) == bobs
    with pytest.raises(Http404):
        proposal_for_user(user=_reader(bob), pk=anns.pk)
    with pytest.raises(Http404):
        proposal_for_user(user=_reader(ann), pk=bobs.pk)

    assert [key for key in _kept() if key[0] == "proposal_for_reader"] == [
        ("proposal_for_reader", *_reader(ann).access_key[1:])
    ]
    assert all(entry is not False for entry in _kept().values())  # kept, not built at each call
    [read] = [query["sql"] for query in captured if "intake_proposal" in query["sql"]]
    assert f'U0."user_id" = {bob.pk})' in read  # Bob's key swapped in, his co-applications among them


def test_a_co_applicant_reads_the_proposal_through_the_shared_read() -> None:
    lead = cast(User, UserFactory(role=Role.APPLICANT))
    partner = cast(User, UserFactory(role=Role.APPLICANT))
    proposal = cast(Proposal, ProposalFactory(lead_applicant=lead))
    _kept().clear()
    assert proposal_for_user(user=_reader(lead), pk=proposal.pk) == proposal
    with pytest.raises(Http404):
        proposal_for_user(user=_reader(partner), pk=proposal.pk)

    CoApplicant.objects.create(proposal=proposal, user=partner, invited_by=lead)

    assert proposal_for_user(user=_reader(partner), pk=proposal.pk) == proposal


def test_the_dashboard_s_read_is_shared_too_and_lists_each_applicant_s_own(
    two_applicants: tuple[User, User, Proposal, Proposal],
) -> None:
    ann, bob, anns, bobs = two_applicants

    assert proposals_of_applicant(user=_reader(ann)) == [anns]
    assert proposals_of_applicant(user=_reader(bob)) == [bobs]
    assert len([key for key in _kept() if key[0] == "proposals_of_reader"]) == 1


def test_a_reader_of_other_roles_keeps_a_read_of_their_own() -> None:
    staff = cast(User, UserFactory(role=Role.STAFF))
    proposal = cast(Proposal, ProposalFactory())
    _kept().clear()

    assert proposal_for_user(user=_reader(staff), pk=proposal.pk) == proposal

    assert [key[0] for key in _kept()] == ["proposal_for_user"]


def test_an_applicant_with_another_role_keeps_a_read_of_their_own() -> None:
    both = cast(User, UserFactory(role=Role.APPLICANT))
    both.groups.add(*cast(User, UserFactory(role=Role.STAFF)).groups.all())
    proposal = cast(Proposal, ProposalFactory(lead_applicant=both))
    _kept().clear()

    assert proposal_for_user(user=_reader(both), pk=proposal.pk) == proposal
    assert proposals_of_applicant(user=_reader(both)) == [proposal]

    assert sorted(key[0] for key in _kept()) == ["proposal_for_user", "proposals_of_applicant"]
