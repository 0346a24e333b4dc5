"""Races on PostgreSQL: the last two signatures at once start the project once; two staff decide one amendment."""

from __future__ import annotations

import pytest

from accounts.choices import Role
from accounts.errors import StaleAction
from accounts.models import User
from intake.models import Proposal
from intake.states import ProposalState as S
from projects.amendments import amendment_approve, amendment_refuse, amendment_request
from projects.models import Agreement, Amendment, AmendmentState, ProjectMilestone, ProjectPartner
from records.models import AuditRecord
from tests.concurrency import race, require_row_locks
from tests.factories import UserFactory
from tests.factories.accounts import PASSWORD
from tests.projects.making import contracting, with_signatories
from workflow.signing import agreement_sign_and_activate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_last_two_signatures_at_once_start_the_project_once() -> None:
    require_row_locks()
    project = contracting(UserFactory(role=Role.STAFF))
    signatories = with_signatories(project)
    pairs = [
        (a, p)
        for a in Agreement.objects.filter(project=project)
        for p in ProjectPartner.objects.filter(project=project)
    ]
    for agreement, partner in pairs[:-2]:
        agreement_sign_and_activate(
            agreement=agreement, partner=partner, by=signatories[partner.pk], sha256=agreement.sha256,
            proof={"password": PASSWORD},
        )  # fmt: skip
    last = pairs[-2:]

    outcomes = race([
        lambda a=a, p=p: agreement_sign_and_activate(
            agreement=a, partner=p, by=signatories[p.pk], sha256=a.sha256, proof={"password": PASSWORD}
        )
        for a, p in last
    ])  # fmt: skip

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert Proposal.objects.get(pk=project.proposal_id).state == S.ACTIVE
    assert AuditRecord.objects.filter(proposal_id=project.proposal_id, action="activate").count() == 1


def test_two_staff_deciding_one_amendment_at_once_one_wins() -> None:
    require_row_locks()
    staff: User = UserFactory(role=Role.STAFF)
    other: User = UserFactory(role=Role.STAFF)
    project = contracting(staff)
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    amendment = amendment_request(
        project=project, by=staff, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Late."
    )

    outcomes = race([
        lambda: amendment_approve(amendment=amendment, by=staff),
        lambda: amendment_refuse(amendment=amendment, by=other, reason="No."),
    ])  # fmt: skip

    assert sum(isinstance(o, StaleAction) for o in outcomes) == 1
    assert sum(isinstance(o, Amendment) for o in outcomes) == 1
    decided = Amendment.objects.get(pk=amendment.pk)
    assert decided.state in (AmendmentState.APPROVED, AmendmentState.REFUSED)
    drafted = Agreement.objects.filter(project=project).count()
    assert drafted == (4 if decided.state == AmendmentState.APPROVED else 2)
