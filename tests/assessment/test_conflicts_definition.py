"""The one definition of a conflict of interest: declared, recorded, or by a recent affiliation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import OuterRef
from django.utils import timezone

from accounts.choices import Role
from assessment.choices import ConflictSource
from assessment.models import AFFILIATION_CONFLICT_YEARS, Affiliation, Conflict
from assessment.selectors import conflicted
from intake.models import ConsortiumMember, Proposal
from tests.factories import OrganizationFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def _conflicted_ids(assessor_pk: int) -> set[int]:
    return set(
        Proposal.objects.filter(conflicted(assessor=assessor_pk, proposal=OuterRef("pk"))).values_list("pk", flat=True)
    )


def test_conflicted_by_row_by_current_or_recent_affiliation_not_by_an_old_one() -> None:
    assessor = UserFactory(role=Role.ASSESSOR)
    declared, current, recent, old, unrelated = (ProposalFactory() for _ in range(5))
    Conflict.objects.create(assessor=assessor, proposal=declared, source=ConflictSource.DECLARED, nature="Advisor")
    today = timezone.localdate()
    for proposal, ended_on in [
        (current, None),
        (recent, today - timedelta(days=365 * AFFILIATION_CONFLICT_YEARS - 10)),
        (old, today - timedelta(days=365 * AFFILIATION_CONFLICT_YEARS + 10)),
    ]:
        partner = OrganizationFactory()
        ConsortiumMember.objects.create(proposal=proposal, organization=partner)
        Affiliation.objects.create(assessor=assessor, organization=partner, ended_on=ended_on)

    assert _conflicted_ids(assessor.pk) == {declared.pk, current.pk, recent.pk}
    assert _conflicted_ids(UserFactory(role=Role.ASSESSOR).pk) == set()
    assert unrelated.pk not in _conflicted_ids(assessor.pk)


def test_an_old_affiliation_is_not_made_recent_by_a_colleague_s_current_one() -> None:
    assessor, colleague = UserFactory(role=Role.ASSESSOR), UserFactory(role=Role.ASSESSOR)
    proposal = ProposalFactory()
    long_ago = timezone.localdate() - timedelta(days=365 * AFFILIATION_CONFLICT_YEARS + 10)
    Affiliation.objects.create(assessor=assessor, organization=proposal.lead_organization, ended_on=long_ago)
    Affiliation.objects.create(assessor=colleague, organization=proposal.lead_organization)

    assert _conflicted_ids(assessor.pk) == set()
    assert _conflicted_ids(colleague.pk) == {proposal.pk}
