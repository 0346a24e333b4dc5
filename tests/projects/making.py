"""Projects in contracting, as staff open them: agreements drafted, each partner with a signatory."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership, User
from board.models import AgendaItem
from intake.lifecycle import SYSTEM
from intake.models import Proposal
from intake.states import ProposalState as S
from projects.models import Project, ProjectPartner
from tests.factories import BoardMeetingFactory, ProposalFactory, UserFactory
from workflow import actions


def approved(**fields: object) -> Proposal:
    """A complete proposal approved for $750,000 whose decision is released."""
    proposal = ProposalFactory(state=S.APPROVED, approved_amount=Decimal("750000.00"), call__decided=True, **fields)
    meeting = BoardMeetingFactory(call=proposal.call, decisions_released_at=timezone.now())
    AgendaItem.objects.create(meeting=meeting, proposal=proposal)
    return proposal


def contracting(staff: User | None = None, **fields: object) -> Project:
    """A project staff just opened: both agreements drafted, no signatory named yet."""
    proposal = approved(**fields)
    if staff is None:
        staff = UserFactory(role=Role.STAFF)
    actions.proposal_start_contracting(proposal=proposal, by=staff)
    return Project.objects.select_related("proposal__call__program").get(proposal=proposal)


def with_signatories(project: Project) -> dict[int, User]:
    """Give each partner a member of its organization as its signatory (named directly); return them by partner."""
    signatories = {}
    for partner in ProjectPartner.objects.filter(project=project):
        user = UserFactory()
        Membership.objects.create(user=user, organization=partner.organization)
        ProjectPartner.objects.filter(pk=partner.pk).update(signatory=user)
        signatories[partner.pk] = user
    return signatories


__all__ = ["SYSTEM", "approved", "contracting", "with_signatories"]
