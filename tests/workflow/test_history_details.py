"""The history's details read as sentences in the reader's language: no raw key, no ISO time."""

from __future__ import annotations

import pytest
from django.utils import translation

from workflow.actions import history_details

ZONE = "America/Toronto"


def test_a_decision_reads_its_amount_conditions_and_votes_in_english() -> None:
    data = {"amount": "700000.00", "conditions": "Quarterly reports.", "decision": "approved",
            "votes": {"approve": 2, "decline": 1, "abstain": 0}}  # fmt: skip

    with translation.override("en"):
        said = history_details(data, zone=ZONE)

    assert said == [
        "Amount approved: $700,000.00.",
        "Conditions of funding: Quarterly reports.",
        "Votes: 2 to approve, 1 to decline, 0 abstaining.",
    ]


def test_a_board_meeting_reads_in_the_calls_timezone_naming_it_in_french() -> None:
    with translation.override("fr"):
        said = history_details({"meeting": 7, "board_meeting_at": "2027-04-20T17:00:00+00:00"}, zone=ZONE)

    assert said == ["Réunion du conseil du 20 avril 2027, 13 h 00 (America/Toronto)."]


def test_an_extension_reads_both_deadlines() -> None:
    data = {"from": "2027-04-20T17:00:00+00:00", "until": "2027-04-27T17:00:00+00:00"}

    with translation.override("en"):
        said = history_details(data, zone=ZONE)

    assert said == [
        "The deadline moved from April 20, 2027, 13:00 (America/Toronto) to April 27, 2027, 13:00 (America/Toronto)."
    ]


@pytest.mark.parametrize("data", [{"stage": "loi"}, {"review": 3, "assessor": 9}, {"meeting": 7}, {}, None])
def test_what_only_the_code_reads_is_not_shown(data: dict[str, object] | None) -> None:
    assert history_details(data, zone=ZONE) == []


def test_an_override_reads_its_check_figure_and_limit_as_the_language_writes_them() -> None:
    with translation.override("fr"):
        said = history_details({"check": "in_kind_cap", "figure": "30.50", "limit": "25.00"}, zone=ZONE)

    assert said == ["Valeur 30,50 par rapport à la limite 25,00."]
