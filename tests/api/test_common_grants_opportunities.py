"""CommonGrants' opportunity routes: calls as opportunities, for everyone, in the protocol's published shapes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from common_grants_sdk.schemas.pydantic import (
    OpportunitiesListResponse,
    OpportunitiesSearchResponse,
    OpportunityBase,
    OpportunityResponse,
)
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import Call, CallRule, ConsortiumRole
from tests.api.common_grants_models import post_json, protocol_error
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

LIST = reverse("common_grants:opportunities")
SEARCH = reverse("common_grants:opportunity_search")


def detail(call: Call) -> str:
    return reverse("common_grants:opportunity", kwargs={"opp_id": str(call.uuid)})


def listed(response: Any) -> OpportunitiesListResponse:
    assert response.status_code == 200, response.content
    return OpportunitiesListResponse.model_validate(response.json())


def found(response: Any) -> OpportunitiesSearchResponse:
    assert response.status_code == 200, response.content
    return OpportunitiesSearchResponse.model_validate(response.json())


def titles(response: Any) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


def found_titles(response: Any) -> list[str]:
    return [item.title for item in found(response).items]


def test_opportunities_list_every_call_in_the_protocols_shape() -> None:
    calls = [CallFactory(upcoming=True), CallFactory(), CallFactory(decided=True)]

    response = Client().get(LIST)

    page = listed(response)
    assert {str(item.id) for item in page.items} == {str(call.uuid) for call in calls}
    assert page.pagination_info.total_items == 3
    assert page.pagination_info.page_size == 100
    assert page.status == 200


def test_opportunity_detail_gives_the_envelope_caps_and_applicant_types_in_cad() -> None:
    call = CallFactory(funding_envelope=Decimal("25000000.00"), funded_partner_types=["sme", "post_secondary"])
    CallRule.objects.create(
        call=call, kind="project_cap", params={"max_funding": "2000000.00"}, stages=["application"], position=50
    )
    ConsortiumRole.objects.create(call=call, slug="adopter", name_en="Adopter", name_fr="Adoptant", position=1)

    response = Client().get(detail(call))

    assert response.status_code == 200
    data = OpportunityResponse.model_validate(response.json()).data
    assert data.funding is not None
    assert (data.funding.total_amount_available.amount, data.funding.total_amount_available.currency) == (
        "25000000.00",
        "CAD",
    )
    assert data.funding.max_award_amount is not None
    assert data.funding.max_award_amount.amount == "2000000.00"
    assert data.funding.min_award_amount is None
    assert [(kind.value, kind.custom_value) for kind in data.accepted_applicant_types or []] == [
        ("for_profit_small_business", None),
        ("custom", "post_secondary"),
    ]
    custom = data.custom_fields or {}
    assert custom["consortiumRoles"].value == [{"slug": "adopter", "name": "Adopter"}]
    assert custom["intakeMode"].value == "fixed"
    assert [stage["kind"] for stage in custom["stages"].value] == ["loi", "application"]
    assert str(data.source) == f"http://testserver/calls/{call.pk}/"


def test_opportunity_close_date_is_the_last_stage_close_in_the_calls_timezone() -> None:
    call = CallFactory(timezone="America/Vancouver")
    closes = call.stages.order_by("position").last().closes_at.astimezone(call.zone)

    data = Client().get(detail(call)).json()["data"]

    assert data["keyDates"]["closeDate"]["date"] == closes.date().isoformat()
    assert data["keyDates"]["closeDate"]["time"] == closes.strftime("%H:%M:%S")
    assert "America/Vancouver" in data["keyDates"]["closeDate"]["description"]


@pytest.mark.parametrize(
    ("days_after_creation", "status"),
    [(-20, "forecasted"), (0, "open"), (60, "open"), (100, "closed")],
)
def test_opportunity_status_follows_the_servers_clock(days_after_creation: int, status: str) -> None:
    call = CallFactory()  # Opens ten days before now, its last stage closes in ninety.

    with time_machine.travel(timezone.now() + timedelta(days=days_after_creation), tick=False):
        data = Client().get(detail(call)).json()["data"]

    assert data["status"]["value"] == status


def test_opportunity_unknown_or_malformed_id_is_the_protocols_404() -> None:
    CallFactory()

    for opp_id in (str(uuid.uuid4()), "not-an-id"):
        response = Client().get(reverse("common_grants:opportunity", kwargs={"opp_id": opp_id}))

        assert protocol_error(response, 404).message == "No opportunity has this id."


def test_opportunities_pages_by_page_and_page_size() -> None:
    for _ in range(3):
        CallFactory()

    page = listed(Client().get(LIST, {"page": 2, "pageSize": 2}))

    assert len(page.items) == 1
    assert (page.pagination_info.page, page.pagination_info.total_pages) == (2, 2)


@pytest.mark.parametrize("query", [{"pageSize": 0}, {"pageSize": 101}, {"page": "two"}, {"page": -1}])
def test_opportunities_refuse_a_bad_page_with_the_field_named(query: dict[str, Any]) -> None:
    response = Client().get(LIST, query)

    error = protocol_error(response, 400)
    assert error.errors[0]["field"] == next(iter(query))


def test_opportunities_list_reads_a_page_in_a_fixed_number_of_queries() -> None:
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as context:
            listed(Client().get(LIST))
        return len(context.captured_queries)

    CallFactory()
    one = queries_for_list()
    for _ in range(5):
        CallRule.objects.create(
            call=CallFactory(), kind="project_cap", params={"max_funding": "1.00"}, stages=["loi"], position=9
        )
    many = queries_for_list()

    assert one == many == 6


def test_opportunities_list_stays_within_its_queries_at_two_sizes(django_assert_max_num_queries: Any) -> None:
    CallFactory()
    with django_assert_max_num_queries(6):
        listed(Client().get(LIST))
    for _ in range(8):
        CallFactory()
    with django_assert_max_num_queries(6):
        listed(Client().get(LIST))


# --- Search --------------------------------------------------------------------------------------


def test_search_filters_by_status_and_sorts_by_title() -> None:
    CallFactory(title_en="Beta", upcoming=True)
    CallFactory(title_en="Alpha")
    CallFactory(title_en="Gamma")
    CallFactory(title_en="Delta", decided=True)

    response = post_json(
        Client(),
        SEARCH,
        {
            "filters": {"status": {"operator": "in", "value": ["open", "forecasted"]}},
            "sorting": {"sortBy": "title", "sortOrder": "asc"},
        },
    )

    result = found(response)
    assert found_titles(response) == ["Alpha", "Beta", "Gamma"]
    assert result.sort_info.sort_by == "title"
    assert result.filter_info.filters == {"status": {"operator": "in", "value": ["open", "forecasted"]}}


def test_search_without_a_body_lists_every_call_most_recently_changed_first() -> None:
    older, newer = CallFactory(title_en="Older"), CallFactory(title_en="Newer")
    Call.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(days=3))

    response = post_json(Client(), SEARCH, {})

    assert found_titles(response) == [newer.title_en, "Older"]


def test_search_filters_by_close_date_range() -> None:
    soon = CallFactory(title_en="Soon")
    CallFactory(title_en="Later", windows=(-10, 30, 200, 220, 230))
    closes = soon.stages.order_by("position").last().closes_at.astimezone(soon.zone).date()

    response = post_json(
        Client(),
        SEARCH,
        {"filters": {"closeDateRange": {"operator": "between", "value": {"min": str(closes), "max": str(closes)}}}},
    )

    assert found_titles(response) == ["Soon"]


def test_search_filters_money_in_cad_and_excludes_other_currencies() -> None:
    CallFactory(title_en="Small", funding_envelope=Decimal("1000000.00"))
    CallFactory(title_en="Large", funding_envelope=Decimal("30000000.00"))

    def search(currency: str) -> list[str]:
        bounds = {"min": {"amount": "500000", "currency": currency}, "max": {"amount": "2000000", "currency": currency}}
        body = {"filters": {"totalFundingAvailableRange": {"operator": "between", "value": bounds}}}
        return found_titles(post_json(Client(), SEARCH, body))

    assert search("CAD") == ["Small"]
    assert search("USD") == []


def test_search_filters_by_the_calls_cap_on_funding() -> None:
    capped = CallFactory(title_en="Capped")
    CallRule.objects.create(
        call=capped, kind="project_cap", params={"max_funding": "750000.00"}, stages=["application"], position=50
    )
    CallFactory(title_en="Uncapped")
    bounds = {"min": {"amount": "0", "currency": "CAD"}, "max": {"amount": "1000000", "currency": "CAD"}}

    response = post_json(
        Client(), SEARCH, {"filters": {"maxAwardAmountRange": {"operator": "between", "value": bounds}}}
    )

    assert found_titles(response) == ["Capped"]


def test_search_matches_words_in_either_language() -> None:
    CallFactory(title_en="Digital twins", title_fr="Jumeaux numériques")
    CallFactory(title_en="Robotics", title_fr="Robotique")

    response = post_json(Client(), SEARCH, {"search": "numériques"})

    assert found_titles(response) == ["Digital twins"]


def test_search_ignores_unknown_filters_and_custom_sorts_and_says_so() -> None:
    CallFactory()

    response = post_json(
        Client(),
        SEARCH,
        {
            "filters": {"customFilters": {"region": {"operator": "eq", "value": "QC"}}, "agency": {}},
            "sorting": {"sortBy": "custom", "customSortBy": "region"},
        },
    )

    result = found(response)
    assert len(result.items) == 1
    assert result.filter_info.errors == [
        "The custom filter region is not supported: it was not applied.",
        "The filter agency is not supported: it was not applied.",
    ]
    assert result.sort_info.sort_by == "lastModifiedAt"
    assert result.sort_info.errors == [
        "The custom sort key region is not supported: the results are sorted by lastModifiedAt."
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filters": {"status": {"operator": "in", "value": ["pending"]}}}, "filters.status.value"),
        ({"filters": {"status": {"operator": "eq", "value": ["open"]}}}, "filters.status.operator"),
        ({"filters": {"status": {"operator": "in", "value": "open"}}}, "filters.status.value"),
        (
            {
                "filters": {
                    "closeDateRange": {"operator": "between", "value": {"min": "2026-13-01", "max": "2027-01-01"}}
                }
            },
            "filters.closeDateRange.value.min",
        ),
        (
            {"filters": {"closeDateRange": {"operator": "between", "value": {"min": "2026-01-01"}}}},
            "filters.closeDateRange.value.max",
        ),
        (
            {
                "filters": {
                    "totalFundingAvailableRange": {
                        "operator": "between",
                        "value": {
                            "min": {"amount": "ten", "currency": "CAD"},
                            "max": {"amount": "1", "currency": "CAD"},
                        },
                    }
                }
            },
            "filters.totalFundingAvailableRange.value.min.amount",
        ),
        (
            {
                "filters": {
                    "totalFundingAvailableRange": {
                        "operator": "between",
                        "value": {"min": {"amount": "1", "currency": "CAD"}, "max": {"amount": "2", "currency": "USD"}},
                    }
                }
            },
            "filters.totalFundingAvailableRange.value",
        ),
        ({"sorting": {"sortBy": "deadline"}}, "sorting.sortBy"),
        ({"sorting": {"sortBy": "title", "sortOrder": "up"}}, "sorting.sortOrder"),
        ({"pagination": {"page": 0}}, "pagination.page"),
        ({"filter": {}}, "filter"),
        ([], "body"),
    ],
)
def test_search_refuses_malformed_input_naming_the_field(body: Any, field: str) -> None:
    response = post_json(Client(), SEARCH, body)

    error = protocol_error(response, 400)
    assert error.errors[0]["field"] == field
    assert error.message == "The request is not valid."


def test_search_refuses_invalid_json_in_the_protocols_envelope() -> None:
    response = Client().post(SEARCH, data="{not json", content_type="application/json")

    assert protocol_error(response, 400).errors == [{"field": "body", "message": "Send valid JSON."}]


def test_search_answers_get_with_the_protocols_405() -> None:
    assert protocol_error(Client().get(SEARCH), 405).message == "This route does not take the method GET."


def test_every_listed_opportunity_is_a_valid_opportunity_base() -> None:
    call = CallFactory(intake_mode="rolling")
    call.cut_offs.create(at=timezone.now() + timedelta(days=40))

    item = Client().get(LIST).json()["items"][0]

    opportunity = OpportunityBase.model_validate(item)
    assert opportunity.key_dates is not None
    assert opportunity.key_dates.other_dates is not None
    assert set(opportunity.key_dates.other_dates) == {
        "stage_loi", "stage_application", "reviewsDue", "boardMeeting", "cutOff1",
    }  # fmt: skip


def test_search_takes_a_posted_body_without_a_session_or_csrf_token() -> None:
    CallFactory(title_en="Open call")

    response = post_json(
        Client(enforce_csrf_checks=True), SEARCH, {"filters": {"status": {"operator": "in", "value": ["open"]}}}
    )

    assert found_titles(response) == ["Open call"]
