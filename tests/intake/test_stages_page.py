"""The stages page: the three shapes of path set through it, bad input, the preview, reason and audit, copying."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from intake.choices import Advance, IntakeMode, PathFigure, VersionKind
from intake.models import Call, CutOff, Proposal, Stage
from intake.services.stages import PathRule, call_path_copy
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory, UserFactory
from tests.factories.assessment import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db

WINDOWS = {
    "loi_opens_at": datetime(2030, 1, 15, 14, 0, tzinfo=UTC),
    "loi_closes_at": datetime(2030, 3, 1, 17, 0, tzinfo=UTC),
    "application_closes_at": datetime(2030, 7, 15, 16, 0, tzinfo=UTC),
    "review_due_at": datetime(2030, 8, 16, 0, 0, tzinfo=UTC),
    "board_meeting_at": datetime(2030, 9, 1, 17, 0, tzinfo=UTC),
}


def _post(**stages: Any) -> dict[str, Any]:
    """Return the stages form's data: the default two stages in Toronto's wall clock, with ``stages`` over them."""
    data: dict[str, Any] = {
        "loi_include": "on",
        "loi_opens_at": "2030-01-15T09:00",
        "loi_closes_at": "2030-03-01T12:00",
        "loi_advance": Advance.INVITATION,
        "application_include": "on",
        "application_opens_at": "2030-01-15T09:00",
        "application_closes_at": "2030-07-15T12:00",
        "application_sections": ["description", "ip", "outcomes", "attachments"],
        "questionnaire_advance": Advance.INVITATION,
        "intake_mode": IntakeMode.FIXED,
        "path_figure": "",
        "path_threshold": "",
        "cut_offs": "",
    }
    data.update(stages)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def call() -> Call:
    return CallFactory(timezone="America/Toronto", **WINDOWS)


def _url(call: Call) -> str:
    return reverse("intake:call_stages", args=[call.pk])


def test_call_stages_page_shows_the_path_in_the_call_timezone(staff_client: Client, call: Call) -> None:
    response = staff_client.get(_url(call))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="loi_opens_at" value="2030-01-15T09:00"' in content
    assert 'name="application_closes_at" value="2030-07-15T12:00"' in content
    assert 'name="reason"' not in content  # nothing submitted yet: nothing to explain


def test_call_stages_protein_industries_shape_saved(staff_client: Client, call: Call) -> None:
    data = _post(
        questionnaire_include="on",
        questionnaire_opens_at="2030-01-10T09:00",
        questionnaire_closes_at="2030-02-01T12:00",
        questionnaire_advance=Advance.AUTOMATIC,
    )

    response = staff_client.post(_url(call), data)

    call.refresh_from_db()
    assert response.status_code == 302
    stages = list(call.stages.values_list("kind", "position", "advance", "assessed"))
    assert stages == [
        (VersionKind.QUESTIONNAIRE, 1, Advance.AUTOMATIC, False),
        (VersionKind.LOI, 2, Advance.INVITATION, False),
        (VersionKind.APPLICATION, 3, Advance.INVITATION, True),
    ]
    assert call.loi_opens_at == datetime(2030, 1, 10, 14, 0, tzinfo=UTC)
    assert call.loi_closes_at == datetime(2030, 2, 1, 17, 0, tzinfo=UTC)
    assert call.application_closes_at == datetime(2030, 7, 15, 16, 0, tzinfo=UTC)


def test_call_stages_ngen_path_by_size_saved(staff_client: Client, call: Call) -> None:
    data = _post(
        path_figure=PathFigure.ESTIMATED_TOTAL_COST, path_threshold="5000000", path_below=[VersionKind.APPLICATION]
    )

    response = staff_client.post(_url(call), data)

    call.refresh_from_db()
    assert response.status_code == 302
    assert (call.path_figure, call.path_threshold, call.path_below) == (
        PathFigure.ESTIMATED_TOTAL_COST,
        Decimal("5000000.00"),
        [VersionKind.APPLICATION],
    )
    assert call.path_for(Decimal("4999999")) == [VersionKind.APPLICATION]
    assert call.path_for(Decimal("5000000")) == [VersionKind.LOI, VersionKind.APPLICATION]


def test_call_stages_rolling_call_with_two_cut_offs_saved(staff_client: Client, call: Call) -> None:
    data = _post(
        loi_include=None,
        intake_mode=IntakeMode.ROLLING,
        cut_offs="2030-03-31 17:00\n2030-06-30 17:00\n",
    )

    response = staff_client.post(_url(call), data)

    call.refresh_from_db()
    assert response.status_code == 302
    assert call.intake_mode == IntakeMode.ROLLING
    assert list(call.stages.values_list("kind", flat=True)) == [VersionKind.APPLICATION]
    assert list(CutOff.objects.filter(call=call).values_list("at", flat=True)) == [
        datetime(2030, 3, 31, 21, 0, tzinfo=UTC),
        datetime(2030, 6, 30, 21, 0, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"loi_closes_at": "2030-01-10T12:00"},
            {"loi_closes_at": ["Letter of intent: a stage must close after it opens."]},
        ),
        (
            {"application_closes_at": "2030-02-15T12:00"},
            {"application_closes_at": ["Full application cannot open or close before Letter of intent."]},
        ),
        (
            {"loi_opens_at": "2030-02-01T09:00"},
            {"application_opens_at": ["Full application cannot open or close before Letter of intent."]},
        ),
        (
            {"loi_assessed": "on"},
            {
                "loi_assessed": [
                    "Letter of intent is assessed but has no rubric with criteria yet: write its rubric first."
                ]
            },
        ),
        (
            {"path_figure": PathFigure.ESTIMATED_TOTAL_COST, "path_threshold": "5000000"},
            {"path_below": ["Choose the stages a proposal below the threshold goes through."]},
        ),
        (
            {"path_figure": PathFigure.ESTIMATED_TOTAL_COST, "path_threshold": "5000000", "path_below": ["loi"]},
            {"path_below": ["The stages below the threshold must end with the full application."]},
        ),
        (
            {
                "path_figure": PathFigure.ESTIMATED_TOTAL_COST,
                "path_threshold": "5000000",
                "path_below": ["questionnaire", "application"],
            },
            {"path_below": ["The stages below the threshold must be stages of the call's path."]},
        ),
        (
            {"intake_mode": IntakeMode.ROLLING, "cut_offs": "2031-01-01 12:00"},
            {
                "cut_offs": [
                    "Each cut-off must fall after the call opens and no later than the full applications close."
                ]
            },
        ),
        (
            {"intake_mode": IntakeMode.ROLLING, "cut_offs": "next spring"},
            {"cut_offs": ["“next spring” is not a date and time: write it as YYYY-MM-DD HH:MM."]},
        ),
        (
            {"application_include": None},
            {"application_include": ["The last stage of a path is the full application."]},
        ),
        ({"loi_closes_at": ""}, {"loi_closes_at": ["Give the time this stage opens or closes."]}),
    ],
)
def test_call_stages_bad_input_refused_beside_the_field(
    staff_client: Client, call: Call, changes: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    before = list(Stage.objects.filter(call=call).values_list("kind", "opens_at", "closes_at"))

    response = staff_client.post(_url(call), _post(**changes))

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert list(Stage.objects.filter(call=call).values_list("kind", "opens_at", "closes_at")) == before
    for value in changes.values():
        if isinstance(value, str) and "T" in value:
            assert f'value="{value}"' in response.content.decode()


def test_call_stages_assessed_early_stage_with_a_rubric_saved(staff_client: Client, call: Call) -> None:
    CriterionFactory(rubric=RubricFactory(call=call, stage=VersionKind.LOI))

    response = staff_client.post(_url(call), _post(loi_assessed="on"))

    assert response.status_code == 302
    assert call.stages.get(kind=VersionKind.LOI).assessed is True


def test_call_stages_stale_edit_answers_409(staff_client: Client, call: Call) -> None:
    loaded = call.updated_at.isoformat()
    Call.objects.filter(pk=call.pk).update(updated_at=datetime(2029, 1, 1, tzinfo=UTC))

    response = staff_client.post(_url(call), _post(loaded_at=loaded, loi_closes_at="2030-03-02T12:00"))

    assert response.status_code == 409
    assert call.stages.get(kind=VersionKind.LOI).closes_at == WINDOWS["loi_closes_at"]


def _submitted(call: Call) -> Proposal:
    proposal = ProposalFactory(call=call, title="Submitted one")
    Proposal.objects.filter(pk=proposal.pk).update(version_count=1)
    return proposal


def test_call_stages_change_after_submissions_previewed_before_saving(staff_client: Client, call: Call) -> None:
    _submitted(call)
    ProposalFactory(call=call, title="Draft in the letter stage")

    response = staff_client.post(_url(call), _post(loi_closes_at="2030-03-08T12:00"))

    impact = response.context["impact"]
    assert response.status_code == 200
    assert [(stage.kind, stage.proposals) for stage in impact.stages] == [
        (VersionKind.LOI, 2),
        (VersionKind.APPLICATION, 0),
    ]
    assert [p.title for p in impact.stages[0].deadlines_moved] == ["Draft in the letter stage", "Submitted one"]
    assert call.stages.get(kind=VersionKind.LOI).closes_at == WINDOWS["loi_closes_at"]
    assert 'name="confirm"' in response.content.decode()


def test_call_stages_change_after_submissions_needs_a_reason(staff_client: Client, call: Call) -> None:
    _submitted(call)

    response = staff_client.post(_url(call), _post(loi_closes_at="2030-03-08T12:00", confirm="1", reason=" "))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "reason": ["Proposals have been submitted in this call: say why its stages change."]
    }
    assert response.context["impact"] is not None
    assert call.stages.get(kind=VersionKind.LOI).closes_at == WINDOWS["loi_closes_at"]
    assert not AuditRecord.objects.filter(call=call).exists()


def test_call_stages_change_after_submissions_audited(staff_client: Client, staff: Any, call: Call) -> None:
    proposal = _submitted(call)

    response = staff_client.post(
        _url(call), _post(loi_closes_at="2030-03-08T12:00", confirm="1", reason="The portal was down for a week.")
    )

    record = AuditRecord.objects.get(call=call)
    assert response.status_code == 302
    assert call.stages.get(kind=VersionKind.LOI).closes_at == datetime(2030, 3, 8, 17, 0, tzinfo=UTC)
    assert (record.action, record.actor, record.reason) == (
        "call_path_change",
        staff,
        "The portal was down for a week.",
    )
    assert record.data["before"]["stages"][0]["closes_at"] == "2030-03-01T17:00:00+00:00"
    assert record.data["after"]["stages"][0]["closes_at"] == "2030-03-08T17:00:00+00:00"
    assert record.data["deadlines_moved"] == [proposal.pk]


def test_call_stages_change_before_submissions_not_audited(staff_client: Client, call: Call) -> None:
    ProposalFactory(call=call)

    response = staff_client.post(_url(call), _post(loi_closes_at="2030-03-08T12:00"))

    assert response.status_code == 302
    assert not AuditRecord.objects.filter(call=call).exists()


def test_call_stages_removing_a_stage_proposals_are_in_refused(staff_client: Client, call: Call) -> None:
    ProposalFactory(call=call)

    response = staff_client.post(_url(call), _post(loi_include=None))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "A stage that proposals are in cannot be removed from the path."
    ]
    assert call.stages.count() == 2


def test_call_path_copy_shifted_by_the_fewest_years_into_the_future(call: Call) -> None:
    Call.objects.filter(pk=call.pk).update(
        path_figure=PathFigure.ESTIMATED_TOTAL_COST, path_threshold=Decimal("5000000"), path_below=["application"]
    )
    CutOff.objects.create(call=call, at=datetime(2030, 3, 31, 21, 0, tzinfo=UTC))
    call.refresh_from_db()

    path = call_path_copy(source=call, now=datetime(2031, 6, 1, tzinfo=UTC))

    assert [(plan.kind, plan.opens_at, plan.closes_at) for plan in path.plans] == [
        (VersionKind.LOI, datetime(2032, 1, 15, 14, 0, tzinfo=UTC), datetime(2032, 3, 1, 17, 0, tzinfo=UTC)),
        (VersionKind.APPLICATION, datetime(2032, 1, 15, 14, 0, tzinfo=UTC), datetime(2032, 7, 15, 16, 0, tzinfo=UTC)),
    ]
    assert path.rule == PathRule(PathFigure.ESTIMATED_TOTAL_COST, Decimal("5000000.00"), ("application",))
    assert path.cut_offs == (datetime(2032, 3, 31, 21, 0, tzinfo=UTC),)


def test_call_stages_copied_from_last_years_call_fills_the_form(staff_client: Client, call: Call) -> None:
    Call.objects.filter(pk=call.pk).update(
        path_figure=PathFigure.ESTIMATED_TOTAL_COST, path_threshold=Decimal("5000000"), path_below=["application"]
    )
    new = CallFactory(program=call.program, timezone="America/Toronto", **WINDOWS)

    response = staff_client.get(_url(new), {"source": call.pk, "years": "1"})

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="loi_opens_at" value="2031-01-15T09:00"' in content
    assert 'name="application_closes_at" value="2031-07-15T12:00"' in content
    assert response.context["form"].initial["path_threshold"] == Decimal("5000000.00")
    assert new.stages.get(kind=VersionKind.LOI).opens_at == WINDOWS["loi_opens_at"]  # not saved until staff save


def test_call_stages_copied_with_the_years_asked(staff_client: Client, call: Call) -> None:
    new = CallFactory(program=call.program, timezone="America/Toronto", **WINDOWS)

    response = staff_client.get(_url(new), {"source": call.pk, "years": "3"})

    assert 'name="loi_opens_at" value="2033-01-15T09:00"' in response.content.decode()


def test_call_stages_copy_from_a_call_of_another_program_refused(call: Call) -> None:
    elsewhere = CallFactory()
    scoped = UserFactory(role=Role.STAFF, programs=[call.program])

    response = client_for(scoped).get(_url(call), {"source": elsewhere.pk})

    assert response.status_code == 200
    assert "source" in response.context["copy_form"].errors
