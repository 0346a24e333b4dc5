"""Review reminders: one message per assessor listing their reviews due soon, once; staff told daily of overdue ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from accounts.models import User
from assessment.choices import AssignmentState
from assessment.models import Rubric
from records.events import Channel, Event
from records.models import Notification
from tests.assessment.reviewing import assessor_make, assignment_make, review_make, rubric_make
from tests.factories import ProposalFactory
from workflow import sweeps

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def rubric() -> Rubric:
    return rubric_make(ProposalFactory(application=False).call)


def _assign(rubric: Rubric, assessor: User, due_in: timedelta, **fields: object) -> object:
    proposal = ProposalFactory(call=rubric.call, application=False)
    return assignment_make(proposal, rubric=rubric, assessor=assessor, due_at=NOW + due_in, **fields)


def _emails(event: str = Event.REVIEW_REMINDER) -> list[Notification]:
    return list(Notification.objects.filter(event=event, channel=Channel.EMAIL).order_by("recipient_id"))


def test_one_message_per_assessor_lists_all_their_reviews_due_soon(rubric: Rubric) -> None:
    ada, bob = assessor_make(), assessor_make()
    first = _assign(rubric, ada, timedelta(days=3))
    second = _assign(rubric, ada, timedelta(hours=5))
    _assign(rubric, bob, timedelta(days=2))
    _assign(rubric, ada, timedelta(days=5))  # not yet
    done = _assign(rubric, ada, timedelta(days=1))
    review_make(done)  # submitted: nothing to remind
    _assign(rubric, ada, timedelta(days=1), state=AssignmentState.DECLINED)

    with time_machine.travel(NOW, tick=False):
        sent = sweeps.review_reminders_send()

    emails = _emails()
    assert sent == 2
    assert [email.recipient_id for email in emails] == [ada.pk, bob.pk]
    listed = [(item["title"], item["days"]) for item in emails[0].context["reviews"]]
    assert listed == [(second.proposal.title, 0), (first.proposal.title, 3)]
    assert emails[0].proposal_id is None
    assert Notification.objects.filter(event=Event.REVIEW_REMINDER, channel=Channel.INBOX).count() == 2


def test_second_run_sends_nothing(rubric: Rubric) -> None:
    ada = assessor_make()
    _assign(rubric, ada, timedelta(days=2))

    with time_machine.travel(NOW, tick=False):
        sweeps.review_reminders_send()
        again = sweeps.review_reminders_send()

    assert again == 0
    assert len(_emails()) == 1


def test_last_day_reminds_again_listing_only_what_entered_it(rubric: Rubric) -> None:
    ada = assessor_make()
    soon = _assign(rubric, ada, timedelta(days=2))
    _assign(rubric, ada, timedelta(days=2, hours=12))

    with time_machine.travel(NOW, tick=False):
        sweeps.review_reminders_send()
    with time_machine.travel(NOW + timedelta(days=1, minutes=1), tick=False):
        sweeps.review_reminders_send()

    emails = Notification.objects.filter(event=Event.REVIEW_REMINDER, channel=Channel.EMAIL).order_by("pk")
    assert [len(email.context["reviews"]) for email in emails] == [2, 1]
    assert emails[1].context["reviews"][0]["title"] == soon.proposal.title


@pytest.mark.parametrize(
    ("due_in", "reminded"),
    [
        (timedelta(days=3, microseconds=1), False),
        (timedelta(days=3), True),
        (timedelta(microseconds=1), True),
        (timedelta(0), False),  # due now: overdue, for staff
    ],
)
def test_window_boundaries_by_the_servers_clock(rubric: Rubric, due_in: timedelta, reminded: bool) -> None:
    _assign(rubric, assessor_make(), due_in)

    with time_machine.travel(NOW, tick=False):
        sweeps.review_reminders_send()

    assert bool(_emails()) is reminded


def test_staff_are_told_once_a_day_of_every_overdue_review(rubric: Rubric, staff: User) -> None:
    ada, bob = assessor_make(display_name="Ada A"), assessor_make(display_name="Bob B")
    _assign(rubric, ada, -timedelta(hours=1))
    _assign(rubric, bob, -timedelta(days=4))
    review_make(_assign(rubric, bob, -timedelta(days=1)))  # submitted late: not overdue

    with time_machine.travel(NOW, tick=False):
        first = sweeps.reviews_overdue_escalate()
        again = sweeps.reviews_overdue_escalate()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        next_day = sweeps.reviews_overdue_escalate()

    emails = _emails(Event.REVIEWS_OVERDUE)
    assert (first, again, next_day) == (1, 1, 1)
    assert len(emails) == 2
    assert {email.recipient_id for email in emails} == {staff.pk}
    assert sorted(item["assessor"] for item in emails[0].context["reviews"]) == ["Ada A", "Bob B"]


def test_no_overdue_review_tells_nobody(rubric: Rubric, staff: User) -> None:
    _assign(rubric, assessor_make(), timedelta(days=1))

    with time_machine.travel(NOW, tick=False):
        assert sweeps.reviews_overdue_escalate() == 0

    assert _emails(Event.REVIEWS_OVERDUE) == []


def test_review_reminders_are_a_periodic_task() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["send-review-reminders"]

    assert entry["task"] == "workflow.tasks.send_review_reminders"
    assert entry["schedule"] == float(settings.SWEEP_INTERVAL_SECONDS)
