"""Partners reminded before their claims are due, staff told daily of the overdue ones (workflow.claim_sweeps)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from projects.claims import claim_due_on, claim_period_dates
from records.events import Event
from records.models import Notification
from records.notifications import notification_render
from tests.factories import MembershipFactory, UserFactory
from tests.projects.claiming import Claiming, claiming, submitted
from workflow.actions import proposal_start_closing
from workflow.claim_sweeps import claim_reminders_send, claims_overdue_escalate

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(media_root: object) -> Claiming:
    return claiming()


def _at(day) -> datetime:  # type: ignore[no-untyped-def]
    return timezone.make_aware(datetime.combine(day, time(12)))


def _due(c: Claiming, period: int):  # type: ignore[no-untyped-def]
    return claim_due_on(claim_period_dates(project=c.project, period=period)[1])


def test_reminders_list_every_claim_due_in_one_message_per_person(c: Claiming) -> None:
    colleague = UserFactory()
    MembershipFactory(user=colleague, organization=c.lead.organization)
    now = _at(_due(c, 2) - timedelta(days=3))

    told = claim_reminders_send(now=now)

    # The lead's two people; the other partners' organizations have no people.
    assert told == 2
    note = Notification.objects.get(event=Event.CLAIMS_DUE, recipient=c.person, channel="email")
    assert [(item["period"], item["days"]) for item in note.context["claims"]] == [(2, 3)]


def test_reminders_are_sent_once_per_claim_and_window(c: Claiming) -> None:
    now = _at(_due(c, 2) - timedelta(days=10))
    claim_reminders_send(now=now)

    assert claim_reminders_send(now=now + timedelta(hours=1)) == 0
    assert claim_reminders_send(now=now + timedelta(days=8)) == 1  # the 3-day window
    assert Notification.objects.filter(event=Event.CLAIMS_DUE, recipient=c.person, channel="email").count() == 2


def test_no_reminder_for_a_submitted_claim(c: Claiming) -> None:
    submitted(c, period=2)

    assert claim_reminders_send(now=_at(_due(c, 2) - timedelta(days=3))) == 0


def test_overdue_claims_escalate_to_staff_once_a_day_listing_all(c: Claiming) -> None:
    now = _at(_due(c, 2) + timedelta(days=1))

    assert claims_overdue_escalate(now=now) == 1
    assert claims_overdue_escalate(now=now + timedelta(hours=2)) == 1  # same day: nothing new stored
    note = Notification.objects.filter(event=Event.CLAIMS_OVERDUE, recipient=c.staff, channel="email")
    assert note.count() == 1
    listed = sorted((item["partner"], item["period"]) for item in note.get().context["claims"])
    partners = sorted(str(p.organization) for p in c.project.partners.all())
    assert listed == sorted((name, period) for name in partners for period in (1, 2))
    claims_overdue_escalate(now=now + timedelta(days=1))
    assert Notification.objects.filter(event=Event.CLAIMS_OVERDUE, recipient=c.staff, channel="email").count() == 2


def test_overdue_escalation_skips_answered_claims_and_other_programs_staff(c: Claiming) -> None:
    submitted(c, period=1)
    stranger = UserFactory(role="program_staff", programs=[])
    now = _at(_due(c, 1) + timedelta(days=1))

    claims_overdue_escalate(now=now)

    items = Notification.objects.get(event=Event.CLAIMS_OVERDUE, recipient=c.staff, channel="email").context["claims"]
    assert all(not (item["partner"] == str(c.lead.organization) and item["period"] == 1) for item in items)
    assert not Notification.objects.filter(recipient=stranger).exists()


def test_closing_projects_are_reminded_of_their_final_claim_and_staff_told_when_overdue(
    c: Claiming, settings: Any
) -> None:
    settings.CLAIM_DUE_DAYS = 10
    submitted(c, period=1)
    proposal_start_closing(proposal=c.project.proposal, by=c.staff)
    final_due = claim_due_on(timezone.localdate())
    now = timezone.now()

    # Ten days before the final claim is due (within the 14 days' window), the lead's person is reminded of it.
    told = claim_reminders_send(now=now)

    assert told == 1
    items = Notification.objects.get(event=Event.CLAIMS_DUE, recipient=c.person, channel="email").context["claims"]
    assert [item for item in items if item["final"]] == [
        {"project": c.project.pk, "title": c.project.proposal.title, "partner": str(c.lead.organization),
         "period": None, "final": True, "due_on": final_due.isoformat(), "days": 10, "token": f"c{c.lead.pk}:final:14d"}
    ]  # fmt: skip
    assert claim_reminders_send(now=now + timedelta(hours=1)) == 0  # once per window

    # Long after: staff are told of every partner's final claim and of the periods that began before the
    # project started closing (the third began 20 days before), never of one that began after (the fourth).
    claims_overdue_escalate(now=_at(_due(c, 4) + timedelta(days=1)))
    overdue = Notification.objects.get(event=Event.CLAIMS_OVERDUE, recipient=c.staff, channel="email")
    listed = {(item["partner"], item["period"]) for item in overdue.context["claims"]}
    partners = [str(p.organization) for p in c.project.partners.all()]
    expected = {(name, period) for name in partners for period in (1, 2, 3, None)} - {(str(c.lead.organization), 1)}
    assert listed == expected
    _subject, text, html = notification_render(overdue)
    final_line = f"the final claim of {c.lead.organization}, due"
    assert final_line in text
    assert final_line in html


def test_a_final_claim_submitted_is_no_longer_outstanding(c: Claiming) -> None:
    proposal_start_closing(proposal=c.project.proposal, by=c.staff)
    final_due = claim_due_on(timezone.localdate())
    submitted(c, period=2, final=True)

    claims_overdue_escalate(now=_at(final_due + timedelta(days=1)))

    overdue = Notification.objects.get(event=Event.CLAIMS_OVERDUE, recipient=c.staff, channel="email")
    finals = [item["partner"] for item in overdue.context["claims"] if item["final"]]
    assert str(c.lead.organization) not in finals
    assert len(finals) == c.project.partners.count() - 1
