"""Each rubric's calibration, reliability and chances of funding, stored beside the raw standings.

``calibration_refresh`` refits a rubric from all of its submitted reviews and rewrites its
``CalibrationFit`` and its proposals' ``CalibratedStanding`` rows; raw scores and the raw
standings are never touched. ``assessment.services.standings`` calls it wherever the
standings are recomputed (a review submitted, reopened or set aside), and staff may ask
for it again (the results page's "recompute", e.g. after the board committed money, which
changes the remaining envelope the chances are drawn against). Four reads and three writes
per rubric, whatever the number of proposals. The arithmetic is in the leaf modules
``assessment.calibration``, ``assessment.reliability`` and ``assessment.chances``; the
model and its limits are in docs/decision-quality.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from assessment import calibration, chances, reliability
from assessment.choices import ReviewState
from assessment.models import CalibratedStanding, CalibrationFit, Criterion, Rubric, Score, StageStanding
from assessment.scoring import Scale, review_total
from intake.choices import VersionKind
from intake.models import Call, ConsortiumMember
from intake.selectors import call_committed
from intake.states import FINAL_STATES, FUNDED_STATES


def calibration_refresh(*, rubric_ids: Iterable[int]) -> None:
    """Refit and store the calibration, reliability and chances of each rubric of ``rubric_ids``."""
    for rubric in Rubric.objects.filter(pk__in=sorted(set(rubric_ids))).select_related("call").order_by("pk"):
        _refresh(rubric)


def calibration_recompute(*, call: Call, stage: str) -> bool:
    """Refit the calibration of ``call``'s rubric at ``stage`` now (staff's "recompute"); False if it has none.

    The rubric's row is locked for the fit, so two staff asking at once fit one after the other.
    """
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().select_related("call").filter(call=call, stage=stage).first()
        if rubric is None:
            return False
        _refresh(rubric)
    return True


def _refresh(rubric: Rubric) -> None:
    criteria = list(Criterion.objects.filter(rubric=rubric).order_by("position", "pk"))
    scales = [Scale(key=c.pk, weight=c.weight, low=c.scale_min, high=c.scale_max) for c in criteria]
    marks: dict[int, dict[int, int]] = defaultdict(dict)
    who: dict[int, tuple[int, int, float]] = {}
    for proposal_id, assessor_id, review_id, criterion_id, value, confidence in (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED, review__assignment__rubric=rubric, value__isnull=False
        )
        .order_by("review_id", "criterion_id")
        .values_list(
            "review__assignment__proposal_id",
            "review__assignment__assessor_id",
            "review_id",
            "criterion_id",
            "value",
            "review__confidence",
        )
    ):
        marks[review_id][criterion_id] = value or 0  # never None: filtered out above
        who[review_id] = (proposal_id, assessor_id, calibration.weight_of(confidence))
    standings = dict(StageStanding.objects.filter(rubric=rubric).values_list("proposal_id", "proposal__state"))

    totals = [
        calibration.Review(proposal=who[r][0], assessor=who[r][1], score=review_total(m, scales), weight=who[r][2])
        for r, m in marks.items()
        if scales and len(m) == len(scales)
    ]
    fit = calibration.calibrate(totals, proposals=standings)
    per_criterion = {
        c.pk: calibration.calibrate(
            [
                calibration.Review(proposal=who[r][0], assessor=who[r][1], score=m[c.pk], weight=who[r][2])
                for r, m in marks.items()
                if c.pk in m
            ]
        )
        for c in criteria
    }
    target = float(rubric.reliability_target)
    agreement = {"total": _scores_by_proposal(totals)} | {
        str(c.pk): _scores_by_proposal(
            [calibration.Review(who[r][0], who[r][1], m[c.pk]) for r, m in marks.items() if c.pk in m]
        )
        for c in criteria
    }
    measured = {key: reliability.reliability(scores, target=target).as_dict() for key, scores in agreement.items()}

    chance_of, remaining, seed, draws = _chances(rubric, fit, standings)
    now = timezone.now()
    always, never = settings.ASSESSMENT_CHANCE_ALWAYS, settings.ASSESSMENT_CHANCE_NEVER
    rows = []
    for proposal_id in sorted(standings):
        estimate = fit.estimates[proposal_id]
        chance = chance_of.get(proposal_id)
        rows.append(
            CalibratedStanding(
                rubric=rubric,
                proposal_id=proposal_id,
                raw=estimate.raw,
                calibrated=estimate.calibrated,
                low=estimate.low,
                high=estimate.high,
                fallback=estimate.fallback,
                criteria={
                    str(pk): (e.calibrated if (e := found.estimates.get(proposal_id)) is not None else None)
                    for pk, found in per_criterion.items()
                },
                chance=chance,
                chance_label="" if chance is None else chances.chance_label(chance, always=always, never=never),
                fitted_at=now,
            )
        )
    CalibratedStanding.objects.filter(rubric=rubric).exclude(proposal_id__in=list(standings)).delete()
    CalibratedStanding.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["proposal", "rubric"],
        update_fields=[
            "raw",
            "calibrated",
            "low",
            "high",
            "fallback",
            "criteria",
            "chance",
            "chance_label",
            "fitted_at",
        ],
        batch_size=2000,
    )
    CalibrationFit.objects.update_or_create(
        rubric=rubric,
        defaults={
            "noise_variance": fit.noise_variance,
            "offset_variance": fit.offset_variance,
            "within_variance": fit.within_variance,
            "calibrated": sum(1 for e in fit.estimates.values() if e.is_calibrated),
            "fallbacks": sum(1 for e in fit.estimates.values() if not e.is_calibrated and e.raw is not None),
            "reliability": measured,
            "chance_seed": seed,
            "chance_draws": draws,
            "chance_remaining": remaining,
            "fitted_at": now,
        },
    )


def _scores_by_proposal(reviews: list[calibration.Review]) -> dict[Hashable, list[float]]:
    found: dict[Hashable, list[float]] = defaultdict(list)
    for review in reviews:
        found[review.proposal].append(review.score)
    return found


def _chances(
    rubric: Rubric, fit: calibration.Fit, states: dict[int, str]
) -> tuple[dict[int, float], Decimal | None, int | None, int]:
    """Draw the chances of the rubric's undecided scored proposals, at the full application only.

    The remaining envelope is the call's envelope less what the board committed
    (``intake.selectors.call_committed``); each proposal asks for its consortium's requests.
    """
    if rubric.stage != VersionKind.APPLICATION:
        return {}, None, None, 0
    call: Call = rubric.call
    undecided = [
        pk
        for pk, state in states.items()
        if state not in FINAL_STATES and state not in FUNDED_STATES and fit.estimates[pk].raw is not None
    ]
    requested = dict(
        ConsortiumMember.objects.filter(proposal_id__in=undecided)
        .order_by()
        .values_list("proposal_id")
        .annotate(total=Sum("funding_requested"))
    )
    remaining = call.funding_envelope - call_committed(call=call)
    seed = int(settings.ASSESSMENT_CHANCE_SEED)
    draws = int(settings.ASSESSMENT_CHANCE_DRAWS)
    candidates = []
    # The calibrated ranking's order for ties: the candidates in a fixed order (by key).
    for pk in sorted(undecided):
        estimate = fit.estimates[pk]
        mean = estimate.calibrated if estimate.calibrated is not None else estimate.raw
        assert mean is not None
        candidates.append(
            chances.Candidate(key=pk, mean=mean, sd=estimate.sd or 0.0, requested=requested.get(pk) or Decimal("0"))
        )
    found = chances.funding_chances(candidates, remaining=remaining, seed=seed, draws=draws)
    return {int(k): v for k, v in found.items()}, remaining, seed, draws  # type: ignore[call-overload]
