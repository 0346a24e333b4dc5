"""The outages' pages: the public status page, and staff's incidents and service standard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from intake.models import Call
from intake.states import ProposalState as S
from tests.conftest import client_for
from tests.factories import CallFactory
from workflow.models import ExtensionRule, Incident, IncidentExtension

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def _ended_incident(**fields: Any) -> Incident:
    now = timezone.now()
    fields.setdefault("description_en", "The database was down.")
    fields.setdefault("description_fr", "La base de données était en panne.")
    return Incident.objects.create(started_at=now - 3 * HOUR, ended_at=now - 2 * HOUR, **fields)


def _applied(call: Call, staff: User, hours: int = 24) -> Incident:
    incident = _ended_incident(applied_at=timezone.now(), applied_by=staff)
    IncidentExtension.objects.create(incident=incident, call=call, state=S.DRAFT, extension_hours=hours)
    return incident


# --- The public status page -------------------------------------------------------------------------


def test_status_page_shows_anyone_the_extensions_per_call(
    anonymous_client: Client, call: Call, staff: User, make_proposal: Any
) -> None:
    proposal = make_proposal(S.DRAFT)
    _applied(call, staff)

    response = anonymous_client.get(reverse("workflow:status"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "The database was down." in body
    assert call.title_en in body
    assert "24 hours" in body
    assert proposal.title not in body  # no proposal is named


def test_status_page_in_french(call: Call, staff: User) -> None:
    _applied(call, staff, hours=48)
    client = Client(headers={"accept-language": "fr"})

    body = client.get(reverse("workflow:status")).content.decode()

    assert 'lang="fr"' in body
    assert "La base de données était en panne." in body
    assert call.title_fr in body


def test_status_page_says_an_outage_goes_on_and_one_not_applied_is_reviewed(anonymous_client: Client) -> None:
    Incident.objects.create(started_at=timezone.now() - HOUR, description_en="Broker down.")
    _ended_incident()

    body = anonymous_client.get(reverse("workflow:status")).content.decode()

    assert "still going on" in body
    assert "Program staff are reviewing the extensions this outage gives." in body


def test_status_page_is_linked_from_every_pages_footer(anonymous_client: Client) -> None:
    body = anonymous_client.get(reverse("home")).content.decode()

    footer = body[body.index("<footer") :]
    assert f'href="{reverse("workflow:status")}"' in footer


def test_status_page_queries_do_not_grow_with_incidents(
    anonymous_client: Client, call: Call, staff: User, django_assert_max_num_queries: Any
) -> None:
    _applied(call, staff)
    with django_assert_max_num_queries(20) as one:
        anonymous_client.get(reverse("workflow:status"))
    for _ in range(5):
        incident = _applied(CallFactory(), staff)
        incident.calls.add(CallFactory())

    with django_assert_max_num_queries(len(one.captured_queries)):
        anonymous_client.get(reverse("workflow:status"))


# --- Staff: incidents -----------------------------------------------------------------------------


def _form(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    data = {
        "timezone": "UTC",
        "started_at": (now - 2 * HOUR).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (now - HOUR).strftime("%Y-%m-%dT%H:%M"),
        "all_calls": "on",
        "description_en": "The server was down.",
        "description_fr": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_incident_create_records_it_in_the_zone_typed(staff_client: Client, staff: User) -> None:
    response = staff_client.post(
        reverse("workflow:incident_create"),
        _form(timezone="America/Toronto", started_at="2026-01-10T09:00", ended_at="2026-01-10T10:30"),
    )

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("workflow:incident_apply", kwargs={"pk": incident.pk})
    assert (incident.started_at.isoformat(), incident.ended_at.isoformat()) == (
        "2026-01-10T14:00:00+00:00",
        "2026-01-10T15:30:00+00:00",
    )
    assert (incident.all_calls, incident.created_by, incident.description_en) == (True, staff, "The server was down.")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ended_at": "2020-01-01T00:00", "started_at": "2020-01-01T01:00"}, "ended_at", "must end after it starts"),
        ({"ended_at": "2020-01-01T01:00", "started_at": "2020-01-01T01:00"}, "ended_at", "must end after it starts"),
        ({"ended_at": "2099-01-01T00:00"}, "ended_at", "cannot be in the future"),
        ({"started_at": "2099-01-01T00:00", "ended_at": None}, "started_at", "cannot start in the future"),
        ({"all_calls": None}, "calls", "Choose the calls"),
        ({"description_en": ""}, "description_en", "Describe the outage"),
        ({"started_at": "yesterday"}, "started_at", "Enter a valid date/time"),
    ],
)
def test_incident_create_refuses_bad_input_and_keeps_what_was_typed(
    staff_client: Client, overrides: dict[str, Any], field: str, message: str
) -> None:
    data = _form(**overrides)

    response = staff_client.post(reverse("workflow:incident_create"), data)

    assert response.status_code == 400
    assert not Incident.objects.exists()
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert form.data["description_en"] == data["description_en"]


def test_incident_create_refuses_all_calls_and_some_calls_at_once(staff_client: Client, call: Call) -> None:
    response = staff_client.post(reverse("workflow:incident_create"), _form(calls=[call.pk]))

    assert response.status_code == 400
    assert "not both" in response.context["form"].errors["calls"][0]


def test_incident_create_for_some_calls_only(staff_client: Client, call: Call) -> None:
    response = staff_client.post(reverse("workflow:incident_create"), _form(all_calls=None, calls=[call.pk]))

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.all_calls, list(incident.calls.all())) == (False, [call])


def test_incident_edit_saves_before_it_is_applied(staff_client: Client) -> None:
    incident = _ended_incident()
    page = staff_client.get(reverse("workflow:incident_update", kwargs={"pk": incident.pk}))
    data = {**page.context["form"].initial, "description_en": "Changed.", "all_calls": "on"}
    data = {k: (v.strftime("%Y-%m-%dT%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items() if v}

    response = staff_client.post(reverse("workflow:incident_update", kwargs={"pk": incident.pk}), data)

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.description_en == "Changed."


def test_incident_edit_refused_once_applied(staff_client: Client, call: Call, staff: User) -> None:
    incident = _applied(call, staff)

    page = staff_client.get(reverse("workflow:incident_update", kwargs={"pk": incident.pk}))
    response = staff_client.post(reverse("workflow:incident_update", kwargs={"pk": incident.pk}), _form())

    assert "was applied" in page.content.decode()
    assert response.status_code == 409
    incident.refresh_from_db()
    assert incident.description_en == "The database was down."


def test_incident_edit_refuses_a_stale_form(staff_client: Client) -> None:
    incident = _ended_incident()
    stale = (incident.updated_at - timedelta(seconds=5)).isoformat()

    response = staff_client.post(
        reverse("workflow:incident_update", kwargs={"pk": incident.pk}), _form(updated_at=stale)
    )

    assert response.status_code == 409
    assert "Somebody changed this outage" in response.content.decode()


def test_incident_apply_page_previews_then_applies(
    staff_client: Client, call: Call, make_proposal: Any, standard: list[ExtensionRule]
) -> None:
    make_proposal(S.DRAFT)
    now = timezone.now()
    call.stages.filter(kind="loi").update(closes_at=now + HOUR)
    incident = Incident.objects.create(started_at=now - 2 * HOUR, ended_at=now - HOUR, description_en="Down.")
    url = reverse("workflow:incident_apply", kwargs={"pk": incident.pk})

    preview = staff_client.get(url)
    applied = staff_client.post(url)
    again = staff_client.post(url)

    assert preview.status_code == 200
    assert preview.context["rows"] == [{"call": call.title_en, "stage": str(S.DRAFT.label), "hours": 24, "count": 1}]
    assert (applied.status_code, applied.url) == (302, reverse("workflow:incident_list"))
    assert again.status_code == 409
    assert "already applied" in again.content.decode()
    assert IncidentExtension.objects.filter(incident=incident).count() == 1


def test_incident_list_queries_do_not_grow(
    staff_client: Client, staff: User, django_assert_max_num_queries: Any
) -> None:
    # One incident of one call first: the navigation reads the staff's programs only once they have one.
    _ended_incident(created_by=staff, all_calls=False).calls.add(CallFactory())
    with django_assert_max_num_queries(30) as one:
        staff_client.get(reverse("workflow:incident_list"))
    for _ in range(5):
        _ended_incident(created_by=staff, all_calls=False).calls.add(CallFactory())

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = staff_client.get(reverse("workflow:incident_list"))

    assert len(response.context["incidents"]) == 6


# --- Staff: the service standard ------------------------------------------------------------------


def test_rule_edit_changes_the_hours(staff_client: Client, standard: list[ExtensionRule]) -> None:
    rule = standard[0]
    data = {
        "outage_min_minutes": 1,
        "outage_max_minutes": 30,
        "before_min_minutes": 0,
        "before_max_minutes": 30,
        "extension_hours": 36,
        "updated_at": rule.updated_at.isoformat(),
    }

    response = staff_client.post(reverse("workflow:extension_rule_update", kwargs={"pk": rule.pk}), data)

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.extension_hours == 36


def test_rule_create_refuses_an_overlap_and_keeps_what_was_typed(
    staff_client: Client, standard: list[ExtensionRule]
) -> None:
    data = {"outage_min_minutes": 10, "before_min_minutes": 0, "before_max_minutes": 5, "extension_hours": 7}

    response = staff_client.post(reverse("workflow:extension_rule_create"), data)

    assert response.status_code == 400
    assert "overlap" in " ".join(response.context["form"].non_field_errors())
    assert response.context["form"].data["extension_hours"] == "7"
    assert ExtensionRule.objects.count() == 25


def test_rule_list_shows_the_standard(staff_client: Client, standard: list[ExtensionRule]) -> None:
    response = staff_client.get(reverse("workflow:extension_rules"))

    assert response.status_code == 200
    assert len(response.context["rules"]) == 25
    assert "Added by Clusterflow" in response.content.decode()


@pytest.mark.parametrize("name", ["incident_create", "extension_rule_create"])
def test_staff_forms_refuse_posts_of_other_roles(name: str, applicant: User, board_member: User) -> None:
    for user in (applicant, board_member):
        assert client_for(user).post(reverse(f"workflow:{name}"), _form()).status_code == 403
    assert not Incident.objects.exists()


def test_incident_apply_refuses_posts_of_other_roles(applicant: User, call: Call, staff: User) -> None:
    incident = _ended_incident()

    response = client_for(applicant).post(reverse("workflow:incident_apply", kwargs={"pk": incident.pk}))

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.applied_at is None
