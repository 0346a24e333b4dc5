"""Changing a call's path once proposals are in it: what it would affect, a reason, and an audit record.

The stages page shows staff the impact (``call_path_impact``) before a change to a call with
submissions is saved; ``call_path_change`` saves it with the reason and records it against the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from intake import program_roles as role_rules
from intake.choices import VersionKind
from intake.models import Call, Proposal, Stage
from intake.services.stages import CallPath, call_path_current, call_path_problems, call_path_write
from intake.states import ProposalState
from records.models import AuditRecord

#: The audit record's action for a change of a call's path.
CALL_PATH_CHANGED = "call_path_change"

#: The states in which a proposal's deadline is its stage's close.
PREPARING = (ProposalState.DRAFT, ProposalState.INVITED)


@dataclass(frozen=True)
class StageImpact:
    """One stage of the call as the change leaves it: its proposals, and those whose deadline moves."""

    kind: str
    label: str
    proposals: int
    removed: bool
    closes_before: datetime | None
    closes_after: datetime | None
    deadlines_moved: list[Proposal]


@dataclass(frozen=True)
class PathImpact:
    """What a change of a call's path would affect."""

    stages: list[StageImpact]
    changed: bool

    @property
    def deadlines_moved(self) -> int:
        return sum(len(stage.deadlines_moved) for stage in self.stages)


def call_has_submissions(*, call: Call) -> bool:
    """Return whether any proposal of ``call`` has been submitted at least once."""
    return Proposal.objects.filter(call=call, version_count__gt=0).exists()


def _path_data(path: CallPath) -> dict[str, Any]:
    return {
        "stages": [
            {
                "kind": plan.kind,
                "opens_at": plan.opens_at.astimezone(UTC).isoformat(),
                "closes_at": plan.closes_at.astimezone(UTC).isoformat(),
                "advance": plan.advance,
                "assessed": plan.assessed,
                **(
                    {"sections": list(plan.sections), "word_limits": dict(plan.word_limits)}
                    if plan.kind == VersionKind.APPLICATION
                    else {}
                ),
            }
            for plan in path.plans
        ],
        "path_figure": path.rule.figure,
        "path_threshold": str(path.rule.threshold) if path.rule.threshold is not None else None,
        "path_below": list(path.rule.below),
        "intake_mode": path.intake_mode,
        "cut_offs": [at.astimezone(UTC).isoformat() for at in path.cut_offs],
    }


def call_path_impact(*, call: Call, path: CallPath) -> PathImpact:
    """Return how many proposals are in each of ``call``'s stages and whose deadline ``path`` would move.

    A proposal being prepared in a stage whose close moves has its deadline moved, unless staff
    extended it (the extension stands).
    """
    stages = list(Stage.objects.filter(call=call).annotate(count=Count("proposals")).order_by("position"))
    planned = {plan.kind: plan for plan in path.plans}
    moved_stages = [
        stage for stage in stages if stage.kind in planned and planned[stage.kind].closes_at != stage.closes_at
    ]
    moved: dict[int, list[Proposal]] = {stage.pk: [] for stage in moved_stages}
    for proposal in (
        Proposal.objects.filter(stage__in=moved_stages, state__in=PREPARING, deadline_extended_until__isnull=True)
        .select_related("lead_organization")
        .order_by("title", "pk")
    ):
        moved[proposal.stage_id].append(proposal)
    impact = [
        StageImpact(
            kind=stage.kind,
            label=stage.get_kind_display(),
            proposals=stage.count,  # type: ignore[attr-defined]
            removed=stage.kind not in planned,
            closes_before=stage.closes_at,
            closes_after=planned[stage.kind].closes_at if stage.kind in planned else None,
            deadlines_moved=moved.get(stage.pk, []),
        )
        for stage in stages
    ]
    return PathImpact(stages=impact, changed=_path_data(path) != _path_data(call_path_current(call=call)))


def call_path_change(
    *, call: Call, path: CallPath, by: User, reason: str = "", expected_updated_at: datetime | None = None
) -> Call:
    """Save ``path`` as ``call``'s, or refuse with the reasons by field (nothing saved).

    Once a proposal of the call has been submitted, a change needs a reason and is recorded
    against the call (before, after and the deadlines it moved). A save over somebody else's is a 409.
    """
    if not role_rules.holds(by, Role.STAFF, call.program_id):
        raise ActionForbidden(_("Only the program's staff can change a call's stages."))
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise StaleAction(
                _(
                    "Somebody else changed this call while you were editing its stages. Your changes are not saved "
                    "yet: review them against the current stages and save again."
                )
            )
        problems = call_path_problems(call=locked, path=path)
        submitted = call_has_submissions(call=locked)
        if submitted and not reason.strip():
            problems.setdefault("reason", []).append(
                _("Proposals have been submitted in this call: say why its stages change.")
            )
        if problems:
            raise ValidationError(problems)
        before = call_path_current(call=locked)
        impact = call_path_impact(call=locked, path=path)
        call_path_write(call=locked, path=path)
        if submitted and impact.changed:
            AuditRecord.objects.create(
                call=locked,
                action=CALL_PATH_CHANGED,
                actor=by,
                reason=reason.strip(),
                data={
                    "before": _path_data(before),
                    "after": _path_data(path),
                    "deadlines_moved": [p.pk for stage in impact.stages for p in stage.deadlines_moved],
                },
            )
    return locked
