"""The assessor-offset model (``assessment.calibration``): planted offsets recovered, thin graphs kept raw."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.calibration import Fallback, Review, calibrate, weight_of, zscored


def _planted(seed: int, *, proposals: int = 60, assessors: int = 12, k: int = 3, offset_sd: float = 2.0) -> tuple:
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, 1.0, proposals)
    offsets = rng.normal(0, offset_sd, assessors)
    reviews = []
    for i in range(proposals):
        for j in rng.choice(assessors, k, replace=False):
            reviews.append(Review(i, int(j), float(quality[i] + offsets[j] + rng.normal(0, 0.5))))
    return quality, offsets, reviews


def test_calibration_recovers_planted_offsets_and_ranks_better_than_raw() -> None:
    quality, offsets, reviews = _planted(7)

    fit = calibrate(reviews)

    found = np.array([fit.offsets[j] for j in range(len(offsets))])
    calibrated = np.array([fit.estimates[i].calibrated for i in range(len(quality))])
    raw = np.array([fit.estimates[i].raw for i in range(len(quality))])
    # The offsets are identified up to their mean, which the prior centres on zero.
    assert np.corrcoef(found, offsets)[0, 1] > 0.98
    assert np.max(np.abs((found - found.mean()) - (offsets - offsets.mean()))) < 0.5
    assert np.corrcoef(calibrated, quality)[0, 1] > 0.9 > np.corrcoef(raw, quality)[0, 1]
    assert all(estimate.fallback == Fallback.NONE for estimate in fit.estimates.values())


def test_calibration_intervals_cover_the_truth_about_as_often_as_they_say() -> None:
    # Many assessors, so that the offsets' common level (which the prior centres on zero) is pinned down.
    covered = total = 0
    for seed in range(3):
        quality, offsets, reviews = _planted(seed, proposals=400, assessors=100)
        fit = calibrate(reviews)
        shift = float(np.mean(offsets))  # the model's quality absorbs the offsets' mean
        for i, estimate in fit.estimates.items():
            covered += estimate.low <= quality[i] + shift <= estimate.high
            total += 1

    assert 0.86 <= covered / total <= 0.95


def test_calibration_without_offsets_stays_close_to_raw() -> None:
    _quality, _offsets, reviews = _planted(3, offset_sd=0.0)

    fit = calibrate(reviews)

    gaps = [abs(e.calibrated - e.raw) for e in fit.estimates.values()]
    assert max(gaps) < 0.5
    assert fit.offset_variance < 0.1 * fit.noise_variance


def test_calibration_is_deterministic_whatever_the_order() -> None:
    _quality, _offsets, reviews = _planted(11)

    first, second = calibrate(reviews), calibrate(list(reversed(reviews)))

    assert {k: e.calibrated for k, e in first.estimates.items()} == pytest.approx(
        {k: e.calibrated for k, e in second.estimates.items()}, abs=1e-9
    )


def test_calibration_weighs_reviews_by_confidence() -> None:
    # Two linking assessors and a third in a ring; on proposal "p" a confident 9 and an unsure 3.
    ring = [("x", "a", 5), ("x", "b", 5), ("y", "b", 6), ("y", "c", 6), ("z", "c", 4), ("z", "a", 4)]
    base = [Review(p, who, score) for p, who, score in ring]
    sure = calibrate([*base, Review("p", "a", 9, weight_of("high")), Review("p", "b", 3, weight_of("low"))])
    plain = calibrate([*base, Review("p", "a", 9), Review("p", "b", 3)])

    assert weight_of("high") > weight_of("medium") == weight_of(None) == 1.0 > weight_of("low")
    assert sure.estimates["p"].calibrated > plain.estimates["p"].calibrated


def test_an_assessor_with_a_single_review_gives_no_offset_information() -> None:
    _quality, _offsets, reviews = _planted(5)
    lone = [Review("alone", "once-1", 3.0), Review("alone", "once-2", 4.0)]

    fit = calibrate([*reviews, *lone])

    estimate = fit.estimates["alone"]
    assert (estimate.fallback, estimate.calibrated, estimate.raw) == (Fallback.NO_LINKING_ASSESSOR, None, 3.5)
    assert estimate.low is not None
    assert estimate.low < 3.5 < estimate.high


def test_a_component_apart_from_the_main_group_keeps_raw_scores() -> None:
    _quality, _offsets, reviews = _planted(5)
    apart = [Review("island-1", "u", 4.0), Review("island-2", "u", 2.0), Review("island-1", "v", 5.0)]
    apart.append(Review("island-2", "v", 3.0))

    fit = calibrate([*reviews, *apart])

    assert {fit.estimates[key].fallback for key in ("island-1", "island-2")} == {Fallback.DISCONNECTED}
    assert fit.estimates["island-1"].raw == 4.5


def test_a_graph_without_a_cycle_is_too_thin_and_everyone_keeps_raw() -> None:
    # A chain: p1-a-p2-b-p3, every link needed, nothing left to tell noise from offsets.
    chain = [Review("p1", "a", 3.0), Review("p2", "a", 4.0), Review("p2", "b", 5.0), Review("p3", "b", 6.0)]

    fit = calibrate(chain, proposals=["p4"])

    assert {key: e.fallback for key, e in fit.estimates.items()} == {
        "p1": Fallback.THIN_GRAPH,
        "p2": Fallback.THIN_GRAPH,
        "p3": Fallback.THIN_GRAPH,
        "p4": Fallback.NO_REVIEW,
    }
    assert fit.estimates["p2"].raw == 4.5
    assert fit.offsets == {}


def test_zscores_centre_and_scale_each_assessor() -> None:
    reviews = [Review("p", "a", 8.0), Review("q", "a", 6.0), Review("p", "b", 2.0), Review("q", "b", 0.0)]

    assert zscored(reviews) == pytest.approx({"p": 2**-0.5, "q": -(2**-0.5)})
