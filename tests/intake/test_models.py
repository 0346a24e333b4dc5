"""Calls: impossible ones are refused beside the field at fault, by clean() and by the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from intake.choices import CallPhase
from intake.eligibility import KINDS, Rule
from intake.models import Call, CallRule, Program
from intake.services.rule_rows import call_rules_write
from tests.factories import CallFactory, ProgramFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime(2030, 1, 15, 17, 0, tzinfo=UTC)
WINDOWS = {
    "loi_opens_at": MOMENT,
    "loi_closes_at": MOMENT + timedelta(days=30),
    "application_closes_at": MOMENT + timedelta(days=90),
    "review_due_at": MOMENT + timedelta(days=120),
    "board_meeting_at": MOMENT + timedelta(days=135),
}


def _errors(**fields: Any) -> dict[str, list[str]]:
    call = CallFactory.build(program=ProgramFactory(), **{**WINDOWS, **fields})
    with pytest.raises(ValidationError) as caught:
        call.full_clean()
    return caught.value.message_dict


def test_call_valid_passes_clean() -> None:
    call = CallFactory.build(program=ProgramFactory(), **WINDOWS)

    call.full_clean()

    assert call.phase(MOMENT) == CallPhase.LOI_OPEN


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"loi_closes_at": MOMENT + timedelta(days=91)},
            {"application_closes_at": ["Full applications cannot close before the letters of intent close."]},
        ),
        ({"loi_closes_at": MOMENT}, {"loi_closes_at": ["Letters of intent must close after they open."]}),
        (
            {"loi_opens_at": MOMENT + timedelta(days=31)},
            {"loi_closes_at": ["Letters of intent must close after they open."]},
        ),
        (
            {"review_due_at": MOMENT + timedelta(days=60)},
            {"review_due_at": ["Reviews cannot be due before full applications close."]},
        ),
        (
            {"board_meeting_at": MOMENT + timedelta(days=100)},
            {"board_meeting_at": ["The board cannot meet before the reviews are due."]},
        ),
        (
            {"funding_envelope": Decimal("-1")},
            {"funding_envelope": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"timezone": "Mars/Olympus_Mons"}, {"timezone": ["Unknown timezone."]}),
    ],
)
def test_call_clean_impossible_refused_on_field(fields: dict[str, Any], expected: dict[str, list[str]]) -> None:
    assert _errors(**fields) == expected


# A call's rules are rows (``CallRule``): an impossible rule is refused beside its parameter, by the row's
# ``clean()`` and by ``call_rules_write``, the one way code writes rows without the rules page.


def _rule_errors(kind: str, params: dict[str, Any], stages: Any = ("application",)) -> dict[str, list[str]]:
    call = CallFactory()
    kept = [(row.pk, row.kind, row.params) for row in call.rule_rows()]
    row = CallRule(call=call, kind=kind, params=params, stages=list(stages))
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    if kind in KINDS:
        with pytest.raises(ValidationError):
            call_rules_write(call=call, rules=[Rule(kind, params, tuple(stages))])
        call.rules_forget()
        assert [(row.pk, row.kind, row.params) for row in call.rule_rows()] == kept  # nothing written
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("kind", "params", "expected"),
    [
        ("cluster_share", {"max": "0"}, "Maximum (%): The maximum share must be above 0 %."),
        ("cluster_share", {"max": "100.01"}, "Maximum (%): Enter a percent from 0 to 100."),
        (
            "partner_share",
            {"max_share": "0"},
            "Maximum share of the reimbursement to one partner (%): The maximum share must be above 0 %.",
        ),
        (
            "in_kind_cap",
            {"max_share": "101"},
            "Maximum in-kind share of the industry contribution (%): Enter a percent from 0 to 100.",
        ),
        ("matching_ratio", {"ratio": "-0.5"}, "Industry dollars per cluster dollar: Enter an amount of 0 or more."),
        (
            "project_size",
            {"min": "2000000", "max": "1000000"},
            "Maximum total eligible costs ($): The maximum is below the minimum.",
        ),
        ("funded_types", {"types": ["sme", "pirate", "alien"]}, "Types: Unknown choices: alien, pirate."),
        ("funded_types", {"types": []}, "Types: This parameter is required."),
        ("required_attachments", {"kinds": ["project_plan", "selfie"]}, "Attachments: Unknown choices: selfie."),
    ],
)
def test_call_rule_clean_impossible_refused_on_its_parameter(kind: str, params: dict[str, Any], expected: str) -> None:
    assert _rule_errors(kind, params) == {"params": [expected]}


def test_call_rule_clean_refuses_no_stage_and_an_unknown_one() -> None:
    no_stage = ["This field cannot be blank.", "Choose at least one stage the rule applies at."]
    assert _rule_errors("min_partners", {"count": 3}, ()) == {"stages": no_stage}
    assert _rule_errors("min_partners", {"count": 3}, ("board",)) == {"stages": ["Unknown stage."]}


def test_call_rule_clean_refuses_an_unknown_kind() -> None:
    assert "kind" in _rule_errors("pirate_flag", {})


def _insert(**fields: Any) -> None:
    program = Program.objects.first() or ProgramFactory()
    valid = {k: v for k, v in CallFactory.build(program=program, **WINDOWS).__dict__.items() if not k.startswith("_")}
    valid.pop("id")
    with transaction.atomic():
        Call.objects.create(**{**valid, **fields})


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"loi_closes_at": MOMENT}, "call_windows_in_order"),
        ({"loi_closes_at": MOMENT + timedelta(days=91)}, "call_windows_in_order"),
        ({"board_meeting_at": MOMENT + timedelta(days=100)}, "call_windows_in_order"),
        ({"funding_envelope": Decimal("-1")}, "call_envelope_not_negative"),
    ],
)
def test_call_database_refuses_impossible_row(fields: dict[str, Any], constraint: str) -> None:
    _insert()  # a valid row goes in, so the refusal below is the constraint's doing

    with pytest.raises(IntegrityError, match=constraint):
        _insert(slug="bad", **fields)

    assert Call.objects.count() == 1


def test_call_database_refuses_duplicate_slug_in_program() -> None:
    _insert(slug="same")

    with pytest.raises(IntegrityError):
        _insert(slug="same")


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (WINDOWS["loi_opens_at"] - timedelta(microseconds=1), CallPhase.UPCOMING),
        (WINDOWS["loi_opens_at"], CallPhase.LOI_OPEN),
        (WINDOWS["loi_closes_at"] - timedelta(microseconds=1), CallPhase.LOI_OPEN),
        (WINDOWS["loi_closes_at"], CallPhase.APPLICATIONS_OPEN),
        (WINDOWS["application_closes_at"], CallPhase.IN_REVIEW),
        (WINDOWS["board_meeting_at"] - timedelta(microseconds=1), CallPhase.IN_REVIEW),
        (WINDOWS["board_meeting_at"], CallPhase.DECIDED),
    ],
)
@pytest.mark.django_db
def test_call_phase_at_boundaries(moment: datetime, phase: CallPhase) -> None:
    call = CallFactory(**WINDOWS)

    with time_machine.travel(moment, tick=False):
        assert call.phase() == phase


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (WINDOWS["loi_opens_at"] - timedelta(microseconds=1), ("Letter of intent opens", WINDOWS["loi_opens_at"])),
        (WINDOWS["loi_opens_at"], ("Letter of intent closes", WINDOWS["loi_closes_at"])),
        (WINDOWS["loi_closes_at"], ("Full application closes", WINDOWS["application_closes_at"])),
        (
            WINDOWS["application_closes_at"] - timedelta(microseconds=1),
            ("Full application closes", WINDOWS["application_closes_at"]),
        ),
        (WINDOWS["application_closes_at"], None),
    ],
)
@pytest.mark.django_db
def test_call_next_deadline_at_boundaries(moment: datetime, expected: tuple[str, datetime] | None) -> None:
    call = CallFactory(**WINDOWS)

    with time_machine.travel(moment, tick=False):
        assert call.next_deadline() == expected
