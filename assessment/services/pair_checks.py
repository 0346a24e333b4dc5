"""What every way of assigning checks alike: the rubric that sets k, the pool, an assessor's load, a pair.

The optimal plan, staff's changes to a proposed plan and assignments by hand all read the
same pool and count the same live assignments; a pair refused by hand is refused in a plan.
The pool of a call is the assessors of its program: an assessor of another program is
never a candidate.

Any stage of a call's path may be assessed: a proposal in assessment is assessed with the
rubric of the stage it is in (``rubric_at``), which sets its k, and its slots are the live
assignments under that rubric (``at_its_stage``). An assessor who assessed its letter of
intent may assess its full application too. An assessor's load counts every live assignment
in the call, whatever the stage.
"""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment import solver
from assessment.choices import ACTIVE_ASSIGNMENT_STATES, PairRuleKind
from assessment.models import AssessorProfile, Assignment, PairRule, Rubric
from assessment.selectors import conflicted
from assessment.services.rubrics import rubric_for
from intake.choices import VersionKind
from intake.models import Call, Proposal
from intake.program_roles import audience
from intake.states import ProposalState

#: The states of an assignment that holds a slot, as ``state__in`` takes them.
LIVE = [str(state) for state in ACTIVE_ASSIGNMENT_STATES]


def rubric_of(*, call: Call, stage: str = VersionKind.APPLICATION) -> Rubric:
    """Return the call's rubric for ``stage``, which sets k: the default one until staff change it."""
    return rubric_for(call=call, stage=stage)


def rubric_at(*, proposal: Proposal) -> Rubric:
    """Return the rubric of the stage ``proposal`` is in: the one its assessors score it with."""
    return rubric_for(call=proposal.call, stage=proposal.stage.kind)


def at_its_stage(prefix: str = "") -> Q:
    """The condition that an assignment is under the rubric of the stage its proposal is in now.

    ``prefix`` leads to the assignment from the query's model (``"assessment_assignments__"`` from a proposal).
    """
    return Q(**{f"{prefix}rubric__stage": F(f"{prefix}proposal__stage__kind")})


def assessors_qs(*, program_id: int) -> QuerySet[User]:
    """Return the active users who hold the assessor role for the program ``program_id`` and have a profile."""
    return User.objects.filter(audience(Role.ASSESSOR, program_id), assessor_profile__isnull=False)


def assesses_for(*, assessor: User, program_id: int) -> bool:
    """Return whether ``assessor`` is in the pool of the program ``program_id`` (``assessors_qs``)."""
    return assessors_qs(program_id=program_id).filter(pk=assessor.pk).exists()


def call_load(call: Call) -> Coalesce:
    """Return the number of live assignments of the outer user in ``call``, as an expression."""
    live = (
        Assignment.objects.filter(assessor_id=OuterRef("pk"), proposal__call=call, state__in=LIVE)
        .order_by()
        .values("assessor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(live, output_field=IntegerField()), Value(0))


def assessor_load(assessor: User, call_pk: int) -> int:
    """Return how many live assignments ``assessor`` has in the call ``call_pk``."""
    return Assignment.objects.filter(assessor=assessor, proposal__call_id=call_pk, state__in=LIVE).count()


def pair_check(*, proposal: Proposal, assessor: User, rubric: Rubric | None) -> AssessorProfile:
    """Refuse, with a reason staff can act on, a pair that may not be assigned; return the assessor's profile.

    ``rubric`` is the rubric of the stage the proposal is in (``rubric_at`` when None): an assessor
    assigned at an earlier stage may be assigned again at this one.
    """
    profile = AssessorProfile.objects.select_for_update().filter(user=assessor).first()
    if profile is None or not assessor.is_active or not assessor.has_role(Role.ASSESSOR):
        raise DomainError(_("%(name)s is not in the assessor pool.") % {"name": assessor})
    if not assesses_for(assessor=assessor, program_id=proposal.call.program_id):
        raise DomainError(_("%(name)s does not assess for this program.") % {"name": assessor})
    if proposal.state != ProposalState.IN_ASSESSMENT:
        raise StaleAction(_("This proposal is no longer in assessment."))
    if (
        Proposal.objects.filter(pk=proposal.pk)
        .filter(conflicted(assessor=assessor.pk, proposal=OuterRef("pk")))
        .exists()
    ):
        raise DomainError(_("%(name)s has a conflict of interest with this proposal.") % {"name": assessor})
    if PairRule.objects.filter(proposal=proposal, assessor=assessor, kind=PairRuleKind.FORBID).exists():
        raise DomainError(
            _("A rule forbids assigning %(name)s to this proposal; remove it first.") % {"name": assessor}
        )
    rubric = rubric or rubric_at(proposal=proposal)
    if Assignment.objects.filter(proposal=proposal, assessor=assessor, rubric=rubric, state__in=LIVE).exists():
        raise DomainError(_("%(name)s is already assigned to this proposal.") % {"name": assessor})
    return profile


def pair_affinity(proposal: Proposal, profile: AssessorProfile) -> int:
    """Return how well the assessor's profile fits the proposal, as the solver scores it."""
    return solver.affinity(
        proposal_sectors=proposal.sectors or [],
        text=solver.proposal_text(
            keywords=proposal.keywords or [], title=proposal.title, technology=proposal.technology
        ),
        assessor_sectors=profile.sectors or [],
        assessor_keywords=profile.keywords or [],
    )
