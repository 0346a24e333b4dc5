"""Each proposal's chance of funding and the lottery (``assessment.chances``): seeded, reproducible."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from assessment.chances import Candidate, Label, chance_label, funding_chances, lottery_draw, lottery_seed


def _candidates() -> list[Candidate]:
    return [
        Candidate("top", 90.0, 1.0, Decimal("100")),
        Candidate("edge-a", 70.0, 5.0, Decimal("100")),
        Candidate("edge-b", 70.0, 5.0, Decimal("100")),
        Candidate("bottom", 20.0, 1.0, Decimal("100")),
    ]


def test_chances_fund_the_clear_top_always_and_the_clear_bottom_never() -> None:
    found = funding_chances(_candidates(), remaining=Decimal("200"), seed=1, draws=2000)

    assert found["top"] == 1.0
    assert found["bottom"] == 0.0
    assert 0.4 < found["edge-a"] < 0.6
    assert found["edge-a"] + found["edge-b"] == 1.0  # one of the two, in every draw


def test_chances_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    first = funding_chances(_candidates(), remaining=Decimal("200"), seed=42, draws=500)

    assert funding_chances(_candidates(), remaining=Decimal("200"), seed=42, draws=500) == first
    assert funding_chances(_candidates(), remaining=Decimal("200"), seed=43, draws=500) != first


def test_chances_stop_at_the_first_request_that_does_not_fit() -> None:
    # Top-down, as the agenda's line: the large second request stops the run, the small third is not funded.
    found = funding_chances(
        [Candidate("a", 3, 0, Decimal("50")), Candidate("b", 2, 0, Decimal("100")), Candidate("c", 1, 0, Decimal("1"))],
        remaining=Decimal("100.00"),
        seed=1,
        draws=10,
    )

    assert found == {"a": 1.0, "b": 0.0, "c": 0.0}


def test_chances_compare_money_in_exact_cents() -> None:
    found = funding_chances([Candidate("a", 1, 0, Decimal("0.10")), Candidate("b", 0, 0, Decimal("0.20"))],
                            remaining=Decimal("0.30"), seed=1, draws=1)  # fmt: skip

    assert found == {"a": 1.0, "b": 1.0}  # 0.1 + 0.2 would exceed 0.3 in floats


def test_labels_use_the_thresholds() -> None:
    assert [chance_label(c) for c in (1.0, 0.95, 0.5, 0.05, 0.0)] == [
        Label.ALWAYS, Label.ALWAYS, Label.SOMETIMES, Label.NEVER, Label.NEVER,
    ]  # fmt: skip
    assert chance_label(0.9, always=0.9, never=0.1) == Label.ALWAYS


def test_the_lottery_is_reproducible_from_its_published_seed() -> None:
    seed = lottery_seed(meeting_id=12, value="drawn in the open")
    band = [("p1", Decimal("50")), ("p2", Decimal("80")), ("p3", Decimal("30")), ("p4", Decimal("40"))]

    first = lottery_draw(seed=seed, band=band, money=Decimal("100"))

    assert seed == hashlib.sha256(b"12:drawn in the open").hexdigest()  # the formula the agenda publishes
    assert lottery_draw(seed=seed, band=band, money=Decimal("100")) == first
    assert sorted(t.position for t in first) == [1, 2, 3, 4]
    funded = [t for t in first if t.funded]
    assert sum(dict(band)[t.key] for t in funded) <= 100
    # Every passed-over request did not fit in what was left when its turn came.
    left = Decimal("100")
    for ticket in sorted(first, key=lambda t: t.position):
        fits = dict(band)[ticket.key] <= left
        assert ticket.funded == fits
        left -= dict(band)[ticket.key] if fits else 0
    assert lottery_seed(meeting_id=12, value="another") != seed
