"""The meeting's selection modes: staff set the portfolio constraints, compute the suggestion, the board reads it.

Two modes (``SelectionMode``): top-down, down the ranking until the envelope runs out (the
agenda's line), and the constrained portfolio, the best-scoring set under the meeting's
constraints, solved exactly by ``board.portfolio``. Staff compute the suggestion on demand;
it is stored with the fingerprint of its inputs (the agenda's proposals, their scores,
requests, leads and sectors, the envelope, the constraints), so that the page says when it
no longer matches them. The chair still decides each proposal: nothing here approves.

What the portfolio reads of each proposal on the agenda (in board review and scored):

- its score: the weighted total the agenda ranks by (``assessment.models.Standing``), or
  the ``scores`` given (calibrated scores plug in there);
- its request: the sum of its partners' requests, and its industry money: the cash and
  in kind of the partners of the call's industry types (``Rules.industry_types``);
- SME-led: its lead organization is an SME by the call's definition (``intake.eligibility.is_sme``);
- its sectors (``Proposal.sectors``) and its region: the lead organization's province
  (``CA-ON``) in Canada, its country elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import Province, Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from board.models import (
    AgendaItem,
    BoardMeeting,
    BoundDimension,
    BoundMeasure,
    PortfolioBound,
    PortfolioSettings,
    PortfolioSuggestion,
    SelectionMode,
)
from board.portfolio import (
    ENVELOPE,
    SCORE_SCALE,
    Candidate,
    Linear,
    Outcome,
    Report,
    count_between,
    funds_between,
    leverage_at_least,
    portfolio_solve,
    share_at_least,
)
from intake.choices import Sector, VersionKind
from intake.eligibility import Partner, is_sme
from intake.formatting import money
from intake.models import ConsortiumMember
from intake.selectors import call_committed
from intake.states import ProposalState
from records.models import AuditRecord
from records.sql import row_read_compiled

ZERO = Decimal("0")
CENT = Decimal("0.01")
CONSTRAINTS_SET = "portfolio_constraints"
COMPUTED = "portfolio_computed"


# --- The constraints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """A minimum and/or maximum for a sector or region, in projects or funds (as staff typed it)."""

    dimension: str
    value: str
    measure: str
    minimum: Decimal | None
    maximum: Decimal | None


@dataclass(frozen=True)
class Constraints:
    """What staff set for a meeting: the mode, the envelope (None: the call's remaining) and the constraints."""

    mode: str = SelectionMode.TOP_DOWN
    envelope: Decimal | None = None
    sme_min_count: int | None = None
    sme_min_share: Decimal | None = None
    min_leverage: Decimal | None = None
    priority_sectors: tuple[str, ...] = ()
    bounds: tuple[Bound, ...] = ()
    updated_at: Any = None
    updated_by: User | None = None

    @property
    def priority_labels(self) -> list[str]:
        return [group_label(BoundDimension.SECTOR, sector) for sector in self.priority_sectors]

    @property
    def bound_labels(self) -> list[str]:
        described = _described(self)
        return [constraint_label(f"bound:{b.dimension}:{b.value}:{b.measure}", described) for b in self.bounds]


def portfolio_constraints_of(*, meeting: BoardMeeting) -> Constraints:
    """Return the constraints staff set for ``meeting`` (the defaults when none): 2 queries."""
    stored = PortfolioSettings.objects.filter(meeting=meeting).select_related("updated_by").first()
    return _constraints(stored, list(PortfolioBound.objects.filter(meeting=meeting)))


def _constraints(stored: PortfolioSettings | None, bounds: list[PortfolioBound]) -> Constraints:
    rows = tuple(Bound(b.dimension, b.value, b.measure, b.minimum, b.maximum) for b in bounds)
    if stored is None:
        return Constraints(bounds=rows)
    return Constraints(
        mode=stored.mode,
        envelope=stored.envelope,
        sme_min_count=stored.sme_min_count,
        sme_min_share=stored.sme_min_share,
        min_leverage=stored.min_leverage,
        priority_sectors=tuple(stored.priority_sectors),
        bounds=rows,
        updated_at=stored.updated_at,
        updated_by=stored.updated_by,
    )


def region_choices() -> list[tuple[str, str]]:
    """Return the regions a bound may name: each province or territory (``CA-XX``), then each other country."""
    from django_countries import countries

    provinces = [(f"CA-{code}", str(label)) for code, label in Province.choices]
    return provinces + [(str(code), str(name)) for code, name in countries if code != "CA"]


def group_label(dimension: str, value: str) -> str:
    """Return the name of a sector or region as the pages show it."""
    if dimension == BoundDimension.SECTOR:
        return str(dict(Sector.choices).get(value, value))
    return dict(region_choices()).get(value, value)


def _bounds_check(bounds: list[Bound]) -> None:
    """Refuse bounds that repeat a group and measure, lack a limit, are out of order or count in fractions."""
    seen: set[tuple[str, str, str]] = set()
    sectors = set(Sector.values)
    regions = {code for code, _label in region_choices()}
    for index, bound in enumerate(bounds):
        where = _("Row %(number)d") % {"number": index + 1}
        if (bound.dimension == BoundDimension.SECTOR and bound.value not in sectors) or (
            bound.dimension == BoundDimension.REGION and bound.value not in regions
        ):
            raise ValidationError({"bounds": _("%(row)s: choose a sector or a region.") % {"row": where}})
        key = (bound.dimension, bound.value, bound.measure)
        if key in seen:
            raise ValidationError(
                {"bounds": _("%(row)s: %(group)s already has a limit of this kind.")
                 % {"row": where, "group": group_label(bound.dimension, bound.value)}}
            )  # fmt: skip
        seen.add(key)
        if bound.minimum is None and bound.maximum is None:
            raise ValidationError({"bounds": _("%(row)s: give a minimum, a maximum or both.") % {"row": where}})
        limits = [v for v in (bound.minimum, bound.maximum) if v is not None]
        if any(v < 0 for v in limits):
            raise ValidationError({"bounds": _("%(row)s: limits cannot be negative.") % {"row": where}})
        if bound.measure == BoundMeasure.COUNT and any(v != v.to_integral_value() for v in limits):
            raise ValidationError({"bounds": _("%(row)s: a number of projects is a whole number.") % {"row": where}})
        if bound.minimum is not None and bound.maximum is not None and bound.minimum > bound.maximum:
            raise ValidationError({"bounds": _("%(row)s: the minimum is above the maximum.") % {"row": where}})


def portfolio_constraints_set(
    *, meeting: BoardMeeting, by: User, constraints: Constraints, expected_updated_at: Any = None
) -> PortfolioSettings:
    """Set the meeting's selection mode and portfolio constraints: staff of its program, before release; audited.

    The envelope may not exceed what remains of the call's envelope. The bounds replace the
    meeting's bounds as a whole. Refused (409) if somebody changed them since the form was
    loaded (``expected_updated_at``).
    """
    from board.services.meetings import _locked_for_staff

    bounds = list(constraints.bounds)
    _bounds_check(bounds)
    unknown = [s for s in constraints.priority_sectors if s not in Sector.values]
    if unknown:
        raise ValidationError({"priority_sectors": _("Choose priority areas among the sectors.")})
    with transaction.atomic():
        locked = _locked_for_staff(meeting=meeting, by=by)
        remaining = locked.call.funding_envelope - call_committed(call=locked.call)
        if constraints.envelope is not None and constraints.envelope > remaining:
            raise ValidationError(
                {
                    "envelope": _("At most what remains of the call's envelope: %(amount)s.")
                    % {"amount": _money(remaining)}
                }
            )
        stored = PortfolioSettings.objects.select_for_update().filter(meeting=locked).first()
        if stored is not None and expected_updated_at is not None and stored.updated_at != expected_updated_at:
            raise StaleAction(_("Somebody changed these constraints since you opened them: reload and edit again."))
        stored = stored or PortfolioSettings(meeting=locked)
        stored.mode = constraints.mode
        stored.envelope = constraints.envelope
        stored.sme_min_count = constraints.sme_min_count
        stored.sme_min_share = constraints.sme_min_share
        stored.min_leverage = constraints.min_leverage
        stored.priority_sectors = sorted(set(constraints.priority_sectors))
        stored.updated_by = by
        stored.full_clean(exclude=["meeting"])
        stored.save()
        PortfolioBound.objects.filter(meeting=locked).delete()
        PortfolioBound.objects.bulk_create(
            [
                PortfolioBound(
                    meeting=locked,
                    dimension=b.dimension,
                    value=b.value,
                    measure=b.measure,
                    minimum=b.minimum,
                    maximum=b.maximum,
                )
                for b in bounds
            ]
        )
        AuditRecord.objects.create(
            meeting=locked,
            action=CONSTRAINTS_SET,
            actor=by,
            data=_described(_constraints(stored, [])) | {"bounds": [_bound_json(b) for b in bounds]},
        )
    return stored


def _bound_json(bound: Bound) -> dict[str, Any]:
    return {
        "dimension": bound.dimension,
        "value": bound.value,
        "measure": bound.measure,
        "minimum": None if bound.minimum is None else str(bound.minimum),
        "maximum": None if bound.maximum is None else str(bound.maximum),
    }


def _described(constraints: Constraints) -> dict[str, Any]:
    return {
        "mode": constraints.mode,
        "envelope": None if constraints.envelope is None else str(constraints.envelope),
        "sme_min_count": constraints.sme_min_count,
        "sme_min_share": None if constraints.sme_min_share is None else str(constraints.sme_min_share),
        "min_leverage": None if constraints.min_leverage is None else str(constraints.min_leverage),
        "priority_sectors": list(constraints.priority_sectors),
        "bounds": [_bound_json(b) for b in constraints.bounds],
    }


# --- The inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposed:
    """One proposal the portfolio weighs, with what its constraints read."""

    proposal_pk: int
    title: str
    total: float | None
    requested: Decimal
    industry: Decimal
    sme_led: bool
    sectors: tuple[str, ...]
    region: str


@dataclass(frozen=True)
class Inputs:
    """Everything the suggestion depends on; its fingerprint tells a stored suggestion from a stale one."""

    constraints: Constraints
    remaining: Decimal
    proposals: list[Proposed]

    @property
    def envelope(self) -> Decimal:
        if self.constraints.envelope is None:
            return self.remaining
        return min(self.constraints.envelope, self.remaining)

    def fingerprint(self) -> str:
        described = _described(self.constraints)
        payload = {
            "constraints": described,
            "remaining": str(self.remaining),
            "proposals": [
                [p.proposal_pk, p.title, p.total, str(p.requested), str(p.industry), p.sme_led, p.sectors, p.region]
                for p in self.proposals
            ],
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def portfolio_inputs(*, meeting: BoardMeeting, constraints: Constraints | None = None) -> Inputs:
    """Read what the suggestion for ``meeting`` depends on: 6 queries however long the agenda (4 given ``constraints``).

    The proposals come in the agenda's order: weighted total, highest first, then title.
    """
    call = meeting.call
    if constraints is None:
        constraints = portfolio_constraints_of(meeting=meeting)
    rules = call.eligibility_rules(VersionKind.APPLICATION)
    industry_types = rules.industry_types
    rows = list(
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True, proposal__state=ProposalState.BOARD_REVIEW)
        .order_by()
        .values_list(
            "proposal_id",
            "proposal__title",
            "proposal__standing__total",
            "proposal__sectors",
            "proposal__lead_organization__kind",
            "proposal__lead_organization__employee_count",
            "proposal__lead_organization__country",
            "proposal__lead_organization__province",
        )
    )
    money: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for proposal_id, kind, cash, in_kind, requested in (
        ConsortiumMember.objects.filter(
            proposal__agenda_items__meeting=meeting,
            proposal__agenda_items__deferred_to__isnull=True,
            proposal__state=ProposalState.BOARD_REVIEW,
        )
        .order_by()
        .values_list(
            "proposal_id", "organization__kind", "cash_contribution", "in_kind_contribution", "funding_requested"
        )
    ):
        money[proposal_id][0] += requested or ZERO
        if kind in industry_types:
            money[proposal_id][1] += (cash or ZERO) + (in_kind or ZERO)
    proposals = []
    for pk, title, total, sectors, kind, employees, country, province in rows:
        lead = Partner(
            name="", kind=kind, employees=employees, country=str(country), province=province, is_lead=True,
            cash=ZERO, in_kind=ZERO, funding_requested=ZERO,
        )  # fmt: skip
        proposals.append(
            Proposed(
                proposal_pk=pk,
                title=title,
                total=total,
                requested=money[pk][0],
                industry=money[pk][1],
                sme_led=is_sme(lead, rules),
                sectors=tuple(sorted(sectors or ())),
                region=f"CA-{province}" if str(country) == "CA" else str(country),
            )
        )
    proposals.sort(key=lambda p: (p.total is None, -(p.total or 0), p.title, p.proposal_pk))
    remaining = call.funding_envelope - call_committed(call=call)
    return Inputs(constraints=constraints, remaining=remaining, proposals=proposals)


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _scaled(score: Any) -> int:
    return int((Decimal(str(score)) * SCORE_SCALE).to_integral_value(rounding=ROUND_HALF_UP))


def problem_build(inputs: Inputs, scores: Mapping[int, Any] | None = None) -> tuple[list[Candidate], list[Linear]]:
    """Return the candidates (scored proposals, in ranking order) and the constraints of ``inputs``."""
    scored = [p for p in inputs.proposals if (scores or {}).get(p.proposal_pk, p.total) is not None]
    if scores is not None:
        scored.sort(key=lambda p: (-Decimal(str(scores.get(p.proposal_pk, p.total))), p.title, p.proposal_pk))
    candidates = [
        Candidate(
            id=p.proposal_pk,
            score=_scaled((scores or {}).get(p.proposal_pk, p.total)),
            cost=_cents(p.requested),
            industry=_cents(p.industry),
        )
        for p in scored
    ]
    c = inputs.constraints
    smes = [p.proposal_pk for p in scored if p.sme_led]
    linear: list[Linear] = []
    if c.sme_min_count is not None:
        linear.append(count_between("sme_count", smes, c.sme_min_count, None))
    if c.sme_min_share is not None:
        linear.append(share_at_least("sme_share", smes, candidates, c.sme_min_share))
    for sector in c.priority_sectors:
        linear.append(
            count_between(f"priority:{sector}", [p.proposal_pk for p in scored if sector in p.sectors], 1, None)
        )
    for bound in c.bounds:
        members = [
            p.proposal_pk
            for p in scored
            if (bound.value in p.sectors if bound.dimension == BoundDimension.SECTOR else p.region == bound.value)
        ]
        key = f"bound:{bound.dimension}:{bound.value}:{bound.measure}"
        if bound.measure == BoundMeasure.COUNT:
            low = None if bound.minimum is None else int(bound.minimum)
            high = None if bound.maximum is None else int(bound.maximum)
            linear.append(count_between(key, members, low, high))
        else:
            low = None if bound.minimum is None else _cents(bound.minimum)
            high = None if bound.maximum is None else _cents(bound.maximum)
            linear.append(funds_between(key, members, candidates, low, high))
    if c.min_leverage is not None:
        linear.append(leverage_at_least("leverage", candidates, c.min_leverage))
    return candidates, linear


# --- Computing and storing the suggestion ------------------------------------------------------------


def portfolio_compute(
    *, meeting: BoardMeeting, by: User, scores: Mapping[int, Decimal | float] | None = None
) -> PortfolioSuggestion:
    """Compute the meeting's suggestion and store it with its inputs' fingerprint: staff of its program; audited.

    ``scores`` replaces the weighted totals (by proposal id), e.g. calibrated scores. Each
    solve is bounded by ``PORTFOLIO_TIME_LIMIT`` seconds and the excluded proposals' reasons
    by ``PORTFOLIO_EXPLAIN_BUDGET``; the result says when a bound stopped the search.
    """
    if not by.acts_in(Role.STAFF, meeting.call.program_id):
        raise ActionForbidden(_("Only program staff compute the board's suggestion."))
    inputs = portfolio_inputs(meeting=meeting)
    candidates, linear = problem_build(inputs, scores)
    started = time.perf_counter()
    report = portfolio_solve(
        candidates=candidates,
        envelope=_cents(inputs.envelope),
        constraints=linear,
        time_limit=settings.PORTFOLIO_TIME_LIMIT,
        explain_budget=settings.PORTFOLIO_EXPLAIN_BUDGET,
    )
    result = _result_json(inputs, report, linear, scores is not None, time.perf_counter() - started)
    with transaction.atomic():
        from board.services.meetings import _locked_for_staff

        locked = _locked_for_staff(meeting=meeting, by=by)
        suggestion, _created = PortfolioSuggestion.objects.update_or_create(
            meeting=locked,
            defaults={
                "mode": inputs.constraints.mode,
                # The inputs read here; alternative scores are the caller's, noted in the result.
                "fingerprint": inputs.fingerprint(),
                "result": result,
                "computed_at": timezone.now(),
                "computed_by": by,
            },
        )
        AuditRecord.objects.create(
            meeting=locked,
            action=COMPUTED,
            actor=by,
            data={
                "mode": inputs.constraints.mode,
                "status": report.optimum.status.value,
                "fingerprint": suggestion.fingerprint,
                "chosen": list(report.optimum.chosen),
                "top_down": list(report.top_down),
            },
        )
    return suggestion


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "status": outcome.status.value,
        "chosen": list(outcome.chosen),
        "score": outcome.score,
        "cost": outcome.cost,
    }


def _result_json(
    inputs: Inputs, report: Report, linear: list[Linear], calibrated: bool, seconds: float
) -> dict[str, Any]:
    return {
        "status": report.optimum.status.value,
        "proven": report.proven,
        "envelope": str(inputs.envelope),
        "envelope_set": inputs.constraints.envelope is not None,
        "remaining": str(inputs.remaining),
        "alternative_scores": calibrated,
        "constraints": _described(inputs.constraints),
        "keys": [c.key for c in linear],
        "titles": {str(p.proposal_pk): p.title for p in inputs.proposals},
        "unscored": [p.proposal_pk for p in inputs.proposals if p.total is None],
        "optimum": _outcome_json(report.optimum),
        "unconstrained": _outcome_json(report.unconstrained),
        "top_down": list(report.top_down),
        "top_down_cost": sum(c.cost for c in problem_build(inputs)[0] if c.id in set(report.top_down)),
        "top_down_score": sum(c.score for c in problem_build(inputs)[0] if c.id in set(report.top_down)),
        "costs": [{"key": c.key, "cost": c.cost, "status": c.without.status.value} for c in report.costs],
        "exclusions": [
            {"id": e.id, "why": e.why.value, "constraints": list(e.constraints), "loss": e.loss}
            for e in report.exclusions
        ],
        "conflict": list(report.conflict),
        "solves": report.solves,
        "seconds": round(seconds, 3),
    }


# --- Reading the suggestion --------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One proposal in the suggestion as a viewer sees it."""

    proposal_pk: int
    title: str
    recused: bool
    requested: Decimal | None = None
    score: Decimal | None = None
    why: str = ""


@dataclass(frozen=True)
class CostLine:
    label: str
    cost: Decimal | None


@dataclass
class Suggestion:
    """The stored suggestion shaped for a viewer; figures are left out for one recused from any proposal on it."""

    mode: str
    computed_at: Any
    computed_by: str
    stale: bool
    status: str
    proven: bool
    #: The viewer is recused from a proposal of the agenda: totals and costs would tell its figures.
    figures_hidden: bool
    envelope: Decimal
    chosen: list[Line] = field(default_factory=list)
    suggested_ids: set[int] = field(default_factory=set)
    total_score: Decimal | None = None
    total_funds: Decimal | None = None
    unconstrained_score: Decimal | None = None
    costs: list[CostLine] = field(default_factory=list)
    excluded: list[Line] = field(default_factory=list)
    conflict: list[str] = field(default_factory=list)
    unscored: int = 0
    alternative_scores: bool = False


def _points(scaled: int | None) -> Decimal | None:
    return None if scaled is None else (Decimal(scaled) / SCORE_SCALE).quantize(Decimal("0.001"))


def _money(amount: Decimal) -> str:
    return money(amount, 0 if amount == amount.to_integral_value() else 2)


def constraint_label(key: str, described: Mapping[str, Any]) -> str:
    """Word the constraint ``key`` of a stored result (``described``: the constraints as set) for the pages."""
    if key == ENVELOPE:
        return _("The envelope")
    if key == "sme_count":
        count = described["sme_min_count"]
        return ngettext("At least %(count)s SME-led project", "At least %(count)s SME-led projects", count) % {
            "count": count
        }
    if key == "sme_share":
        return _("At least %(percent)s %% of the funds to SME-led projects") % {"percent": described["sme_min_share"]}
    if key == "leverage":
        return _("A leverage of at least %(ratio)s industry dollars per cluster dollar") % {
            "ratio": described["min_leverage"]
        }
    if key.startswith("priority:"):
        return _("At least one project in the priority area %(sector)s") % {
            "sector": group_label(BoundDimension.SECTOR, key.split(":", 1)[1])
        }
    _bound, dimension, value, measure = key.split(":", 3)
    found = next(
        (b for b in described["bounds"] if (b["dimension"], b["value"], b["measure"]) == (dimension, value, measure)),
        None,
    )
    group = group_label(dimension, value)
    if found is None:
        return group

    def shown(amount: str | None) -> str | None:
        if amount is None:
            return None
        return str(int(Decimal(amount))) if measure == BoundMeasure.COUNT else _money(Decimal(amount))

    low, high = shown(found["minimum"]), shown(found["maximum"])
    if measure == BoundMeasure.COUNT:
        if low is not None and high is not None:
            return _("%(group)s: between %(low)s and %(high)s projects") % {"group": group, "low": low, "high": high}
        if low is not None:
            return _("%(group)s: at least %(low)s projects") % {"group": group, "low": low}
        return _("%(group)s: at most %(high)s projects") % {"group": group, "high": high}
    if low is not None and high is not None:
        return _("%(group)s: between %(low)s and %(high)s of funds") % {"group": group, "low": low, "high": high}
    if low is not None:
        return _("%(group)s: at least %(low)s of funds") % {"group": group, "low": low}
    return _("%(group)s: at most %(high)s of funds") % {"group": group, "high": high}


def _why(exclusion: Mapping[str, Any], described: Mapping[str, Any], figures: bool) -> str:
    names = "; ".join(constraint_label(key, described) for key in exclusion["constraints"])
    loss = _points(exclusion["loss"]) if figures else None
    why = exclusion["why"]
    if why == "forbidden":
        return _("No portfolio that includes it meets every constraint: it conflicts with %(names)s.") % {
            "names": names
        }
    if why == "envelope":
        text = _("The envelope: a better-scoring combination of proposals fits without it; no constraint is to blame.")
    elif why == "constraints":
        text = _("Left out by %(names)s: without that constraint alone it would be in the best portfolio.") % {
            "names": names
        }
    elif why == "jointly":
        text = _("The constraints together leave it out, though no single one of them does.")
    else:
        text = _("Not explained: the time allowed for the explanations ran out.")
    if loss is not None:
        text += " " + _("Funding it would lower the best portfolio's score by %(points)s points.") % {"points": loss}
    return text


def portfolio_suggestion_for(
    *, meeting: BoardMeeting, recused_ids: set[int], stored: PortfolioSuggestion | None = None, fetch: bool = True
) -> Suggestion | None:
    """Return the stored suggestion of ``meeting`` shaped for a viewer recused from ``recused_ids``, or None.

    Stale when the fingerprint of the inputs now differs (5 queries to read them). A viewer
    recused from any proposal of the agenda sees which proposals are suggested and the
    names of the constraints, never a total, a cost or a loss: the difference between two
    totals would tell the request or score of the proposal they are recused from.
    """
    if stored is None and fetch:
        stored = PortfolioSuggestion.objects.filter(meeting=meeting).select_related("computed_by").first()
    if stored is None:
        return None
    result = stored.result
    inputs = portfolio_inputs(meeting=meeting)
    stale = inputs.fingerprint() != stored.fingerprint
    described = result["constraints"]
    titles = {int(pk): title for pk, title in result["titles"].items()}
    agenda_ids = set(titles)
    figures = not (recused_ids & agenda_ids)
    by_id = {p.proposal_pk: p for p in inputs.proposals}
    portfolio = stored.mode == SelectionMode.PORTFOLIO
    chosen_ids = result["optimum"]["chosen"] if portfolio else result["top_down"]

    def line(pk: int, why: str = "") -> Line:
        recused = pk in recused_ids
        proposed = by_id.get(pk)
        return Line(
            proposal_pk=pk,
            title=titles.get(pk, ""),
            recused=recused,
            requested=None if recused or proposed is None else proposed.requested,
            score=None if recused or proposed is None or proposed.total is None else Decimal(str(proposed.total)),
            why="" if recused else why,
        )

    suggestion = Suggestion(
        mode=stored.mode,
        computed_at=stored.computed_at,
        computed_by=stored.computed_by.display_name,
        stale=stale,
        status=result["status"],
        proven=result["proven"],
        figures_hidden=not figures,
        envelope=Decimal(result["envelope"]),
        chosen=[line(pk) for pk in chosen_ids],
        suggested_ids=set(chosen_ids) if result["status"] != "infeasible" or not portfolio else set(),
        unscored=len(result["unscored"]),
        alternative_scores=result["alternative_scores"],
        conflict=[constraint_label(key, described) for key in result["conflict"]],
    )
    if result["status"] == "infeasible" and portfolio:
        suggestion.chosen = []
    if figures:
        if portfolio:
            suggestion.total_score = _points(result["optimum"]["score"])
            suggestion.total_funds = Decimal(result["optimum"]["cost"]) / 100
            suggestion.unconstrained_score = _points(result["unconstrained"]["score"])
            suggestion.costs = [
                CostLine(constraint_label(c["key"], described), _points(c["cost"])) for c in result["costs"]
            ]
        else:
            suggestion.total_score = _points(result["top_down_score"])
            suggestion.total_funds = Decimal(result["top_down_cost"]) / 100
    elif portfolio:
        suggestion.costs = [CostLine(constraint_label(c["key"], described), None) for c in result["costs"]]
    if portfolio:
        suggestion.excluded = [line(e["id"], _why(e, described, figures)) for e in result["exclusions"]]
    return suggestion


@dataclass(frozen=True)
class AgendaPortfolio:
    """What the agenda reads of the meeting's portfolio: its mode, envelope (None: the call's) and stored suggestion."""

    mode: str
    envelope: Decimal | None
    stored: PortfolioSuggestion | None


def portfolio_of_agenda(*, meeting: BoardMeeting) -> AgendaPortfolio:
    """Return the meeting's selection mode, the envelope staff set for it and its stored suggestion (1 query).

    The read is compiled once per connection and run with the meeting's key (``records.sql.row_read_compiled``).
    """
    row = row_read_compiled(BoardMeeting, "portfolio_of_agenda", _meeting_with_portfolio, meeting.pk)
    stored_settings = getattr(row, "portfolio_settings", None)
    return AgendaPortfolio(
        mode=stored_settings.mode if stored_settings is not None else SelectionMode.TOP_DOWN,
        envelope=stored_settings.envelope if stored_settings is not None else None,
        stored=getattr(row, "portfolio_suggestion", None),
    )


def _meeting_with_portfolio(pk: int) -> QuerySet[BoardMeeting]:
    return BoardMeeting.objects.filter(pk=pk).select_related(
        "portfolio_settings", "portfolio_suggestion", "portfolio_suggestion__computed_by"
    )


def portfolio_for_agenda(
    *, meeting: BoardMeeting, recused_ids: set[int], read: AgendaPortfolio | None = None
) -> tuple[str, Suggestion | None]:
    """Return the meeting's selection mode and its stored suggestion for the agenda (1 query, 6 with a suggestion).

    ``read``, what ``portfolio_of_agenda`` returned, saves its query.
    """
    if read is None:
        read = portfolio_of_agenda(meeting=meeting)
    if read.stored is None:
        return read.mode, None
    return read.mode, portfolio_suggestion_for(meeting=meeting, recused_ids=recused_ids, stored=read.stored)
