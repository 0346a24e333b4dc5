"""Upgrading calls whose rules were fields to rules as rows (0020, 0021) changes no verdict.

The database is run back to 0019 (the rows' table, the fields still there), a call is given
rule fields as the staff form saved them, and the migrations run forward. The call's rows then
give, on fixed applications at each stage, exactly the verdicts (code, pass, figure, limit)
the engine gave on the fields before rules were rows: ``FORMER_VERDICTS`` was computed once by
that engine and is written out here, so the comparison never depends on today's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from intake.eligibility import Application, Partner, verdicts
from intake.models import Call

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_ROWS = [("intake", "0019_call_rules")]
D = Decimal
MOMENT = datetime(2030, 1, 15, 17, 0, tzinfo=UTC)

#: A call's rule fields as they were saved, with different word limits for the letter and the rest.
FIELDS: dict[str, Any] = {
    "min_partners": 3,
    "min_smes": 1,
    "sme_max_employees": 250,
    "funded_partner_types": ["large_company", "sme", "post_secondary"],
    "max_cluster_share": D("44.40"),
    "min_matching_ratio": D("1.00"),
    "max_in_kind_share": D("25.00"),
    "max_partner_share": D("70.00"),
    "min_project_size": D("500000.00"),
    "max_project_size": D("5000000.00"),
    "loi_word_limit": 5,
    "application_word_limit": 8,
    "required_attachments": ["project_plan", "risk_register"],
}


def _partner(name: str, kind: str, employees: int, *money: str, lead: bool = False) -> Partner:
    cash, in_kind, funding, costs = (D(amount) for amount in money)
    return Partner(name, kind, employees, "CA", "ON", lead, cash, in_kind, funding, {"labour": costs})


#: One application meeting every rule exactly at its limit, and one breaking most of them.
APPLICATIONS = {
    "meets": Application(
        partners=(
            _partner("Acme", "sme", 249, "500000", "100000", "621600", "1000000", lead=True),
            _partner("Bigco", "large_company", 2000, "166000", "0", "166400", "500000"),
            _partner("Polytechnique", "post_secondary", 3000, "0", "122000", "100000", "500000"),
        ),
        texts={"summary": "one two three four five"},
        attachments=frozenset({"project_plan", "risk_register"}),
    ),
    "breaks": Application(
        partners=(
            _partner("Acme", "sme", 250, "100000", "300000", "900000", "1000000", lead=True),
            _partner("Polytechnique", "post_secondary", 3000, "0", "0", "100000.01", "900000"),
        ),
        texts={"summary": "one two three four five six", "work_plan": "a b c d e f g h i"},
        attachments=frozenset({"project_plan"}),
    ),
}

APPLICATION_CHECKS = ("min_partners", "min_smes", "funded_types", "cluster_share", "matching_ratio", "in_kind_cap",
                      "partner_share", "project_size", "word_limits", "attachments")  # fmt: skip
#: What the engine decided on ``FIELDS`` before rules were rows, by application and stage.
FORMER_VERDICTS: dict[tuple[str, str], list[tuple[str, bool, str, str]]] = {
    ("meets", "questionnaire"): [("word_limits", True, "", "8")],
    ("meets", "loi"): [("word_limits", True, "", "5")],
    ("meets", "application"): [
        ("min_partners", True, "3", "3"),
        ("min_smes", True, "1", "1"),
        ("funded_types", True, "", "large_company; post_secondary; sme"),
        ("cluster_share", True, "44.40", "44.40"),
        ("matching_ratio", True, "1.00", "1.00"),
        ("in_kind_cap", True, "25.00", "25.00"),
        ("partner_share", True, "", "70.00"),
        ("project_size", True, "2000000.00", "500000.00..5000000.00"),
        ("word_limits", True, "", "8"),
        ("attachments", True, "", "project_plan; risk_register"),
    ],
    ("breaks", "questionnaire"): [("word_limits", False, "work_plan: 9", "8")],
    ("breaks", "loi"): [("word_limits", False, "summary: 6; work_plan: 9", "5")],
    ("breaks", "application"): [
        ("min_partners", False, "2", "3"),
        ("min_smes", False, "0", "1"),
        ("funded_types", True, "", "large_company; post_secondary; sme"),
        ("cluster_share", False, "52.63", "44.40"),
        ("matching_ratio", False, "0.40", "1.00"),
        ("in_kind_cap", False, "75.00", "25.00"),
        ("partner_share", False, "Acme: 90.00", "70.00"),
        ("project_size", True, "1900000.00", "500000.00..5000000.00"),
        ("word_limits", False, "work_plan: 9", "8"),
        ("attachments", False, "risk_register", "project_plan; risk_register"),
    ],
}


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.fixture
def at_head_after() -> Iterator[None]:
    yield
    call_command("migrate", verbosity=0)


def _old_call(slug: str, **fields: Any) -> int:
    """Create a call with rule fields at 0019, through the models of that moment; return its id."""
    executor = _migrate(BEFORE_ROWS)
    apps = executor.loader.project_state(BEFORE_ROWS).apps
    program, _created = apps.get_model("intake", "Program").objects.get_or_create(
        slug="ocean", defaults={"name_en": "Ocean", "name_fr": "Océan"}
    )
    call = apps.get_model("intake", "Call").objects.create(
        program=program,
        slug=slug,
        title_en=slug,
        title_fr=slug,
        timezone="America/Halifax",
        loi_opens_at=MOMENT,
        loi_closes_at=MOMENT + timedelta(days=30),
        application_closes_at=MOMENT + timedelta(days=90),
        review_due_at=MOMENT + timedelta(days=120),
        board_meeting_at=MOMENT + timedelta(days=135),
        funding_envelope=D("25000000.00"),
        **{**FIELDS, **fields},
    )
    return int(call.pk)


def _upgraded_verdicts_match_the_former_ones() -> None:
    apart = _old_call("apart")
    same = _old_call("same", loi_word_limit=8)

    call_command("migrate", verbosity=0)

    call = Call.objects.get(pk=apart)
    # Every partner's money counted as industry's: the upgrade says so with a row of every type.
    industry = call.all_rules().first("industry_types")
    assert industry is not None
    assert set(industry.param("types")) == {
        "large_company", "sme", "post_secondary", "not_for_profit", "government", "foreign"
    }  # fmt: skip
    for (name, stage), former in FORMER_VERDICTS.items():
        found = verdicts(APPLICATIONS[name], call.eligibility_rules(stage), stage=stage)
        kept = [(v.code, v.passed, v.figure, v.limit) for v in found if v.code != "industry_types"]
        assert kept == former, (name, stage)
    assert [v.code for v in verdicts(APPLICATIONS["meets"], call.eligibility_rules("application"), stage="application")
            if v.code != "industry_types"] == list(APPLICATION_CHECKS)  # fmt: skip
    # Equal word limits become one row at every stage.
    words = [(rule.params, rule.stages) for rule in Call.objects.get(pk=same).all_rules() if rule.kind == "word_limit"]
    assert words == [({"words": 8}, ("questionnaire", "loi", "application"))]
    assert [v.passed for v in verdicts(APPLICATIONS["breaks"], Call.objects.get(pk=same).eligibility_rules("loi"),
                                        stage="loi")] == [False]  # fmt: skip


def test_upgrading_call_rule_fields_to_rows_keeps_every_verdict(at_head_after: None) -> None:
    _upgraded_verdicts_match_the_former_ones()


@pytest.mark.postgres
def test_upgrading_call_rule_fields_to_rows_keeps_every_verdict_on_postgresql(at_head_after: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"runs the migrations on PostgreSQL; this run uses {connection.vendor} (set DATABASE_URL)")
    _upgraded_verdicts_match_the_former_ones()
