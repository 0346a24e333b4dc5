"""Applying an outage: drafts of the calls affected get their extension once, audited and notified after commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake.models import Call, Proposal
from intake.states import ProposalState as S
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.concurrency import race, require_row_locks
from tests.factories import CallFactory, UserFactory
from workflow.models import ExtensionRule, Incident, IncidentExtension
from workflow.outage_extensions import OUTAGE_EXTENSION, incident_apply, incident_plan

HOUR = timedelta(hours=1)


def make_incident(
    *, call: Call | None = None, ended_before: timedelta, lasted: timedelta, deadline: datetime
) -> Incident:
    """An outage that lasted ``lasted`` and ended ``ended_before`` ``deadline``; of ``call`` only, or all calls."""
    ended = deadline - ended_before
    incident = Incident.objects.create(
        started_at=ended - lasted, ended_at=ended, all_calls=call is None, description_en="Database down."
    )
    if call is not None:
        incident.calls.add(call)
    return incident


@pytest.fixture(autouse=True)
def _after_the_outages(call: Call) -> Iterator[None]:
    """Apply as staff would, once the outages (around the call's deadline) are over."""
    with time_machine.travel(call.application_closes_at + timedelta(days=1), tick=False):
        yield


@pytest.fixture
def rules(standard: list[ExtensionRule]) -> list[ExtensionRule]:
    return standard


def test_apply_extends_a_draft_from_its_deadline(
    rules: Any, call: Call, make_proposal: Any, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    draft = make_proposal(S.DRAFT)
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    with django_capture_on_commit_callbacks() as callbacks:
        count = incident_apply(incident=incident, by=staff)

    draft.refresh_from_db()
    assert count == 1
    assert (draft.deadline_extended_until, draft.deadline_extended_for) == (call.loi_closes_at + 24 * HOUR, S.DRAFT)
    assert draft.deadline == call.loi_closes_at + 24 * HOUR
    record = AuditRecord.objects.get(proposal=draft)
    assert (record.action, record.actor, record.from_state, record.to_state) == (
        OUTAGE_EXTENSION,
        staff,
        S.DRAFT,
        S.DRAFT,
    )
    assert record.data == {
        "incident": incident.pk,
        "from": call.loi_closes_at.isoformat(),
        "until": (call.loi_closes_at + 24 * HOUR).isoformat(),
        "hours": 24,
    }
    assert "Database down." in record.reason
    notes = Notification.objects.filter(proposal=draft, event=Event.EXTENSION_GRANTED)
    assert sorted(notes.values_list("recipient_id", "channel")) == sorted(
        [(draft.lead_applicant_id, Channel.EMAIL), (draft.lead_applicant_id, Channel.INBOX)]
    )
    assert len(callbacks) == 1  # the email is queued only after commit
    assert list(IncidentExtension.objects.values_list("call_id", "state", "extension_hours")) == [
        (call.pk, S.DRAFT, 24)
    ]
    incident.refresh_from_db()
    assert (incident.applied_by, incident.applied_at) == (staff, timezone.now())


def test_apply_leaves_submitted_and_final_proposals_untouched(
    rules: Any, call: Call, make_proposal: Any, staff: User
) -> None:
    untouched = [make_proposal(state) for state in (S.LOI_SUBMITTED, S.WITHDRAWN, S.EXPIRED)]
    draft = make_proposal(S.DRAFT)
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    assert incident_apply(incident=incident, by=staff) == 1

    assert [
        Proposal.objects.filter(pk=p.pk).values_list("deadline_extended_until", flat=True).get() for p in untouched
    ] == [None, None, None]
    assert list(AuditRecord.objects.values_list("proposal_id", flat=True)) == [draft.pk]


def test_apply_extends_each_stage_from_its_own_deadline(
    rules: Any, call: Call, make_proposal: Any, staff: User
) -> None:
    invited = make_proposal(S.INVITED)
    draft = make_proposal(S.DRAFT)  # its deadline (letters of intent) is weeks before the outage
    incident = make_incident(ended_before=20 * HOUR, lasted=7 * HOUR, deadline=call.application_closes_at)

    assert incident_apply(incident=incident, by=staff) == 1

    invited.refresh_from_db()
    draft.refresh_from_db()
    assert invited.deadline == call.application_closes_at + 48 * HOUR
    assert draft.deadline_extended_until is None


def test_apply_from_the_outages_end_when_the_deadline_fell_during_it(
    rules: Any, call: Call, make_proposal: Any, staff: User
) -> None:
    draft = make_proposal(S.DRAFT)
    incident = make_incident(ended_before=-2 * HOUR, lasted=3 * HOUR, deadline=call.loi_closes_at)

    incident_apply(incident=incident, by=staff)

    draft.refresh_from_db()
    assert draft.deadline == incident.ended_at + 24 * HOUR


def test_apply_ignores_deadlines_passed_before_the_outage_or_too_far_after(
    rules: Any, call: Call, make_proposal: Any, staff: User
) -> None:
    make_proposal(S.DRAFT)
    before = make_incident(ended_before=-3 * HOUR, lasted=HOUR, deadline=call.loi_closes_at)
    far = make_incident(ended_before=timedelta(days=8), lasted=30 * HOUR, deadline=call.loi_closes_at)

    assert incident_apply(incident=before, by=staff) == 0
    assert incident_apply(incident=far, by=staff) == 0
    assert not AuditRecord.objects.exists()
    assert not IncidentExtension.objects.exists()


def test_apply_only_to_the_calls_affected(rules: Any, call: Call, make_proposal: Any, staff: User) -> None:
    windows = ("loi_opens_at", "loi_closes_at", "application_closes_at", "review_due_at", "board_meeting_at")
    other_call = cast(Call, CallFactory(**{name: getattr(call, name) for name in windows}))
    mine = make_proposal(S.DRAFT)
    other = make_proposal(S.DRAFT, call=other_call)
    incident = make_incident(call=call, ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    assert incident_apply(incident=incident, by=staff) == 1

    assert list(AuditRecord.objects.values_list("proposal_id", flat=True)) == [mine.pk]
    other.refresh_from_db()
    assert other.deadline_extended_until is None


def test_apply_measures_from_an_existing_extension_and_never_shortens_it(
    rules: Any, call: Call, make_proposal: Any, staff: User
) -> None:
    near = make_proposal(S.DRAFT, deadline_extended_until=call.loi_closes_at + 2 * HOUR, deadline_extended_for=S.DRAFT)
    far = make_proposal(
        S.DRAFT, deadline_extended_until=call.loi_closes_at + timedelta(days=10), deadline_extended_for=S.DRAFT
    )
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    assert incident_apply(incident=incident, by=staff) == 1

    near.refresh_from_db()
    far.refresh_from_db()
    # The outage ended 3 h before the extended deadline: 24 h more, from that deadline.
    assert near.deadline == call.loi_closes_at + 2 * HOUR + 24 * HOUR
    assert far.deadline == call.loi_closes_at + timedelta(days=10)


def test_apply_twice_extends_once(rules: Any, call: Call, make_proposal: Any, staff: User) -> None:
    draft = make_proposal(S.DRAFT)
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)
    incident_apply(incident=incident, by=staff)

    with pytest.raises(StaleAction, match="already applied"):
        incident_apply(incident=Incident.objects.get(pk=incident.pk), by=staff)

    draft.refresh_from_db()
    assert draft.deadline == call.loi_closes_at + 24 * HOUR
    assert AuditRecord.objects.count() == 1
    assert Notification.objects.count() == 2


def test_apply_refuses_an_outage_still_going_on(rules: Any, call: Call, make_proposal: Any, staff: User) -> None:
    make_proposal(S.DRAFT)
    incident = Incident.objects.create(started_at=call.loi_closes_at - HOUR, description_en="Down.")

    with pytest.raises(DomainError, match="still going on"):
        incident_apply(incident=incident, by=staff)

    assert incident_plan(incident=incident) == []


def test_apply_refused_to_non_staff(rules: Any, call: Call, make_proposal: Any, applicant: User) -> None:
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    with pytest.raises(ActionForbidden):
        incident_apply(incident=incident, by=applicant)

    incident.refresh_from_db()
    assert incident.applied_at is None


def test_apply_plan_matches_what_apply_gives(rules: Any, call: Call, make_proposal: Any, staff: User) -> None:
    drafts = [make_proposal(S.DRAFT) for _ in range(3)]
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    plan = incident_plan(incident=incident)
    incident_apply(incident=incident, by=staff)

    assert sorted((item.proposal.pk, item.after) for item in plan) == sorted(
        Proposal.objects.filter(pk__in=[d.pk for d in drafts]).values_list("pk", "deadline_extended_until")
    )


@pytest.mark.postgres
def test_apply_by_two_staff_at_once_extends_once(
    transactional_db: None, standard: Any, call: Call, make_proposal: Any, staff: User
) -> None:
    require_row_locks()
    colleague = cast(User, UserFactory(role=Role.STAFF))
    draft = make_proposal(S.DRAFT)
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    outcomes = race(
        [
            lambda: incident_apply(incident=Incident.objects.get(pk=incident.pk), by=staff),
            lambda: incident_apply(incident=Incident.objects.get(pk=incident.pk), by=colleague),
        ]
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["StaleAction", "int"], outcomes
    draft.refresh_from_db()
    assert draft.deadline == call.loi_closes_at + 24 * HOUR
    assert AuditRecord.objects.count() == 1


@pytest.mark.postgres
def test_apply_while_the_applicant_submits_leaves_the_submitted_proposal_alone(
    transactional_db: None, standard: Any, call: Call, make_proposal: Any, staff: User, applicant: User
) -> None:
    require_row_locks()
    from workflow import actions

    draft = make_proposal(S.DRAFT)
    incident = make_incident(ended_before=HOUR, lasted=HOUR, deadline=call.loi_closes_at)

    with time_machine.travel(call.loi_closes_at - timedelta(minutes=5), tick=False):
        outcomes = race(
            [
                lambda: incident_apply(incident=Incident.objects.get(pk=incident.pk), by=staff),
                lambda: actions.proposal_submit_loi(proposal=Proposal.objects.get(pk=draft.pk), by=applicant),
            ]
        )

    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    draft.refresh_from_db()
    assert draft.state == S.LOI_SUBMITTED
    # Either the extension came first (then the submission) or the submission did (then nothing to extend).
    extended = AuditRecord.objects.filter(action=OUTAGE_EXTENSION).count()
    assert extended == outcomes[0]
