"""The rows of the staff page written in Python (``workflow.views.proposal_page_rows``) are the template's.

Each reference below is the markup the page's template wrote before the rows moved to Python
(``workflow/proposal_detail.html``), and the includes of the eligibility (``intake/_eligibility.html``)
and of the versions (``intake/_version_list.html``), which the applicant's page still renders; the
two are compared as HTML (Django's ``assertHTMLEqual``: the same elements, attributes and text,
whitespace between tags aside).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.template import Context, Template
from django.template.loader import get_template
from django.test.html import parse_html
from django.utils import translation

from accounts.models import User
from assessment.models import Criterion
from assessment.scoring import ProposalScores
from assessment.services.results import ResultRow
from intake.choices import VersionKind
from intake.eligibility.engine import Check
from intake.models import Call, EligibilityOverride, Proposal, ProposalVersion
from intake.selectors import EligibilityResult
from records.models import AuditRecord
from workflow.actions import history_details, history_text
from workflow.views.proposal_page_rows import ProposalPageRows

HISTORY = Template(
    """{% load i18n tz lifecycle %}{% for record, text, details in records %}
      <tr>
        <th scope="row"><time datetime="{{ record.at|date:'c' }}">{{ record.at|timezone:call.timezone|date:"SHORT_DATETIME_FORMAT" }}</time></th>
        <td>{{ text }}</td>
        <td>{{ record.from_state|state_label }} → {{ record.to_state|state_label }}</td>
        <td>{% if record.actor %}{{ record.actor.get_full_name }}{% else %}{% translate "Clusterflow (automatic)" %}{% endif %}</td>
        <td>{{ record.reason|linebreaksbr }}</td>
        <td>{% for sentence in details %}<p class="small mb-1">{{ sentence }}</p>{% endfor %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501
)

SCORES = Template(
    """{% load i18n %}
    {% for criterion, mean in row.criterion_means %}<tr><th scope="row">{{ criterion.name }} <span class="small text-secondary">({{ criterion.scale_min }}–{{ criterion.scale_max }})</span></th><td class="text-end">{% if mean is None %}—{% else %}{{ mean|floatformat:2 }}{% endif %}</td></tr>{% endfor %}
    <tr><th scope="row">{% translate "Weighted total" %}</th><td class="text-end">{% if row.scores.total is None %}—{% else %}<strong>{{ row.scores.total|floatformat:1 }}</strong>{% endif %}</td></tr>
    <tr><th scope="row">{% translate "Spread" %}</th><td class="text-end">{% if row.scores.spread is None %}—{% else %}{{ row.scores.spread|floatformat:1 }}{% endif %}</td></tr>
    <tr><th scope="row">{% translate "Result" %}</th><td class="text-end">{% if row.passed is None %}—{% elif row.passed %}<span class="badge text-bg-success">{% translate "Pass" %}</span>{% else %}<span class="badge text-bg-secondary">{% translate "Below the mark" %}</span>{% endif %}{% if row.outlier_names %} <span class="badge text-bg-warning">{% translate "Outlier" %}</span> {{ row.outlier_names|join:", " }}{% endif %}</td></tr>
    """  # noqa: E501, RUF001 - the template's own en dash between a scale's ends
)


def _records(zone: str) -> list[tuple[AuditRecord, str, list[str]]]:
    """Records of every shape the history shows: by a person or automatic, with a reason, details, unknown states."""
    staff = User(email="s@example.test", display_name="Sam <Staff> & Co")
    made = [
        AuditRecord(action="submit_loi", from_state="loi_draft", to_state="loi_submitted", actor=staff, data={}),
        AuditRecord(
            action="request_changes",
            from_state="submitted",
            to_state="changes_requested",
            actor=staff,
            reason="Add the letters.\nAnd <b>the plan</b> & budget's lines.",
            data={"due_at": "2026-11-30T13:12:00+00:00", "amount": "1234567.5"},
        ),
        AuditRecord(action="complete_assessment", from_state="in_assessment", to_state="assessed", actor=None, data={}),
        AuditRecord(action="some_old_step", from_state="gone_state", to_state="assessed", actor=None, data={}),
    ]
    for day, record in enumerate(made, start=1):
        record.at = datetime(2026, 12, day, 3, 4, 5, 123456, tzinfo=UTC)
    return [
        (record, history_text(record.action, record.data), history_details(record.data, zone=zone)) for record in made
    ]


def _row(**changes: Any) -> ResultRow:
    criteria = [
        Criterion(name_en="Benefits & <economy>", name_fr="Retombées & <économie>", scale_min=0, scale_max=5),
        Criterion(name_en="Feasibility", name_fr="Faisabilité", scale_min=1, scale_max=10),
    ]
    values: dict[str, Any] = {
        "rank": None,
        "proposal": Proposal(),
        "scores": ProposalScores(means={}, totals={}, total=48.04999, spread=16.25, outliers=frozenset()),
        "submitted": 3,
        "required": 3,
        "passed": False,
        "outlier_names": [],
        "means": [],
        "reviews": [],
        "criterion_means": [(criteria[0], 2.675), (criteria[1], None)],
    }
    return ResultRow(**{**values, **changes})


def _same(expected: str, written: str) -> None:
    assert parse_html(written) == parse_html(expected)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_history_rows_are_the_templates(language: str) -> None:
    call = Call(timezone="America/Toronto")
    records = _records(call.timezone)
    with translation.override(language):
        expected = HISTORY.render(Context({"records": records, "call": call}))
        written = ProposalPageRows(call).history(records)

    _same(expected, written)
    assert "Sam &lt;Staff&gt; &amp; Co" in written
    assert "Add the letters.<br>And &lt;b&gt;the plan&lt;/b&gt;" in written


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"passed": True, "outlier_names": ["Ann <A>", "Bob"]},
        {
            "passed": None,
            "scores": ProposalScores(means={}, totals={}, total=None, spread=None, outliers=frozenset()),
        },
        {"scores": ProposalScores(means={}, totals={}, total=1234.5, spread=0.05, outliers=frozenset())},
    ],
)
def test_score_rows_are_the_templates(language: str, changes: dict[str, Any]) -> None:
    row = _row(**changes)
    with translation.override(language):
        expected = SCORES.render(Context({"row": row}))
        written = ProposalPageRows(Call(timezone="Europe/Paris")).scores(row)

    _same(expected, written)


def test_a_scores_figure_reads_as_the_filter_writes_it() -> None:
    row = _row(scores=ProposalScores(means={}, totals={}, total=2.25, spread=None, outliers=frozenset()))
    with translation.override("fr"):
        written = ProposalPageRows(Call(timezone="Europe/Paris")).scores(row)

    assert "<strong>2,3</strong>" in written
    assert '<td class="text-end">2,68</td>' in written


def _results() -> list[EligibilityResult]:
    """Checks of every shape staff's table shows: passed, advisory, failed, overridden, lapsed, covered or not."""
    staff = User(email="s@example.test", display_name="Sam <Staff>")

    def override(figure: str, limit: str, day: int) -> EligibilityOverride:
        made = EligibilityOverride(
            check_code="c", figure=figure, limit=limit, reason="Letters <b>came</b>.\nBy post & mail.", by=staff
        )
        made.at = datetime(2026, 11, day, 22, 30, tzinfo=UTC)
        return made

    def check(code: str, *, passed: bool, hard: bool = True, figure: str = "", limit: str = "") -> Check:
        return Check(
            code, f"Label of {code} & co", passed, hard, f"Why <{code}>: 1,234.50 's", "application", figure, limit
        )

    return [
        EligibilityResult(check=check("ok", passed=True), override=None),
        EligibilityResult(check=check("soft", passed=False, hard=False), override=None),
        EligibilityResult(check=check("bad", passed=False, figure="45.01", limit="40.00"), override=None),
        EligibilityResult(
            check=check("covered", passed=False, figure="1234567.5", limit="500000.00..5000000.00"),
            override=override("1234567.5", "500000.00..5000000.00", 3),
        ),
        EligibilityResult(
            check=check("lapsed", passed=False, figure="50.00", limit="40.00"),
            override=None,
            lapsed=(override("45.00", "40.00", 4), override("", "40.00", 5)),
        ),
        EligibilityResult(
            check=check("both", passed=False, figure="50.00", limit="40.00"),
            override=override("50.00", "40.00", 6),
            lapsed=(override("45.00", "40.00", 4),),
        ),
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("empty", [False, True])
def test_the_eligibility_table_is_the_includes_for_staff(language: str, empty: bool) -> None:
    call = Call(timezone="Asia/Kolkata")
    results = [] if empty else _results()
    with translation.override(language):
        expected = get_template("intake/_eligibility.html").render(
            {"checks": results, "staff_view": True, "call": call}
        )
        written = ProposalPageRows(call).eligibility(results)

    _same(expected, written)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("count", [0, 1, 2, 3])
@pytest.mark.parametrize("compare", [False, True])
def test_the_versions_are_the_includes(language: str, count: int, compare: bool) -> None:
    call = Call(timezone="Pacific/Auckland")
    proposal = Proposal(pk=41, call=call)
    kinds = [VersionKind.LOI, VersionKind.APPLICATION, VersionKind.APPLICATION]
    versions = [
        ProposalVersion(number=number, kind=kinds[number - 1], submitted_at=datetime(2026, 3, number, 11, tzinfo=UTC))
        for number in range(1, count + 1)
    ]
    with translation.override(language):
        expected = get_template("intake/_version_list.html").render(
            {"versions": versions, "proposal": proposal, "compare": "/staff/calls/1/proposals/" if compare else ""}
        )
        written = ProposalPageRows(call).versions(proposal.pk, versions, compare=compare)

    _same(expected, written)
