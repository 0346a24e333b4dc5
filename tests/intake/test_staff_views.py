"""Staff manage programs and calls; windows are typed and shown in the call's timezone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from accounts.models import User
from intake.models import Call, Program, Proposal
from intake.services.call_lists import EligibilitySummary
from intake.services.rule_rows import default_rules
from intake.states import ProposalState
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, UserFactory, state_put
from tests.intake.test_versions import complete_application, invited

pytestmark = pytest.mark.django_db

STALE_MESSAGE = (
    "Somebody else saved this %s while you were editing it. Your changes are not saved yet: "
    "review them against the current version and save again."
)


FIXED_WINDOWS = {
    "loi_opens_at": datetime(2030, 1, 15, 17, 0, tzinfo=UTC),
    "loi_closes_at": datetime(2030, 3, 1, 20, 0, tzinfo=UTC),
    "application_closes_at": datetime(2030, 7, 16, 0, 0, tzinfo=UTC),
    "review_due_at": datetime(2030, 8, 16, 0, 0, tzinfo=UTC),
    "board_meeting_at": datetime(2030, 9, 1, 17, 0, tzinfo=UTC),
}


def _call_form(**overrides: Any) -> dict[str, Any]:
    return {
        "slug": "leadership-2030",
        "title_en": "Leadership 2030",
        "title_fr": "Leadership 2030 (fr)",
        "description_en": "",
        "description_fr": "",
        "timezone": "America/Vancouver",
        "loi_opens_at": "2030-01-15T09:00",
        "loi_closes_at": "2030-03-01T12:00",
        "application_closes_at": "2030-07-15T17:00",
        "review_due_at": "2030-08-15T17:00",
        "board_meeting_at": "2030-09-01T10:00",
        "funding_envelope": "25000000.00",
        **overrides,
    }


def _form_data(response) -> dict[str, Any]:
    """Return what the rendered form would post back, as a browser would."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%dT%H:%M")
        data[name] = "" if value is None else value
    return data


def test_program_create_saves_and_shows_it(staff_client: Client) -> None:
    response = staff_client.post(
        reverse("intake:program_create"),
        {"slug": "ocean", "name_en": "Ocean Supercluster", "name_fr": "Supergrappe des océans"},
    )

    program = Program.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("intake:program_detail", args=[program.pk])
    assert (program.slug, program.name_en, program.name_fr) == ("ocean", "Ocean Supercluster", "Supergrappe des océans")


def test_program_create_duplicate_slug_refused(staff_client: Client) -> None:
    ProgramFactory(slug="ocean")

    response = staff_client.post(reverse("intake:program_create"), {"slug": "ocean", "name_en": "A", "name_fr": "B"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"slug": ["Program with this Short name already exists."]}


def test_program_update_saves_changes(staff_client: Client) -> None:
    program = ProgramFactory(name_en="Old name")
    url = reverse("intake:program_update", args=[program.pk])
    data = _form_data(staff_client.get(url))

    response = staff_client.post(url, {**data, "name_en": "New name"})

    program.refresh_from_db()
    assert response.status_code == 302
    assert program.name_en == "New name"


def test_call_create_windows_read_in_call_timezone(staff_client: Client) -> None:
    program = ProgramFactory()

    response = staff_client.post(reverse("intake:call_create", args=[program.pk]), _call_form())

    call = Call.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("intake:call_staff_detail", args=[call.pk])
    assert call.program == program
    # Vancouver is UTC-8 in January (PST) and UTC-7 in July (PDT).
    assert call.loi_opens_at == datetime(2030, 1, 15, 17, 0, tzinfo=UTC)
    assert call.application_closes_at == datetime(2030, 7, 16, 0, 0, tzinfo=UTC)
    # Its rules start as the default rows; staff change them on its rules page.
    assert [(rule.kind, rule.params, rule.stages) for rule in call.all_rules()] == [
        (rule.kind, rule.params, rule.stages) for rule in default_rules()
    ]
    assert call.all_rules().first("funded_types").param("types") == ("large_company", "sme")  # type: ignore[union-attr]


def test_call_update_form_shows_windows_in_call_timezone(staff_client: Client) -> None:
    call = CallFactory(timezone="America/Vancouver", **FIXED_WINDOWS)

    response = staff_client.get(reverse("intake:call_update", args=[call.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="review_due_at" value="2030-08-15T17:00"' in content
    assert 'name="loi_opens_at"' not in content  # the stages' windows are the stages page's


def test_call_update_round_trip_keeps_instants(staff_client: Client) -> None:
    call = CallFactory(timezone="Asia/Kolkata", **FIXED_WINDOWS)
    url = reverse("intake:call_update", args=[call.pk])
    data = _form_data(staff_client.get(url))

    response = staff_client.post(url, {**data, "title_en": "Renamed"})

    call.refresh_from_db()
    assert data["review_due_at"] == "2030-08-16T05:30"  # UTC+5:30
    assert response.status_code == 302
    assert call.title_en == "Renamed"
    assert {name: getattr(call, name) for name in FIXED_WINDOWS} == FIXED_WINDOWS


def test_call_create_impossible_windows_refused_on_field(staff_client: Client) -> None:
    program = ProgramFactory()

    response = staff_client.post(
        reverse("intake:call_create", args=[program.pk]), _call_form(loi_closes_at="2030-08-01T12:00")
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "application_closes_at": ["Full applications cannot close before the letters of intent close."]
    }
    assert 'value="2030-08-01T12:00"' in response.content.decode()
    assert Call.objects.count() == 0


def test_call_update_stale_refused_then_saved_knowingly(staff: Any) -> None:
    call = CallFactory(title_en="Original")
    url = reverse("intake:call_update", args=[call.pk])
    first, second = client_for(staff), client_for(UserFactory(role=Role.STAFF))
    first_data, second_data = _form_data(first.get(url)), _form_data(second.get(url))
    first.post(url, {**first_data, "title_en": "First's title"})

    conflict = second.post(url, {**second_data, "title_en": "Second's title"})
    call.refresh_from_db()
    title_after_conflict = call.title_en
    retry = second.post(url, _form_data(conflict))

    call.refresh_from_db()
    assert conflict.status_code == 400
    assert conflict.context["form"].non_field_errors() == [STALE_MESSAGE % "call"]
    assert "Second&#x27;s title" in conflict.content.decode()
    assert title_after_conflict == "First's title"
    assert retry.status_code == 302
    assert call.title_en == "Second's title"


def test_program_update_stale_refused(staff: Any) -> None:
    program = ProgramFactory(name_en="Original")
    url = reverse("intake:program_update", args=[program.pk])
    first, second = client_for(staff), client_for(UserFactory(role=Role.STAFF))
    first_data, second_data = _form_data(first.get(url)), _form_data(second.get(url))
    first.post(url, {**first_data, "name_en": "First"})

    conflict = second.post(url, {**second_data, "name_en": "Second"})

    program.refresh_from_db()
    assert conflict.status_code == 400
    assert conflict.context["form"].non_field_errors() == [STALE_MESSAGE % "program"]
    assert program.name_en == "First"


@pytest.mark.parametrize("persona", ["applicant_client", "assessor_client", "board_client"])
def test_program_create_non_staff_refused(persona: str, request: pytest.FixtureRequest) -> None:
    client = request.getfixturevalue(persona)

    response = client.post(reverse("intake:program_create"), {"slug": "x", "name_en": "X", "name_fr": "X"})

    assert response.status_code == 403
    assert "This page is for users with the role: Program staff." in response.content.decode()
    assert Program.objects.count() == 0


def test_call_update_non_staff_refused(applicant_client: Client) -> None:
    call = CallFactory(title_en="Original")

    response = applicant_client.post(reverse("intake:call_update", args=[call.pk]), _call_form(title_en="Hijacked"))

    call.refresh_from_db()
    assert response.status_code == 403
    assert call.title_en == "Original"


# --- The list of a call's proposals ---------------------------------------------------------------


@pytest.fixture
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _submitted(call: Call) -> Proposal:
    """A proposal of ``call`` with a full application that meets every rule of a default call, submitted."""
    proposal = complete_application(invited(cast(User, UserFactory(role=Role.APPLICANT)), call=call))
    state_put(proposal, ProposalState.SUBMITTED)
    proposal.refresh_from_db()
    return proposal


@pytest.mark.usefixtures("_media")
def test_call_proposals_summary_counts_what_the_explained_checks_fail(staff_client: Client) -> None:
    required = ["project_plan", "letters_of_support"]
    call = cast(Call, CallFactory(application_word_limit=5, required_attachments=required))
    proposal = _submitted(call)
    explained = proposal.eligibility_checks()

    response = staff_client.get(reverse("workflow:call_proposals", args=[call.pk]))

    [(row, _forms)] = response.context["rows"]
    assert sorted(check.code for check in explained if not check.passed) == ["attachments", "word_limits"]
    assert row.eligibility_summary == EligibilitySummary(failed=2, overridden=0, total=len(explained))
    assert '<span class="badge text-bg-danger">2 checks fail</span>' in response.content.decode()


@pytest.fixture
def _restore_language() -> Iterator[None]:
    """Undo the language the staff's request activates: it would outlive the request and this test."""
    yield
    translation.deactivate()


@pytest.mark.usefixtures("_media", "_restore_language")
@pytest.mark.parametrize(("language", "label"), [("en", "Application submitted"), ("fr", "Demande complète soumise")])
def test_call_proposals_shows_each_state_in_the_staffs_language(staff: User, language: str, label: str) -> None:
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    call = cast(Call, CallFactory())
    _submitted(call)

    response = client_for(staff).get(reverse("workflow:call_proposals", args=[call.pk]))

    assert f"<td>{label}</td>" in response.content.decode()
