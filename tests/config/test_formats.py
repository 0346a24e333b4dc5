"""Dates and times read one long and one short way per language, never ambiguous (config/formats)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

MOMENT = datetime(2027, 1, 5, 9, 30)


@pytest.mark.parametrize(
    ("language", "name", "shown"),
    [
        ("en", "DATETIME_FORMAT", "January 5, 2027, 09:30"),
        ("en", "SHORT_DATETIME_FORMAT", "2027-01-05 09:30"),
        ("en", "DATE_FORMAT", "January 5, 2027"),
        ("en", "SHORT_DATE_FORMAT", "2027-01-05"),
        ("fr", "DATETIME_FORMAT", "5 janvier 2027, 09 h 30"),
        ("fr", "SHORT_DATETIME_FORMAT", "2027-01-05 09 h 30"),
        ("fr", "DATE_FORMAT", "5 janvier 2027"),
        ("fr", "SHORT_DATE_FORMAT", "2027-01-05"),
    ],
)
def test_each_language_writes_a_date_its_long_and_its_short_way(language: str, name: str, shown: str) -> None:
    with translation.override(language):
        assert date_format(MOMENT if "TIME" in name else MOMENT.date(), name) == shown


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_short_date_puts_the_day_or_month_first(language: str) -> None:
    # "01/05/2027" reads as January 5 in the United States and May 1 in Canada's French: never written.
    with translation.override(language):
        assert date_format(date(2027, 5, 1), "SHORT_DATE_FORMAT") == "2027-05-01"


def test_a_template_date_filter_takes_the_languages_format() -> None:
    template = Template('{{ moment|date:"DATETIME_FORMAT" }}')

    with translation.override("fr"):
        assert template.render(Context({"moment": MOMENT})) == "5 janvier 2027, 09 h 30"
    with translation.override("en"):
        assert template.render(Context({"moment": MOMENT})) == "January 5, 2027, 09:30"
