"""Rubrics: the default one, staff's edits, the lock at the first review, and two editors at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.models import Criterion, Rubric
from assessment.services.rubrics import CriterionData, rubric_for, rubric_lock_on_first_review, rubric_update
from intake.choices import VersionKind
from intake.models import Call
from tests.conftest import client_for
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(call: Call, stage: str = VersionKind.APPLICATION) -> str:
    return f"{reverse('assessment:rubric', kwargs={'pk': call.pk})}?stage={stage}"


def _post_data(rubric: Rubric, criteria: list[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "assessors_per_proposal": settings.get("k", 3),
        "pass_threshold": settings.get("threshold", "60"),
        "loaded_at": settings.get("loaded_at", rubric.updated_at.isoformat()),
        **({"reviews_shared": "on"} if settings.get("shared") else {}),
        "criteria-TOTAL_FORMS": len(criteria),
        "criteria-INITIAL_FORMS": settings.get("initial", len(criteria)),
        "criteria-MIN_NUM_FORMS": 0,
        "criteria-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(criteria):
        for key, value in row.items():
            data[f"criteria-{index}-{key}"] = value
    return data


def _rows(rubric: Rubric) -> list[dict[str, Any]]:
    return [
        {
            "id": criterion.pk,
            "name_en": criterion.name_en,
            "name_fr": criterion.name_fr,
            "guidance_en": criterion.guidance_en,
            "guidance_fr": criterion.guidance_fr,
            "weight": str(criterion.weight),
            "scale_min": criterion.scale_min,
            "scale_max": criterion.scale_max,
            "ORDER": criterion.position,
        }
        for criterion in rubric.criteria.order_by("position")
    ]


def test_rubric_for_creates_the_default_rubric_once() -> None:
    call = CallFactory()

    rubric = rubric_for(call=call)
    again = rubric_for(call=call)

    assert again.pk == rubric.pk
    assert (rubric.stage, rubric.assessors_per_proposal, rubric.pass_threshold) == ("application", 3, Decimal("60"))
    criteria = list(rubric.criteria.order_by("position"))
    assert [criterion.name_en for criterion in criteria] == [
        "Benefits to the economy",
        "Technology leadership and innovation",
        "Strength and diversity of the consortium",
        "Intellectual property plan",
        "Feasibility",
    ]
    assert [criterion.name_fr for criterion in criteria][:2] == [
        "Retombées économiques",
        "Leadership technologique et innovation",
    ]
    assert all(criterion.guidance_en and criterion.guidance_fr for criterion in criteria)
    assert {(criterion.scale_min, criterion.scale_max, criterion.weight) for criterion in criteria} == {
        (0, 5, Decimal("1"))
    }
    assert "small and medium-sized enterprises" in criteria[2].guidance_en


def test_rubric_for_each_stage_is_its_own() -> None:
    call = CallFactory()

    application, loi = rubric_for(call=call), rubric_for(call=call, stage=VersionKind.LOI)

    assert application.pk != loi.pk
    assert Rubric.objects.filter(call=call).count() == 2


def test_rubric_page_shows_the_default_rubric_to_staff(staff_client: Client) -> None:
    call = CallFactory()

    response = staff_client.get(_url(call))

    assert response.status_code == 200
    assert "Benefits to the economy" in response.content.decode()
    assert Rubric.objects.filter(call=call, stage="application").exists()


def test_rubric_page_saves_whether_assessors_see_each_other_s_reviews(staff_client: Client) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)

    shared = staff_client.post(_url(call), _post_data(rubric, _rows(rubric), shared=True))
    rubric.refresh_from_db()
    shared_flag = rubric.reviews_shared
    blind = staff_client.post(_url(call), _post_data(rubric, _rows(rubric)))
    rubric.refresh_from_db()

    assert (shared.status_code, shared_flag) == (302, True)
    assert (blind.status_code, rubric.reviews_shared) == (302, False)


def test_rubric_page_saves_reordered_edited_added_and_removed_criteria(staff_client: Client) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)
    rows = _rows(rubric)
    rows[0]["ORDER"], rows[1]["ORDER"] = 2, 1  # swap the first two
    rows[2]["weight"] = "2.5"
    rows[3]["DELETE"] = "on"
    rows.append(
        {
            "id": "",
            "name_en": "Skills",
            "name_fr": "Compétences",
            "guidance_en": "Training of highly qualified people.",
            "guidance_fr": "Formation de personnel hautement qualifié.",
            "weight": "1",
            "scale_min": 1,
            "scale_max": 10,
            "ORDER": 9,
        }
    )

    response = staff_client.post(_url(call), _post_data(rubric, rows, k=4, threshold="70.5", initial=5))

    assert response.status_code == 302
    rubric.refresh_from_db()
    assert (rubric.assessors_per_proposal, rubric.pass_threshold) == (4, Decimal("70.5"))
    criteria = list(rubric.criteria.order_by("position"))
    assert [(c.position, c.name_en) for c in criteria] == [
        (1, "Technology leadership and innovation"),
        (2, "Benefits to the economy"),
        (3, "Strength and diversity of the consortium"),
        (4, "Feasibility"),
        (5, "Skills"),
    ]
    assert criteria[2].weight == Decimal("2.5")
    assert (criteria[4].scale_min, criteria[4].scale_max, criteria[4].name_fr) == (1, 10, "Compétences")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weight": "0"}, "The weight must be above zero."),
        ({"weight": "-1"}, "The weight must be above zero."),
        ({"scale_min": 5, "scale_max": 5}, "The highest score must be above the lowest."),
        ({"scale_min": 6, "scale_max": 5}, "The highest score must be above the lowest."),
        ({"name_fr": ""}, "This field is required."),
    ],
)
def test_rubric_page_refuses_bad_criteria_and_keeps_what_was_typed(
    staff_client: Client, change: dict[str, Any], message: str
) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)
    before = list(Criterion.objects.filter(rubric=rubric).values_list("name_en", "weight", "scale_min", "scale_max"))
    rows = _rows(rubric)
    rows[0]["name_en"] = "Typed but not saved"
    rows[1].update(change)

    response = staff_client.post(_url(call), _post_data(rubric, rows, k=5))

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert "Typed but not saved" in content
    assert list(Criterion.objects.filter(rubric=rubric).values_list("name_en", "weight", "scale_min", "scale_max")) == (
        before
    )
    rubric.refresh_from_db()
    assert rubric.assessors_per_proposal == 3


def test_rubric_page_refuses_removing_every_criterion(staff_client: Client) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)
    rows = [{**row, "DELETE": "on"} for row in _rows(rubric)]

    response = staff_client.post(_url(call), _post_data(rubric, rows))

    assert response.status_code == 400
    assert "A rubric needs at least one criterion." in response.content.decode()
    assert rubric.criteria.count() == 5


@pytest.mark.parametrize(("k", "threshold"), [(0, "60"), (11, "60"), (3, "100.5"), (3, "-1")])
def test_rubric_page_refuses_k_or_threshold_out_of_range(staff_client: Client, k: int, threshold: str) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)

    response = staff_client.post(_url(call), _post_data(rubric, _rows(rubric), k=k, threshold=threshold))

    assert response.status_code == 400
    rubric.refresh_from_db()
    assert (rubric.assessors_per_proposal, rubric.pass_threshold) == (3, Decimal("60"))


def test_rubric_two_staff_editing_at_once_the_second_is_told(staff: User, staff_client: Client) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)
    loaded_at = rubric.updated_at.isoformat()
    other = client_for(UserFactory(role=Role.STAFF))
    first_rows, second_rows = _rows(rubric), _rows(rubric)
    first_rows[0]["name_en"] = "First editor's name"
    second_rows[0]["name_en"] = "Second editor's name"

    first = staff_client.post(_url(call), _post_data(rubric, first_rows, loaded_at=loaded_at))
    second = other.post(_url(call), _post_data(rubric, second_rows, loaded_at=loaded_at))

    assert first.status_code == 302
    assert second.status_code == 409
    content = second.content.decode()
    assert "Somebody else saved this rubric while you were editing it." in content
    assert "Second editor&#x27;s name" in content
    assert rubric.criteria.get(position=1).name_en == "First editor's name"


def test_rubric_update_without_loaded_at_is_refused() -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)

    with pytest.raises(StaleAction):
        rubric_update(
            rubric=rubric,
            by=User(),
            expected_updated_at=None,
            assessors_per_proposal=3,
            pass_threshold=Decimal("60"),
            criteria=[CriterionData("A", "A", "", "", Decimal("1"), 0, 5)],
        )


def test_rubric_lock_on_first_review_is_idempotent() -> None:
    rubric = rubric_for(call=CallFactory())

    rubric_lock_on_first_review(rubric=rubric)
    first = Rubric.objects.get(pk=rubric.pk).locked_at
    rubric_lock_on_first_review(rubric=Rubric.objects.get(pk=rubric.pk))

    assert first is not None
    assert rubric.locked_at == first
    assert Rubric.objects.get(pk=rubric.pk).locked_at == first


def test_rubric_page_refuses_editing_a_locked_rubric(staff_client: Client) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call)
    rows = _rows(rubric)
    rows[0]["name_en"] = "Too late"
    data = _post_data(rubric, rows)
    rubric_lock_on_first_review(rubric=rubric)

    page = staff_client.get(_url(call))
    response = staff_client.post(_url(call), data)

    assert "This rubric is locked since" in page.content.decode()
    assert 'name="criteria-TOTAL_FORMS"' not in page.content.decode()
    assert response.status_code == 409
    assert "This rubric is locked" in response.content.decode()
    assert rubric.criteria.get(position=1).name_en == "Benefits to the economy"


def test_rubric_update_refuses_a_rubric_locked_meanwhile() -> None:
    rubric = rubric_for(call=CallFactory())
    loaded = rubric.updated_at
    rubric_lock_on_first_review(rubric=Rubric.objects.get(pk=rubric.pk))

    with pytest.raises(DomainError, match="This rubric is locked"):
        rubric_update(
            rubric=rubric,
            by=User(),
            expected_updated_at=loaded,
            assessors_per_proposal=3,
            pass_threshold=Decimal("60"),
            criteria=[CriterionData("A", "A", "", "", Decimal("1"), 0, 5)],
        )


def test_rubric_page_loi_stage_is_editable(staff_client: Client) -> None:
    call = CallFactory()
    rubric = rubric_for(call=call, stage=VersionKind.LOI)
    rows = _rows(rubric)[:2]

    response = staff_client.post(_url(call, VersionKind.LOI), _post_data(rubric, rows, k=2, initial=5))

    assert response.status_code == 302
    assert rubric.criteria.count() == 2
    assert rubric_for(call=call).criteria.count() == 5


def test_staff_call_page_links_the_rubric(staff_client: Client) -> None:
    call = CallFactory()

    response = staff_client.get(reverse("intake:call_staff_detail", kwargs={"pk": call.pk}))

    assert reverse("assessment:rubric", kwargs={"pk": call.pk}) in response.content.decode()
