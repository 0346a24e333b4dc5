"""A call's results for staff: ranked by weighted total with flags and pass marks, and the CSV of every score."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from assessment.models import Criterion, Rubric
from assessment.services import results
from assessment.services.results import PAGE_SIZE, Agreement, call_results, csv_safe
from assessment.views.results import agreement_rows
from tests.assessment.reviewing import assessor_make, assignment_make, review_make, rubric_make
from tests.factories import ProposalFactory
from workflow import reviews as review_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric() -> Rubric:
    # Weights 2 and 1 over scales 0-5 and 0-10.
    return rubric_make(ProposalFactory(application=False).call, pass_threshold=Decimal("60"))


def _scored(rubric: Rubric, title: str, *reviews: tuple[int, int]) -> Any:
    proposal = ProposalFactory(call=rubric.call, title=title, application=False)
    for values in reviews:
        review_make(assignment_make(proposal, rubric=rubric), values=list(values))
    return proposal


def test_results_rank_by_weighted_total_with_pass_and_spread(rubric: Rubric) -> None:
    _scored(rubric, "Middle", (3, 6), (3, 6))  # 60
    _scored(rubric, "Top", (5, 10), (4, 10))  # 100 and 86.7
    _scored(rubric, "Low", (1, 2))  # 20
    unscored = ProposalFactory(call=rubric.call, title="Unscored", application=False)
    review_make(assignment_make(unscored, rubric=rubric), submitted=False)

    rows = call_results(call=rubric.call).rows

    assert [(row.rank, row.proposal.title) for row in rows] == [
        (1, "Top"),
        (2, "Middle"),
        (3, "Low"),
        (None, "Unscored"),
    ]
    top, middle, low, none = rows
    assert top.scores.total == pytest.approx((100 + 100 * (2 * 0.8 + 1) / 3) / 2)
    assert top.scores.spread == pytest.approx(100 - 100 * 2.6 / 3)
    assert top.means == [pytest.approx(4.5), pytest.approx(10)]
    assert (top.passed, middle.passed, low.passed, none.passed) == (True, True, False, None)
    assert (top.submitted, none.submitted, top.required) == (2, 0, 3)


def test_results_flag_the_assessor_far_from_the_others(rubric: Rubric, settings: Any) -> None:
    settings.ASSESSMENT_OUTLIER_POINTS = 30
    proposal = ProposalFactory(call=rubric.call, application=False)
    for name, values in (("Ann", (5, 10)), ("Bob", (5, 9)), ("Cy", (0, 1))):
        review_make(
            assignment_make(proposal, rubric=rubric, assessor=assessor_make(display_name=name)), values=list(values)
        )

    (row,) = call_results(call=rubric.call).rows

    assert row.outlier_names == ["Cy"]
    settings.ASSESSMENT_OUTLIER_POINTS = 100
    assert call_results(call=rubric.call).rows[0].outlier_names == []


@pytest.mark.parametrize("count", [1, 60])
def test_results_page_reads_in_constant_queries(
    count: int, rubric: Rubric, staff_client: Client, django_assert_max_num_queries: Any
) -> None:
    for index in range(count):
        _scored(rubric, f"Proposal {index}", (index % 6, index % 11), (3, 3))

    # The session, user, call, its stages, the layout's programs, the criteria with their rubric
    # (and its calibration), the count, the page's ranking, its scores, its reviews in and its
    # calibrated standings, whatever the rows (the call's cut-offs are not read since 2026-12-07).
    with django_assert_max_num_queries(11):
        response = staff_client.get(reverse("assessment:results", kwargs={"pk": rubric.call_id}))

    assert response.status_code == 200
    assert len(response.context["results"].rows) == min(count, PAGE_SIZE)
    assert response.context["results"].page.paginator.count == count


# --- Pages of the ranking --------------------------------------------------------------------


@pytest.fixture
def ranked(rubric: Rubric) -> list[str]:
    """Seven proposals in the order the ranking must give: ties by title then key, the unscored last."""
    _scored(rubric, "Beta", (4, 8))  # 80, tied with Alpha: by title
    _scored(rubric, "Alpha", (4, 8))
    _scored(rubric, "Top", (5, 10))
    _scored(rubric, "Same", (2, 4))  # 40, twice, with the same title: by key
    _scored(rubric, "Same", (2, 4))
    _scored(rubric, "aardvark", (2, 4))  # 40 too: lower case after upper case, as Python sorts
    unscored = ProposalFactory(call=rubric.call, title="Awaiting", application=False)
    review_make(assignment_make(unscored, rubric=rubric), submitted=False)
    return ["Top", "Alpha", "Beta", "Same", "Same", "aardvark", "Awaiting"]


def _page(rubric: Rubric, number: Any, per_page: int = 3) -> Any:
    return call_results(call=rubric.call, page_number=number, per_page=per_page)


def test_results_pages_keep_the_ranking_and_its_ranks_across_pages(rubric: Rubric, ranked: list[str]) -> None:
    pages = [_page(rubric, number) for number in (1, 2, 3)]

    rows = [row for page in pages for row in page.rows]
    assert [row.proposal.title for row in rows] == ranked
    assert [row.rank for row in rows] == [1, 2, 3, 4, 5, 6, None]
    same = [row.proposal.pk for row in rows if row.proposal.title == "Same"]
    assert same == sorted(same)
    assert [(page.page.number, page.page.has_next()) for page in pages] == [(1, True), (2, True), (3, False)]
    assert pages[0].page.paginator.count == 7


def test_results_pages_agree_with_the_ranking_computed_from_every_score(rubric: Rubric, ranked: list[str]) -> None:
    whole = _page(rubric, 1, per_page=100).rows
    paged = [row for number in (1, 2, 3, 4) for row in _page(rubric, number, per_page=2).rows]

    assert [(row.rank, row.proposal.pk, row.scores.total) for row in paged] == [
        (row.rank, row.proposal.pk, row.scores.total) for row in whole
    ]
    totals = [row.scores.total for row in whole if row.scores.total is not None]
    assert totals == sorted(totals, reverse=True)


@pytest.mark.parametrize("number", [4, 99, "x", None, 0])
def test_results_page_beyond_the_last_or_invalid_gives_the_nearest(
    rubric: Rubric, ranked: list[str], number: Any
) -> None:
    expected = ["Awaiting"] if number in (4, 99, 0) else ranked[:3]

    assert [row.proposal.title for row in _page(rubric, number).rows] == expected


def test_results_page_links_the_next_page_of_the_same_stage(
    rubric: Rubric, ranked: list[str], staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "PAGE_SIZE", 3)
    url = reverse("assessment:results", kwargs={"pk": rubric.call_id})

    first = staff_client.get(url).content.decode()
    second = staff_client.get(url, {"stage": "application", "page": "2"}).content.decode()

    assert "page 1 of 3" in first
    assert 'href="?stage=application&amp;page=2"' in first
    assert ">Beta<" in first
    assert ">Beta<" not in second
    assert 'href="?stage=application&amp;page=1"' in second
    assert 'href="?stage=application&amp;page=3"' in second


def test_results_follow_a_reopened_review(rubric: Rubric, staff: Any) -> None:
    top = _scored(rubric, "Top", (5, 10))
    _scored(rubric, "Second", (3, 6))
    review = top.assessment_assignments.get().review

    review_actions.review_reopen(review=review, by=staff, reason="The comments contradict the scores.")

    assert [(row.rank, row.proposal.title) for row in call_results(call=rubric.call).rows] == [
        (1, "Second"),
        (None, "Top"),
    ]


def test_results_page_shows_the_ranking(rubric: Rubric, staff_client: Client) -> None:
    _scored(rubric, "Top one", (5, 10))

    body = staff_client.get(reverse("assessment:results", kwargs={"pk": rubric.call_id})).content.decode()

    assert "Top one" in body
    assert "100.0" in body
    assert "Pass" in body
    (row,) = call_results(call=rubric.call).rows
    ((_name, review),) = row.reviews
    assert reverse("assessment:review_reopen", kwargs={"pk": review}) in body


@pytest.mark.parametrize(
    ("language", "figures", "reopen"),
    [
        ("en", ["3.50", "6.50", "<strong>68.3</strong>", "16.7"], "Reopen Zo\u00eb &lt;O&#x27;Neil&gt;'s review"),
        (
            "fr",
            ["3,50", "6,50", "<strong>68,3</strong>", "16,7"],
            "Rouvrir l'\u00e9valuation de Zo\u00eb &lt;O&#x27;Neil&gt;",
        ),
    ],
)
def test_results_page_writes_its_figures_and_links_in_the_staff_language(
    rubric: Rubric, staff: Any, staff_client: Client, language: str, figures: list[str], reopen: str
) -> None:
    proposal = ProposalFactory(call=rubric.call, title="Top <b>&</b>", application=False)
    named = assessor_make(display_name="Zo\u00eb <O'Neil>")
    review_make(assignment_make(proposal, rubric=rubric, assessor=named), values=[4, 7])
    review_make(assignment_make(proposal, rubric=rubric), values=[3, 6])
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])

    body = staff_client.get(reverse("assessment:results", kwargs={"pk": rubric.call_id})).content.decode()

    # The means of 4 and 3, and of 7 and 6; the total (76.67 and 60 averaged) and the spread, one digit.
    for figure in figures:
        assert f'<td class="text-end">{figure}</td>' in body
    assert f">{reopen}</a>" in body
    assert "<O'Neil>" not in body
    assert ">Top &lt;b&gt;&amp;&lt;/b&gt;</a></th>" in body


def _csv(client: Client, rubric: Rubric) -> tuple[Any, list[list[str]]]:
    response = client.get(reverse("assessment:results_csv", kwargs={"pk": rubric.call_id}))
    text = b"".join(response.streaming_content).decode() if response.status_code == 200 else ""
    return response, list(csv.reader(io.StringIO(text)))


def test_csv_streams_one_row_per_score_with_formula_safe_cells(rubric: Rubric, staff_client: Client) -> None:
    proposal = ProposalFactory(call=rubric.call, title='=HYPERLINK("x")', application=False)
    review = review_make(
        assignment_make(proposal, rubric=rubric, assessor=assessor_make(display_name="@Ann")), values=[4, 7]
    )
    review.scores.filter(criterion__position=1).update(comment="-1 for the budget")
    review_make(assignment_make(proposal, rubric=rubric), submitted=False)  # drafts are not results

    response, rows = _csv(staff_client, rubric)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:7] == ["proposal", "assessor", "criterion", "score", "comment", "recommendation", "confidence"]
    # Each row then carries the proposal's calibration (tests/assessment/test_calibration_pages.py).
    assert [row[:7] for row in rows[1:3]] == [
        ['\'=HYPERLINK("x")', "'@Ann", "Criterion 1", "4", "'-1 for the budget", "fund", "high"],
        ['\'=HYPERLINK("x")', "'@Ann", "Criterion 2", "7", "Comment on Criterion 2.", "fund", "high"],
    ]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_csv_safe_quotes_what_a_spreadsheet_would_compute(value: str) -> None:
    assert csv_safe(value) == "'" + value


def test_csv_safe_leaves_plain_text_and_numbers() -> None:
    assert (csv_safe("Good plan"), csv_safe(5), csv_safe(None)) == ("Good plan", 5, None)


def test_csv_is_for_staff_only(rubric: Rubric, assessor_client: Client, applicant_client: Client) -> None:
    _scored(rubric, "Secret", (5, 10))

    assert _csv(assessor_client, rubric)[0].status_code == 403
    assert _csv(applicant_client, rubric)[0].status_code == 403


# --- The assessors' agreement, written in Python -----------------------------------------------

#: The table's rows as the template wrote them before ``agreement_rows`` (2026-12-07), to compare with: the
#: same cells, the interval's three written from one pattern.
INTERVAL_CELL = (
    '<td class="text-end">{% if measured.NAME.0 is None %}—{% else %}{{ measured.NAME.0|floatformat:2 }}'
    '{% if measured.NAME.1 is not None %} <span class="small text-secondary">'
    "({{ measured.NAME.1|floatformat:2 }} to {{ measured.NAME.2|floatformat:2 }})</span>{% endif %}{% endif %}</td>"
)
AGREEMENT_TEMPLATE = (
    "{% load i18n %}{% for measured in results.agreement %}\n      <tr>\n"
    '        <th scope="row">{% if measured.criterion %}{{ measured.criterion.name }}'
    '{% else %}{% translate "Weighted total" %}{% endif %}</th>\n'
    '        <td class="text-end">{{ measured.proposals }}</td>\n'
    + "".join(f"        {INTERVAL_CELL.replace('NAME', name)}\n" for name in ("icc1", "icck", "alpha"))
    + '        <td class="text-end">{% if measured.assessors_needed is None %}{% translate "not reachable" %}{% else %}'
    "{% blocktranslate with count=measured.assessors_needed target=measured.target|floatformat:2 %}"
    "{{ count }} for {{ target }}{% endblocktranslate %}{% endif %}</td>\n"
    "      </tr>\n    {% endfor %}"
)


def _agreement() -> list[Agreement]:
    named = Criterion(name_en="Team <b>&</b> 'plan'", name_fr="Équipe <b>&</b> « plan »")
    return [
        _measured(None, 12000, [0.675, 0.125, 0.995], [0.8, None, None], [None, None, None], 1500, 0.7),
        _measured(named, 40, [-0.004, -0.5, 0.3], [1234.5678, 2.345, 1000.0], [0.5, 0.25, 0.75], None, 0.85),
        _measured(named, 3, [None, None, None], [0.0, 0.0, 0.0], [0.125, None, None], 7, 0.9),
    ]


def _measured(
    criterion: Criterion | None,
    proposals: int,
    icc1: list[Any],
    icck: list[Any],
    alpha: list[Any],
    needed: Any,
    target: float,
) -> Agreement:
    return Agreement(
        criterion=criterion, proposals=proposals, icc1=icc1, icck=icck, k0=3.0, alpha=alpha,
        assessors_needed=needed, target=target,
    )  # fmt: skip


def _between_tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_agreement_rows_write_what_the_template_wrote(language: str) -> None:
    agreement = _agreement()

    with translation.override(language):
        written = agreement_rows(agreement)
        templated = Template(AGREEMENT_TEMPLATE).render(Context({"results": {"agreement": agreement}}))

    assert _between_tags(written) == _between_tags(templated)
    assert written.count("<tr>") == 3
