"""Calibration, reliability and chances as staff see them: stored on submission, on the results and in the export.

Applicants never see them: their proposal's page shows none of it.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from assessment.models import CalibratedStanding, CalibrationFit, Rubric
from assessment.services.results import EXPORT_HEADER, PAGE_SIZE, RELIABILITY_HEADER, call_results
from intake.models import ConsortiumMember
from intake.states import ProposalState
from tests.assessment.reviewing import assessor_make, assignment_make, review_make, rubric_make
from tests.conftest import client_for
from tests.factories import ProgramFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric() -> Rubric:
    proposal = ProposalFactory(application=False)
    call = proposal.call
    call.funding_envelope = Decimal("250000")
    call.save(update_fields=["funding_envelope"])
    return rubric_make(call, criteria=((Decimal("1"), 0, 10),))


def _crossed(rubric: Rubric, *, lead: User | None = None) -> list[Any]:
    """Six proposals each scored by the same three assessors, the third 2 points harsher than the others."""
    assessors = [assessor_make(display_name=name) for name in ("Ann", "Bob", "Harsh")]
    made = []
    for index, quality in enumerate((10, 8, 6, 4, 3, 2)):
        extra = {"lead_applicant": lead} if lead is not None and index == 0 else {}
        proposal = ProposalFactory(
            call=rubric.call, title=f"P{index}", state=ProposalState.IN_ASSESSMENT, application=False, **extra
        )
        ConsortiumMember.objects.filter(proposal=proposal).update(funding_requested=Decimal("100000"))
        for who, assessor in enumerate(assessors):
            # A point of noise here and there, so the fit has some to estimate.
            score = quality - (2 if who == 2 else 0) - (1 if (index + who) % 4 == 0 else 0)
            review_make(assignment_make(proposal, rubric=rubric, assessor=assessor), values=[score])
        made.append(proposal)
    return made


def test_submitting_reviews_stores_the_calibration_beside_the_raw_totals(rubric: Rubric) -> None:
    made = _crossed(rubric)

    fit = CalibrationFit.objects.get(rubric=rubric)
    standings = {s.proposal_id: s for s in CalibratedStanding.objects.filter(rubric=rubric)}
    assert set(standings) == {p.pk for p in made}
    assert all(s.fallback == "" and s.low < s.calibrated < s.high for s in standings.values())
    assert fit.calibrated == 6
    assert fit.fallbacks == 0
    # The harsh assessor scores everyone, so the offsets shift every proposal alike: the order holds.
    order = sorted(standings.values(), key=lambda s: -s.calibrated)
    assert [s.proposal_id for s in order] == [p.pk for p in made]
    assert fit.reliability["total"]["proposals"] == 6
    assert fit.reliability["total"]["assessors_needed"] is not None
    # Two of 100,000 fit the 250,000 remaining: the top two always, the bottom never.
    assert (fit.chance_seed, fit.chance_draws, fit.chance_remaining) == (20140101, 1000, Decimal("250000"))
    assert standings[made[0].pk].chance_label == "always"
    assert standings[made[-1].pk].chance_label == "never"


def test_the_calibration_is_refitted_when_a_review_is_submitted_again(rubric: Rubric) -> None:
    made = _crossed(rubric)
    first = CalibratedStanding.objects.get(rubric=rubric, proposal=made[5])

    review_make(assignment_make(made[5], rubric=rubric), values=[10])

    again = CalibratedStanding.objects.get(rubric=rubric, proposal=made[5])
    assert again.raw > first.raw
    assert again.fitted_at > first.fitted_at


def test_results_show_calibrated_beside_raw_with_reliability(rubric: Rubric, staff_client: Client) -> None:
    _crossed(rubric)

    response = staff_client.get(reverse("assessment:results", kwargs={"pk": rubric.call_id}))

    body = response.content.decode()
    assert "Calibrated total (90% interval)" in body
    assert "Chance of funding" in body
    assert "Always funded" in body
    assert "Never funded" in body
    assert "ICC(1,1): one assessor" in body
    assert "Krippendorff" in body
    rows = response.context["results"].rows
    assert all(row.calibration is not None and row.calibration.raw == pytest.approx(row.scores.total) for row in rows)
    assert next(a.criterion for a in response.context["results"].agreement) is None


def test_a_thin_call_says_why_it_keeps_raw_scores(rubric: Rubric, staff_client: Client) -> None:
    proposal = ProposalFactory(call=rubric.call, title="Alone", application=False)
    review_make(assignment_make(proposal, rubric=rubric), values=[7])

    (row,) = call_results(call=rubric.call).rows

    assert (row.calibration.calibrated, row.calibration.fallback) == (None, "thin_graph")
    body = staff_client.get(reverse("assessment:results", kwargs={"pk": rubric.call_id})).content.decode()
    assert "Kept raw:" in body
    assert "Too few assessors score several proposals" in body


@pytest.mark.parametrize("count", [1, 60])
def test_results_with_calibration_read_in_constant_queries(
    count: int, rubric: Rubric, staff_client: Client, django_assert_max_num_queries: Any
) -> None:
    assessors = [assessor_make() for _ in range(3)]
    for index in range(count):
        proposal = ProposalFactory(call=rubric.call, title=f"Proposal {index}", application=False)
        for assessor in assessors[: 1 + index % 3]:
            review_make(assignment_make(proposal, rubric=rubric, assessor=assessor), values=[index % 11])

    # As tests/assessment/test_results.py counts, and the page's calibrated standings (one query).
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("assessment:results", kwargs={"pk": rubric.call_id}))

    assert len(response.context["results"].rows) == min(count, PAGE_SIZE)


def test_staff_recompute_refits_and_returns_to_the_results(rubric: Rubric, staff_client: Client) -> None:
    made = _crossed(rubric)
    CalibratedStanding.objects.filter(rubric=rubric).delete()

    response = staff_client.post(
        reverse("assessment:results_recompute", kwargs={"pk": rubric.call_id}), {"stage": "application"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?stage=application")
    assert CalibratedStanding.objects.filter(rubric=rubric).count() == len(made)


def test_the_export_carries_calibration_chances_and_reliability(rubric: Rubric, staff_client: Client) -> None:
    made = _crossed(rubric)

    response = staff_client.get(reverse("assessment:results_csv", kwargs={"pk": rubric.call_id}))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[0] == list(EXPORT_HEADER)
    scores = rows[1 : 1 + 3 * len(made)]
    standing = CalibratedStanding.objects.get(rubric=rubric, proposal=made[0])
    first = next(row for row in scores if row[0] == "P0")
    assert first[7:] == [
        f"{standing.raw:.4f}",
        f"{standing.calibrated:.4f}",
        f"{standing.low:.4f}",
        f"{standing.high:.4f}",
        "",
        "1.0000",
        "always",
    ]
    assert rows[1 + 3 * len(made)] == []
    assert rows[2 + 3 * len(made)] == list(RELIABILITY_HEADER)
    assert [row[0] for row in rows[3 + 3 * len(made) :]] == ["weighted total", "Criterion 1"]


def test_applicants_never_see_calibration_or_chances(rubric: Rubric, applicant: User, applicant_client: Client) -> None:
    made = _crossed(rubric, lead=applicant)

    body = applicant_client.get(reverse("intake:proposal_detail", kwargs={"pk": made[0].pk})).content.decode()

    assert "Calibrated" not in body
    assert "Chance of funding" not in body
    assert "Always funded" not in body
    assert applicant_client.get(reverse("assessment:results", kwargs={"pk": rubric.call_id})).status_code == 403
    recompute = reverse("assessment:results_recompute", kwargs={"pk": rubric.call_id})
    assert applicant_client.post(recompute).status_code == 403


def test_staff_of_another_program_cannot_recompute(rubric: Rubric) -> None:
    elsewhere = client_for(UserFactory(role=Role.STAFF, programs=[ProgramFactory()], email="stella@example.com"))

    response = elsewhere.post(reverse("assessment:results_recompute", kwargs={"pk": rubric.call_id}))

    assert response.status_code == 404
    assert not CalibrationFit.objects.filter(rubric=rubric).exists()
