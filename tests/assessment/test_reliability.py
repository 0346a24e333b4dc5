"""Agreement of assessors (``assessment.reliability``) against published, hand-checked examples."""

from __future__ import annotations

import pytest

from assessment.reliability import (
    f_quantile,
    icc_oneway,
    krippendorff_alpha,
    reliability,
    spearman_brown_needed,
)

# Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater reliability.
# Psychological Bulletin 86(2), 420-428, Table 2: six targets rated by four judges.
SHROUT_FLEISS = {1: [9, 2, 5, 8], 2: [6, 1, 3, 2], 3: [8, 4, 6, 8], 4: [7, 1, 2, 6], 5: [10, 5, 6, 9], 6: [6, 2, 4, 7]}

# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability, section C: four observers, twelve
# units, missing values; the interval alpha is 0.849.
KRIPPENDORFF = {
    1: [1, 1, 1], 2: [2, 2, 3, 2], 3: [3, 3, 3, 3], 4: [3, 3, 3, 3], 5: [2, 2, 2, 2], 6: [1, 2, 3, 4],
    7: [4, 4, 4, 4], 8: [1, 1, 2, 1], 9: [2, 2, 2, 2], 10: [5, 5, 5], 11: [1, 1], 12: [3],
}  # fmt: skip


def test_icc_of_shrout_and_fleiss_table_2() -> None:
    # Their Table 4 gives ICC(1,1) = .17 and ICC(1,4) = .44; the 95 % F intervals are (-.13, .72) and
    # (-.88, .91) (the same figures as R's psych::ICC on this table).
    single, mean, k0 = icc_oneway(SHROUT_FLEISS, level=0.95)

    assert k0 == 4
    assert (single.value, single.low, single.high) == pytest.approx((0.1657, -0.1329, 0.7226), abs=1e-4)
    assert (mean.value, mean.low, mean.high) == pytest.approx((0.4428, -0.8844, 0.9124), abs=1e-4)


def test_icc_by_hand_on_an_unbalanced_design() -> None:
    # Means 2, 6, 4, grand mean 30/7, N 7 (the lone score is left out):
    # MSB = (2 (16/7)² + 3 (12/7)² + 2 (2/7)²) / 2 = 952/98, MSW = (2 + 2 + 2) / 4 = 1.5;
    # k0 = (7 - 17/7) / 2 = 16/7; ICC(1,1) = (MSB - MSW) / (MSB + (9/7) MSW); ICC(1,k) = (MSB - MSW) / MSB.
    single, mean, k0 = icc_oneway({"a": [1, 3], "b": [5, 6, 7], "c": [3, 5], "lone": [9]})

    assert k0 == pytest.approx(16 / 7)
    msb = 952 / 98
    assert single.value == pytest.approx((msb - 1.5) / (msb + 9 / 7 * 1.5))
    assert mean.value == pytest.approx((msb - 1.5) / msb)


def test_f_quantiles_match_the_tables() -> None:
    assert f_quantile(0.975, 5, 18) == pytest.approx(3.3820, abs=1e-4)
    assert f_quantile(0.95, 3, 10) == pytest.approx(3.7083, abs=1e-4)
    assert f_quantile(0.5, 1, 1) == pytest.approx(1.0)


def test_krippendorff_alpha_interval_of_his_worked_example() -> None:
    alpha = krippendorff_alpha(KRIPPENDORFF)

    assert alpha.value == pytest.approx(0.849, abs=5e-4)
    assert alpha.low < alpha.value < alpha.high
    assert krippendorff_alpha(KRIPPENDORFF) == alpha  # the bootstrap's seed is fixed


def test_krippendorff_alpha_by_hand() -> None:
    # Units (1, 2) and (3, 3): D_o pairs within units: 2 * 1 / 1 + 0 = 2; all ordered pairs of 1, 2, 3, 3:
    # 2 * (1 + 4 + 4 + 1 + 1 + 0) = 22; alpha = 1 - (n - 1) * 2 / 22 = 1 - 3 * 2 / 22.
    assert krippendorff_alpha({"u": [1, 2], "v": [3, 3]}).value == pytest.approx(1 - 6 / 22)


def test_perfect_agreement_and_none_to_measure() -> None:
    assert icc_oneway({"a": [1, 1], "b": [4, 4]})[0].value == 1.0
    assert icc_oneway({"a": [1, 2]})[0].value is None
    assert krippendorff_alpha({"a": [3]}).value is None


def test_icc_when_every_proposal_has_the_same_mean() -> None:
    # Means 2 and 2: MSB 0, MSW (2 + 2) / 2 = 2, k0 2; ICC(1,1) = -MSW / ((k0 - 1) MSW) = -1 at both bounds
    # (F is 0); ICC(1,k) = (MSB - MSW) / MSB is undefined, and so are its bounds.
    single, mean, k0 = icc_oneway({"a": [1, 3], "b": [3, 1]})

    assert k0 == 2
    assert (single.value, single.low, single.high) == pytest.approx((-1.0, -1.0, -1.0))
    assert (mean.value, mean.low, mean.high) == (None, None, None)


@pytest.mark.parametrize(
    ("single", "target", "needed"), [(0.2, 0.7, 10), (0.5, 0.7, 3), (0.8, 0.7, 1), (0.0, 0.7, None), (-0.1, 0.7, None)]
)
def test_spearman_brown_counts_the_assessors_needed(single: float, target: float, needed: int | None) -> None:
    # k = 0.7 * 0.8 / (0.2 * 0.3) = 9.33, rounded up; 0.7 * 0.5 / (0.5 * 0.3) = 2.33.
    assert spearman_brown_needed(single, target=target) == needed


def test_reliability_gathers_every_measure() -> None:
    measured = reliability(SHROUT_FLEISS, target=0.7)

    assert (measured.proposals, measured.scores, measured.target) == (6, 24, 0.7)
    assert measured.assessors_needed == spearman_brown_needed(measured.icc1.value, target=0.7) == 12
    assert measured.as_dict()["icc1"][0] == pytest.approx(0.1657, abs=1e-4)
