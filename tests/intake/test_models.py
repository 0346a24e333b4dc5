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
from intake.models import Call, Program
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
        ({"max_cluster_share": Decimal("0")}, {"max_cluster_share": ["The cluster's share must be above 0 %."]}),
        (
            {"max_cluster_share": Decimal("100.01")},
            {"max_cluster_share": ["Ensure this value is less than or equal to 100."]},
        ),
        (
            {"max_partner_share": Decimal("0")},
            {"max_partner_share": ["One partner's share must be allowed above 0 %."]},
        ),
        (
            {"max_in_kind_share": Decimal("101")},
            {"max_in_kind_share": ["Ensure this value is less than or equal to 100."]},
        ),
        (
            {"min_matching_ratio": Decimal("-0.5")},
            {"min_matching_ratio": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"min_project_size": Decimal("2000000"), "max_project_size": Decimal("1000000")},
            {"max_project_size": ["The maximum project size is below the minimum."]},
        ),
        (
            {"funded_partner_types": ["sme", "pirate", "alien"]},
            {"funded_partner_types": ["Unknown partner types: alien, pirate."]},
        ),
        (
            {"required_attachments": ["project_plan", "selfie"]},
            {"required_attachments": ["Unknown attachment types: selfie."]},
        ),
        ({"timezone": "Mars/Olympus_Mons"}, {"timezone": ["Unknown timezone."]}),
    ],
)
def test_call_clean_impossible_refused_on_field(fields: dict[str, Any], expected: dict[str, list[str]]) -> None:
    assert _errors(**fields) == expected


def test_call_clean_no_funded_partner_type_refused() -> None:
    errors = _errors(funded_partner_types=[])

    assert errors == {
        "funded_partner_types": [
            "This field cannot be blank.",
            "Choose at least one partner type that may receive funds.",
        ]
    }


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
        ({"max_cluster_share": Decimal("0")}, "call_ratios_in_range"),
        ({"max_cluster_share": Decimal("100.5")}, "call_ratios_in_range"),
        ({"max_in_kind_share": Decimal("-1")}, "call_ratios_in_range"),
        ({"max_partner_share": Decimal("0")}, "call_ratios_in_range"),
        ({"min_matching_ratio": Decimal("-0.01")}, "call_ratios_in_range"),
        ({"min_project_size": Decimal("3"), "max_project_size": Decimal("2")}, "call_project_size_bounds_in_order"),
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
