"""The agenda's rows written in Python: what a page repeats is kept, and never changes a row's HTML."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from assessment.models import Criterion
from assessment.scoring import ProposalScores
from board.services.agenda_queries import CalibratedScore
from board.services.agenda_rows import AgendaRow, CriterionResult, Partner, ReviewComments
from board.views.agenda_table import AgendaRowWriter
from intake.models import Proposal
from intake.services.call_lists import EligibilitySummary
from intake.states import ProposalState

CRITERIA = [Criterion(pk=1, name_en="Impact & reach", name_fr="Impact et portée"), Criterion(pk=2, name_en="Team")]
CALIBRATIONS = [
    None,
    CalibratedScore(71.25, 70.0, 65.04, 77.96, "", 0.5, "sometimes"),
    CalibratedScore(None, 66.0, 60.0, 72.0, "thin_graph", 1.0, "always"),
    CalibratedScore(None, 55.0, None, None, "no_review", None, ""),
    CalibratedScore(12.3456, 11.0, -0.04, 1234.56, "", 0.0, "never"),
]


def _row(number: int) -> AgendaRow:
    calibration = CALIBRATIONS[number % len(CALIBRATIONS)]
    scores = ProposalScores(
        means={1: 3.25 + number % 2, 2: None if number % 3 == 0 else 4.0},
        totals={},
        total=66.6666 + number % 2,
        spread=12.0,
        outliers=frozenset({9}) if number % 4 == 0 else frozenset(),
    )
    comment = "Clear <evidence> & a plan" if number % 2 else "Strong team"
    return AgendaRow(
        item_pk=100 + number,
        proposal_pk=10 + number,
        title=f"Proposal “{number}” <b>",
        state=ProposalState.BOARD_REVIEW,
        recused=number == 5,
        proposal=Proposal(pk=10 + number, title=f"Proposal “{number}” <b>", state=ProposalState.BOARD_REVIEW),
        rank=number or None,
        partners=[Partner(name="Acme & Co", is_lead=True, sme=True), Partner(name="Beta", is_lead=False, sme=False)],
        funding_requested=Decimal("1200000.00") * (1 + number % 3),
        cumulative=Decimal("1234567.89") * number,
        within_envelope=number < 4,
        envelope_runs_out=number == 4,
        matching_ratio_shown="1.50 to 1" if number % 2 else "",
        eligibility=EligibilitySummary(failed=number % 3, overridden=number % 2, total=10),
        scores=scores,
        criteria=[CriterionResult(criterion=c, mean=scores.means[c.pk]) for c in CRITERIA],
        reviews=[
            ReviewComments(overall="Fund it" if number % 2 else "", by_criterion=[(CRITERIA[0].name, comment)]),
            ReviewComments(overall="Fund it", by_criterion=[(CRITERIA[0].name, comment), (CRITERIA[1].name, "")]),
        ],
        version_number=number % 3 or None,
        calibration=calibration,
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_rows_written_together_are_each_row_written_alone(language: str) -> None:
    rows = [_row(number) for number in range(8)]

    def writer() -> AgendaRowWriter:
        return AgendaRowWriter(columns=len(CRITERIA) + 11, available=Decimal("4000000.00"), suggested=[11, 13])

    with translation.override(language):
        together = writer().rows(rows)
        alone = "".join(writer().rows([row]) for row in rows)

    assert together == alone
    # Every row, and what each repeats, is there: escaped, in the page's language.
    assert together.count("<tr") == len(rows) + 1
    assert together.count("Acme &amp; Co") == len(rows) - 1
    assert "Clear &lt;evidence&gt; &amp; a plan" in together
    assert ("66.7 (12.0)" if language == "en" else "66,7 (12,0)") in together
