"""A call's path: the stages it takes proposals through, each with its window, its path rule and its intake mode.

Only this module writes a call's stages, and with them the call's three summary windows
(``Call.loi_opens_at``: the first stage opens; ``loi_closes_at``: the first stage closes;
``application_closes_at``: the last stage closes), its path rule, its intake mode and its
review cut-offs, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from intake.choices import (
    SECTION_TEXTS,
    SECTIONS_ALWAYS_USED,
    STAGE_ORDER,
    Advance,
    BuiltInSection,
    IntakeMode,
    VersionKind,
    sections_all,
)
from intake.models import Call, CutOff, Proposal, Stage


@dataclass(frozen=True)
class StagePlan:
    """One stage as staff configure it."""

    kind: str
    opens_at: datetime
    closes_at: datetime
    advance: str = Advance.INVITATION
    assessed: bool = False
    #: The full application's built-in sections it uses, and the word limit of the texts of some (by section).
    sections: tuple[str, ...] = tuple(BuiltInSection.values)
    word_limits: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PathRule:
    """Which stages a proposal below a threshold of one of its figures goes through; empty ``figure``: no rule."""

    figure: str = ""
    threshold: Decimal | None = None
    below: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallPath:
    """Everything the stages page sets: the stages, the path rule, the intake mode and the cut-offs."""

    plans: tuple[StagePlan, ...]
    rule: PathRule = field(default_factory=PathRule)
    intake_mode: str = IntakeMode.FIXED
    cut_offs: tuple[datetime, ...] = ()


def call_path_current(*, call: Call) -> CallPath:
    """Return the path ``call`` has now, as its stages page shows it."""
    return CallPath(
        plans=tuple(
            StagePlan(
                stage.kind,
                stage.opens_at,
                stage.closes_at,
                stage.advance,
                stage.assessed,
                tuple(stage.sections),
                dict(stage.word_limits),
            )
            for stage in call.stages.all()
        ),
        rule=PathRule(call.path_figure, call.path_threshold, tuple(call.path_below)),
        intake_mode=call.intake_mode,
        cut_offs=tuple(cut_off.at for cut_off in call.cut_offs.all()),
    )


def stages_default(*, call: Call) -> list[StagePlan]:
    """Return the two-stage path of ``call``'s windows: a letter of intent, then the full application."""
    return [
        StagePlan(VersionKind.LOI, call.loi_opens_at, call.loi_closes_at),
        StagePlan(VersionKind.APPLICATION, call.loi_opens_at, call.application_closes_at, assessed=True),
    ]


def _label(kind: str) -> str:
    return str(VersionKind(kind).label)


def _plan_problems(plans: Sequence[StagePlan]) -> list[tuple[str, str]]:
    """Return ``(field, message)`` for each reason the stages ``plans`` cannot work (the stages page's fields)."""
    if not plans:
        return [(NON_FIELD_ERRORS, _("A call needs at least one stage: the full application."))]
    problems: list[tuple[str, str]] = []
    kinds = [plan.kind for plan in plans]
    if len(set(kinds)) != len(kinds):
        problems.append((NON_FIELD_ERRORS, _("Each kind of stage may appear only once in a path.")))
    if kinds != sorted(kinds, key=lambda kind: STAGE_ORDER.index(VersionKind(kind))):
        problems.append(
            (NON_FIELD_ERRORS, _("The stages must follow the order questionnaire, letter of intent, full application."))
        )
    if kinds[-1] != VersionKind.APPLICATION:
        problems.append((f"{VersionKind.APPLICATION}_include", _("The last stage of a path is the full application.")))
    for plan in plans:
        if plan.opens_at >= plan.closes_at:
            problems.append(
                (
                    f"{plan.kind}_closes_at",
                    _("%(stage)s: a stage must close after it opens.") % {"stage": _label(plan.kind)},
                )
            )
    problems.extend(_section_problems(plans[-1]))
    for earlier, later in pairwise(plans):
        if later.closes_at < earlier.closes_at or later.opens_at < earlier.opens_at:
            problems.append(
                (
                    f"{later.kind}_opens_at" if later.opens_at < earlier.opens_at else f"{later.kind}_closes_at",
                    _("%(later)s cannot open or close before %(earlier)s.")
                    % {"later": _label(later.kind), "earlier": _label(earlier.kind)},
                )
            )
    return problems


def _section_problems(plan: StagePlan) -> list[tuple[str, str]]:
    """Return ``(field, message)`` for each reason the full application's sections and word limits cannot work."""
    if plan.kind != VersionKind.APPLICATION:
        return []
    problems = []
    unknown = [slug for slug in plan.sections if slug not in BuiltInSection.values]
    if unknown:
        problems.append(("application_sections", _("Unknown sections: %(slugs)s.") % {"slugs": ", ".join(unknown)}))
    for always in SECTIONS_ALWAYS_USED:
        if always not in plan.sections:
            problems.append(
                (
                    "application_sections",
                    _("Every full application has its %(section)s section.") % {"section": always.label},
                )
            )
    for slug, limit in plan.word_limits.items():
        if slug not in SECTION_TEXTS:
            problems.append((NON_FIELD_ERRORS, _("Only a section with texts can have a word limit.")))
        elif not isinstance(limit, int) or limit < 1:
            problems.append((f"application_words_{slug}", _("A word limit is a whole number of words, at least 1.")))
        elif slug not in plan.sections:
            problems.append(
                (
                    f"application_words_{slug}",
                    _("%(section)s is not used, so its texts can have no word limit.")
                    % {"section": BuiltInSection(slug).label},
                )
            )
    return problems


def _sections_the_rules_need(call: Call, plan: StagePlan) -> list[str]:
    """Return why the full application's sections cannot meet the call's rules: a rule reads a section left out."""
    kinds = {rule.kind for rule in call.eligibility_rules(VersionKind.APPLICATION)}
    problems = []
    if BuiltInSection.ATTACHMENTS not in plan.sections and call.required_attachment_kinds():
        problems.append(_("The call requires attachments, so its full application uses the Attachments section."))
    if BuiltInSection.IP not in plan.sections and "min_ip_rights" in kinds:
        problems.append(_("The call requires expected IP rights, so its full application uses the IP plan section."))
    return problems


def call_path_problems(*, call: Call, path: CallPath) -> dict[str, list[str]]:
    """Return, by field of the stages page, why ``path`` cannot be ``call``'s; empty when it can.

    Beyond the stages themselves: the reviews cannot be due before the last stage closes; an
    assessed stage needs a rubric with criteria; a path rule must leave every proposal a path
    (its stages below the threshold are stages of the path and end with the full application);
    a rolling call's cut-offs fall within its first stage's window.
    """
    problems: dict[str, list[str]] = {}
    for name, message in _plan_problems(path.plans):
        problems.setdefault(name, []).append(message)

    def refuse(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    plans = path.plans
    if plans and call.review_due_at is not None and plans[-1].closes_at > call.review_due_at:
        refuse(f"{plans[-1].kind}_closes_at", _("Reviews cannot be due before the full applications close."))
    rubrics = set(call.rubrics.filter(criteria__isnull=False).values_list("stage", flat=True)) if call.pk else set()
    for plan in plans:
        # The full application is always assessed and its rubric is written while proposals are prepared;
        # an early stage is assessed only by choice, and its rubric must exist when it is chosen.
        if plan.assessed and plan.kind != VersionKind.APPLICATION and plan.kind not in rubrics:
            refuse(
                f"{plan.kind}_assessed",
                _("%(stage)s is assessed but has no rubric with criteria yet: write its rubric first.")
                % {"stage": _label(plan.kind)},
            )
    if plans and plans[-1].kind == VersionKind.APPLICATION and call.pk:
        for message in _sections_the_rules_need(call, plans[-1]):
            refuse("application_sections", message)
    rule, kinds = path.rule, [plan.kind for plan in plans]
    if rule.figure:
        if rule.threshold is None:
            refuse("path_threshold", _("Give the threshold that chooses the path."))
        if not rule.below:
            refuse("path_below", _("Choose the stages a proposal below the threshold goes through."))
        elif any(kind not in kinds for kind in rule.below):
            refuse("path_below", _("The stages below the threshold must be stages of the call's path."))
        elif _below_ordered(rule.below)[-1] != VersionKind.APPLICATION:
            refuse("path_below", _("The stages below the threshold must end with the full application."))
    elif rule.threshold is not None or rule.below:
        refuse("path_figure", _("Choose the figure that chooses the path, or leave the threshold and stages empty."))
    if path.intake_mode == IntakeMode.ROLLING:
        if not path.cut_offs:
            refuse("cut_offs", _("A rolling call needs at least one review cut-off."))
        if plans:
            first = plans[0]
            outside = [at for at in path.cut_offs if not first.opens_at < at <= plans[-1].closes_at]
            if outside:
                refuse(
                    "cut_offs",
                    _("Each cut-off must fall after the call opens and no later than the full applications close."),
                )
    elif path.cut_offs:
        refuse("cut_offs", _("Only a rolling call has review cut-offs."))
    return problems


def _below_ordered(below: Sequence[str]) -> list[str]:
    return sorted(dict.fromkeys(below), key=lambda kind: STAGE_ORDER.index(VersionKind(kind)))


@transaction.atomic
def call_path_write(*, call: Call, path: CallPath) -> list[Stage]:
    """Write ``path`` as ``call``'s, in the caller's transaction, with ``call`` locked; checked already."""
    existing = {stage.kind: stage for stage in Stage.objects.filter(call=call)}
    kept = {plan.kind for plan in path.plans}
    dropped = [stage for kind, stage in existing.items() if kind not in kept]
    if any(stage.proposals.exists() for stage in dropped):
        raise ValidationError(_("A stage that proposals are in cannot be removed from the path."))
    Stage.objects.filter(pk__in=[stage.pk for stage in dropped]).delete()
    saved = []
    for position, plan in enumerate(path.plans, start=1):
        stage = existing.get(plan.kind) or Stage(call=call, kind=plan.kind)
        stage.position = position
        stage.opens_at, stage.closes_at = plan.opens_at, plan.closes_at
        stage.advance = Advance.INVITATION if plan.kind == VersionKind.APPLICATION else plan.advance
        stage.assessed = plan.kind == VersionKind.APPLICATION or plan.assessed
        last = plan.kind == VersionKind.APPLICATION
        stage.sections = [slug for slug in BuiltInSection.values if slug in plan.sections] if last else sections_all()
        stage.word_limits = {slug: plan.word_limits[slug] for slug in SECTION_TEXTS if slug in plan.word_limits}
        stage.save()
        saved.append(stage)
    call.loi_opens_at = path.plans[0].opens_at
    call.loi_closes_at = path.plans[0].closes_at
    call.application_closes_at = path.plans[-1].closes_at
    call.path_figure = path.rule.figure
    call.path_threshold = path.rule.threshold if path.rule.figure else None
    call.path_below = _below_ordered(path.rule.below) if path.rule.figure else []
    call.intake_mode = path.intake_mode
    call.save(
        update_fields=[
            "loi_opens_at", "loi_closes_at", "application_closes_at", "path_figure", "path_threshold",
            "path_below", "intake_mode", "updated_at",
        ]
    )  # fmt: skip
    CutOff.objects.filter(call=call).delete()
    if path.intake_mode == IntakeMode.ROLLING:
        CutOff.objects.bulk_create([CutOff(call=call, at=at) for at in sorted(set(path.cut_offs))])
    return saved


def call_stages_save(
    *,
    call: Call,
    plans: Sequence[StagePlan],
    rule: PathRule | None = None,
    intake_mode: str | None = None,
    cut_offs: Sequence[datetime] | None = None,
) -> list[Stage]:
    """Replace ``call``'s stages by ``plans`` (and its path rule, intake mode and cut-offs, when given), or refuse.

    Nothing is saved when refused. A stage a proposal is in is updated in place, never deleted:
    removing it is refused. What is not given keeps the call's current setting.
    """
    path = CallPath(
        plans=tuple(plans),
        rule=rule if rule is not None else PathRule(call.path_figure, call.path_threshold, tuple(call.path_below)),
        intake_mode=intake_mode or call.intake_mode,
        cut_offs=tuple(cut_offs)
        if cut_offs is not None
        else tuple(call.cut_offs.values_list("at", flat=True))
        if call.pk
        else (),
    )
    problems = call_path_problems(call=call, path=path)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()
        return call_path_write(call=call, path=path)


def _years_later(moment: datetime, years: int, zone: Any) -> datetime:
    """Return ``moment`` ``years`` later on the wall clock of ``zone`` (29 February becomes 28 February)."""
    local = moment.astimezone(zone)
    try:
        shifted = local.replace(year=local.year + years)
    except ValueError:
        shifted = local.replace(year=local.year + years, day=28)
    return shifted.replace(tzinfo=None).replace(tzinfo=zone)


def call_path_copy(*, source: Call, years: int | None = None, now: datetime | None = None) -> CallPath:
    """Return ``source``'s path (stages, how each moves on, assessed, path rule, intake, cut-offs) shifted by ``years``.

    Without ``years``: the fewest whole years that put the first stage's opening in the future.
    Times keep their wall clock in ``source``'s timezone.
    """
    current = call_path_current(call=source)
    now = now or timezone.now()
    if years is None:
        years = 0
        first = current.plans[0].opens_at if current.plans else now
        while _years_later(first, years, source.zone) <= now:
            years += 1

    def shift(moment: datetime) -> datetime:
        return _years_later(moment, years, source.zone)

    return CallPath(
        plans=tuple(
            replace(plan, opens_at=shift(plan.opens_at), closes_at=shift(plan.closes_at)) for plan in current.plans
        ),
        rule=current.rule,
        intake_mode=current.intake_mode,
        cut_offs=tuple(shift(at) for at in current.cut_offs),
    )


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
