"""One formatting of money, shares and ratios for every page, per language; a figure never reads as a limit it fails."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation

from intake.formatting import (
    canonical_shown,
    decimals,
    money,
    moneys,
    number,
    numbers,
    percent,
    plain,
    ratio,
    ratios,
    share_of,
    shown,
)

NBSP = "\u00a0"


def test_shown_rounds_half_up_to_the_cent_away_from_any_limit() -> None:
    assert shown(D("43.3333")) == D("43.33")
    assert shown(D("43.3333"), D("40")) == D("43.33")
    assert shown(D("43.335"), D("50")) == D("43.34")


def test_shown_one_cent_over_a_limit_never_reads_as_the_limit() -> None:
    over = share_of(D("500000.01"), D("1000000"))  # 50.000001 %

    assert over is not None
    assert shown(over) == D("50.00")  # without its limit, the figure alone
    assert shown(over, D("50")) == D("50.01")


def test_shown_just_under_a_minimum_never_reads_as_the_minimum() -> None:
    assert shown(D("0.996"), D("1.00")) == D("0.99")
    assert shown(D("1.00"), D("1.00")) == D("1.00")


def test_shown_takes_more_digits_when_two_limits_are_a_cent_apart() -> None:
    assert shown(D("40.005"), D("40.00"), D("40.01")) == D("40.005")


def test_shown_keeps_the_digits_of_a_finer_limit() -> None:
    assert shown(D("44.443"), D("44.444")) == D("44.443")


def test_plain_is_the_canonical_form_of_a_limit_or_an_amount() -> None:
    assert (plain(D("50")), plain(D("300000")), plain(D("44.445"))) == ("50.00", "300000.00", "44.445")


def test_english_figures_keep_the_point_and_the_comma_grouping() -> None:
    with translation.override("en"):
        assert percent(D("23.3333")) == f"23.33{NBSP}%"
        assert ratio(D("1.428")) == "1.43 to 1"
        assert money(D("1234567.5"), 2) == "$1,234,567.50"


def test_french_figures_take_the_comma_the_spaces_and_the_non_breaking_space() -> None:
    with translation.override("fr"):
        assert percent(D("23.3333")) == f"23,33{NBSP}%"
        assert ratio(D("1.428")) == "1,43 pour 1"
        assert money(D("1234567.5"), 2) == f"1{NBSP}234{NBSP}567,50{NBSP}$"
        assert percent(share_of(D("500000.01"), D("1000000")), D("50")) == f"50,01{NBSP}%"


def test_empty_figures_are_empty() -> None:
    assert (percent(None), ratio(None), money(None), share_of(D("1"), D("0"))) == ("", "", "", None)


@pytest.mark.parametrize(
    ("language", "canonical", "expected"),
    [
        ("en", "45.01", "45.01"),
        ("fr", "45.01", "45,01"),
        ("fr", "300000.00", f"300{NBSP}000,00"),
        ("en", "500000.00..5000000.00", "500,000.00 \u2013 5,000,000.00"),
        ("en", "Acme: 71.00", "Acme: 71.00"),
        ("en", "", "—"),
    ],
)
def test_canonical_figures_read_in_the_active_language(language: str, canonical: str, expected: str) -> None:
    with translation.override(language):
        assert canonical_shown(canonical) == expected


def test_template_filters_format_beside_the_limit() -> None:
    template = Template("{% load money %}{{ share|percent:limit }}|{{ value|ratio:minimum }}|{{ amount|money:2 }}")
    context = Context({"share": D("50.000001"), "limit": D("50"), "value": D("0.996"), "minimum": D("1"), "amount": 5})

    with translation.override("fr"):
        assert template.render(context) == f"50,01{NBSP}%|0,99 pour 1|5,00{NBSP}$"


# Figures a results page shows: means, totals, spreads, intervals and chances, the awkward ones
# (a half written exactly or not in binary, a negative that rounds to zero, thousands) included.
FIGURES: list[float | D] = [
    0.0,
    1.0,
    2.675,
    0.125,
    0.005,
    3.3333333333333335,
    58.66666666666667,
    99.95,
    99.96,
    100.0,
    -0.001,
    -0.04,
    -2.5,
    1e-7,
    999.995,
    1234.5678,
    123456.789,
    D("4.445"),
    D("-0.005"),
    7,
    1999,
]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("places", [0, 1, 2, 3])
def test_decimals_writes_what_floatformat_writes(language: str, places: int) -> None:
    with translation.override(language):
        write = decimals(places)

        assert [write(figure) for figure in FIGURES] == [str(floatformat(figure, places)) for figure in FIGURES]


def test_decimals_round_half_up_with_the_language_separator() -> None:
    with translation.override("en"):
        assert (decimals(2)(2.675), decimals(1)(58.65), decimals(2)(-0.001)) == ("2.68", "58.7", "0.00")
    with translation.override("fr"):
        assert (decimals(2)(3.3333333333333335), decimals(1)(1234.56)) == ("3,33", "1234,6")


def test_decimals_of_nothing_is_empty() -> None:
    assert decimals(2)(None) == ""


AMOUNTS: list[D | int] = [
    D("0"),
    D("0.00"),
    D("5.5"),
    D("999.99"),
    D("1000"),
    D("1200000.00"),
    D("-1234567.891"),
    D("40000000000.00"),
    D("0.005"),
    12,
    -1000,
    1234567,
]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("places", [0, 2])
def test_numbers_and_moneys_write_what_number_and_money_write(language: str, places: int) -> None:
    with translation.override(language):
        number_of, money_of = numbers(), moneys(places)

        assert [number_of(amount, places) for amount in AMOUNTS] == [number(amount, places) for amount in AMOUNTS]
        assert [money_of(amount) for amount in [*AMOUNTS, None]] == [
            money(amount, places) for amount in [*AMOUNTS, None]
        ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_ratios_write_what_ratio_writes_beside_the_limits(language: str) -> None:
    cases = [
        (None, ()),
        (D("1.4285714"), ()),
        (D("0.999"), (D("1"),)),
        (D("1.004"), (D("1"),)),
        (D("1234.5"), (D("1.5"),)),
        (D("0.6666666"), (D("0.665"), D("0.67"))),
    ]
    with translation.override(language):
        ratio_of = ratios()

        assert [ratio_of(value, *limits) for value, limits in cases] == [
            ratio(value, *limits) for value, limits in cases
        ]


def test_plain_kept_for_each_text_tells_apart_what_equal_numbers_do_not() -> None:
    # Equal as numbers, written apart: each keeps its own canonical form, whichever came first.
    assert [plain(D("-0")), plain(D("0")), plain(D("-0.000")), plain(D("0E+3"))] == ["-0.00", "0.00", "-0.00", "0.00"]
    assert [plain(D("44.4450")), plain(D("44.445")), plain(D("5E+2")), plain(D("500"))] == [
        "44.445",
        "44.445",
        "500.00",
        "500.00",
    ]
