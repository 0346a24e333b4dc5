"""A call's path: the stages it takes proposals through, each with its window.

Only this module writes a call's stages, and with them the call's three summary windows
(``Call.loi_opens_at``: the first stage opens; ``loi_closes_at``: the first stage closes;
``application_closes_at``: the last stage closes), in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from intake.choices import STAGE_ORDER, Advance, VersionKind
from intake.models import Call, Proposal, Stage


@dataclass(frozen=True)
class StagePlan:
    """One stage as staff configure it."""

    kind: str
    opens_at: datetime
    closes_at: datetime
    advance: str = Advance.INVITATION
    assessed: bool = False


def stages_default(*, call: Call) -> list[StagePlan]:
    """Return the two-stage path of ``call``'s windows: a letter of intent, then the full application."""
    return [
        StagePlan(VersionKind.LOI, call.loi_opens_at, call.loi_closes_at),
        StagePlan(VersionKind.APPLICATION, call.loi_opens_at, call.application_closes_at, assessed=True),
    ]


def stages_problems(plans: Sequence[StagePlan]) -> list[str]:
    """Return why a path of ``plans`` cannot work; empty when it can."""
    problems = []
    kinds = [plan.kind for plan in plans]
    if not plans:
        problems.append(_("A call needs at least one stage: the full application."))
        return problems
    if len(set(kinds)) != len(kinds):
        problems.append(_("Each kind of stage may appear only once in a path."))
    if kinds != sorted(kinds, key=lambda kind: STAGE_ORDER.index(VersionKind(kind))):
        problems.append(_("The stages must follow the order questionnaire, letter of intent, full application."))
    if kinds[-1] != VersionKind.APPLICATION:
        problems.append(_("The last stage of a path is the full application."))
    for plan in plans:
        if plan.opens_at >= plan.closes_at:
            problems.append(
                _("%(stage)s: a stage must close after it opens.") % {"stage": VersionKind(plan.kind).label}
            )
    for earlier, later in pairwise(plans):
        if later.closes_at < earlier.closes_at or later.opens_at < earlier.opens_at:
            problems.append(
                _("%(later)s cannot open or close before %(earlier)s.")
                % {"later": VersionKind(later.kind).label, "earlier": VersionKind(earlier.kind).label}
            )
    return problems


def call_stages_save(*, call: Call, plans: Sequence[StagePlan]) -> list[Stage]:
    """Replace ``call``'s stages by ``plans`` and its summary windows with them, or refuse (nothing saved).

    A stage a proposal is in is updated in place, never deleted: removing it is refused.
    """
    problems = stages_problems(plans)
    last = plans[-1] if plans else None
    if last is not None and call.review_due_at is not None and last.closes_at > call.review_due_at:
        problems.append(_("Reviews cannot be due before the full applications close."))
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()
        existing = {stage.kind: stage for stage in Stage.objects.filter(call=call)}
        kept = {plan.kind for plan in plans}
        dropped = [stage for kind, stage in existing.items() if kind not in kept]
        if any(stage.proposals.exists() for stage in dropped):
            raise ValidationError(_("A stage that proposals are in cannot be removed from the path."))
        Stage.objects.filter(pk__in=[stage.pk for stage in dropped]).delete()
        saved = []
        for position, plan in enumerate(plans, start=1):
            stage = existing.get(plan.kind) or Stage(call=call, kind=plan.kind)
            stage.position = position
            stage.opens_at, stage.closes_at = plan.opens_at, plan.closes_at
            stage.advance = Advance.INVITATION if plan.kind == VersionKind.APPLICATION else plan.advance
            stage.assessed = plan.kind == VersionKind.APPLICATION or plan.assessed
            stage.save()
            saved.append(stage)
        call.loi_opens_at = plans[0].opens_at
        call.loi_closes_at = plans[0].closes_at
        call.application_closes_at = plans[-1].closes_at
        call.save(update_fields=["loi_opens_at", "loi_closes_at", "application_closes_at", "updated_at"])
    return saved


def call_stages_default(*, call: Call) -> dict[str, Stage]:
    """Give ``call`` the two-stage path of its windows; return its stages by kind (seeds of the demo and benches)."""
    return {stage.kind: stage for stage in call_stages_save(call=call, plans=stages_default(call=call))}


def proposal_path_set(*, proposal: Proposal) -> None:
    """Set the stages ``proposal`` goes through by its call's path rule, and put it at the first of them (unsaved)."""
    call = proposal.call
    figure = getattr(proposal, call.path_figure) if call.path_figure else None
    proposal.path = call.path_for(figure)
    if not proposal.path:
        raise DomainError(_("This call has no stage open to proposals yet."))
    proposal.stage = next(stage for stage in call.stages.all() if stage.kind == proposal.path[0])
