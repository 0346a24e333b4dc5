"""The migration that binds existing overrides to their figures, and keeps a zero contribution as typed.

Its functions run on today's models: an override as it was before (a check's code alone)
gets the stage, figure and limit the engine measures on the proposal's latest version, or is
kept lapsed when there is no version to measure. The versions it finds kept their rules as the
call's fields (schema 2), as every version did then: ``_version_of_fields`` writes them so.
"""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import cast

import pytest
from django.apps import apps

from accounts.models import User
from intake.models import ConsortiumMember, EligibilityOverride, Proposal
from intake.services.rule_rows import FORMER_DEFAULTS
from intake.services.versions import proposal_version_data
from intake.states import ProposalState
from tests.factories import OrganizationFactory, ProposalFactory, ProposalVersionFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("intake.migrations.0011_bound_overrides")
contributions = importlib.import_module("intake.migrations.0014_contributions_not_given")


def _version_of_fields(proposal: Proposal, **changes: object) -> None:
    """Freeze ``proposal``'s version with its rules as the call's fields were then (schema 2): the factory's call's."""
    fields = {
        **{name: value for name, value in FORMER_DEFAULTS.items() if not name.endswith("word_limit")},
        "funded_partner_types": ["large_company", "sme"],
        "required_attachments": ["project_plan"],
        "word_limit": FORMER_DEFAULTS["application_word_limit"],
        **changes,
    }
    data = proposal_version_data(proposal=proposal)[0]
    data["schema"] = 2
    data["rules"] = {name: str(value) if isinstance(value, Decimal) else value for name, value in fields.items()}
    ProposalVersionFactory(proposal=proposal, kind="application", data=data)


def _old_override(proposal: Proposal, staff: User, code: str) -> EligibilityOverride:
    """An override as the migration finds it: the check's code, a reason, nothing bound."""
    return EligibilityOverride.objects.create(proposal=proposal, check_code=code, reason="Waived.", by=staff)


def test_an_override_takes_its_figure_from_the_latest_version_as_the_engine_measures_it(
    applicant: User, staff: User
) -> None:
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.SUBMITTED, lead_applicant=applicant))
    proposal = Proposal.objects.get(pk=proposal.pk)
    _version_of_fields(proposal, min_matching_ratio=Decimal("3.00"))
    override = _old_override(proposal, staff, "matching_ratio")

    migration.bind_overrides(apps, None)

    override.refresh_from_db()
    assert (override.stage, override.figure, override.limit, override.lapsed_at) == (
        "application",
        "2.80",
        "3.00",
        None,
    )
    [check] = [check for check in proposal.eligibility_checks() if check.code == "matching_ratio"]
    assert override.covers(check)
    assert proposal.eligibility_failures() == []


@pytest.mark.parametrize(
    "code",
    ["min_partners", "min_smes", "funded_types", "cluster_share", "in_kind_cap", "partner_share", "project_size",
     "word_limits", "attachments"],
)  # fmt: skip
def test_every_check_is_bound_as_the_engine_binds_it(applicant: User, staff: User, code: str) -> None:
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.SUBMITTED, lead_applicant=applicant))
    _version_of_fields(proposal)
    override = _old_override(proposal, staff, code)

    migration.bind_overrides(apps, None)

    override.refresh_from_db()
    [check] = [check for check in proposal.eligibility_checks() if check.code == code]
    assert override.binding == check.binding


def test_an_override_without_a_version_is_kept_lapsed(applicant: User, staff: User) -> None:
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.SUBMITTED, lead_applicant=applicant))
    override = _old_override(proposal, staff, "matching_ratio")

    migration.bind_overrides(apps, None)

    override.refresh_from_db()
    assert (override.stage, override.figure, override.unbound) == ("", "", True)
    assert override.lapsed_at is not None
    assert not override.in_force


def test_contributions_of_zero_and_zero_become_not_given_and_others_stay(applicant: User) -> None:
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.INVITED, lead_applicant=applicant))
    idle = ConsortiumMember.objects.create(
        proposal=proposal, organization=OrganizationFactory(), cash_contribution=0, in_kind_contribution=0
    )
    in_kind_only = ConsortiumMember.objects.create(
        proposal=proposal, organization=OrganizationFactory(), cash_contribution=0, in_kind_contribution=5
    )

    contributions.zero_contributions_not_given(apps, None)

    idle.refresh_from_db()
    in_kind_only.refresh_from_db()
    assert (idle.cash_contribution, idle.in_kind_contribution) == (None, None)
    assert (in_kind_only.cash_contribution, in_kind_only.in_kind_contribution) == (Decimal("0"), Decimal("5"))
