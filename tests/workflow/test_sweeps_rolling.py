"""The deadline sweeps on a rolling call: a draft expires when its stage closes, never at a review cut-off,
and its reminders speak of the stage's close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from intake.choices import IntakeMode, VersionKind
from intake.models import Call, CutOff, Proposal
from intake.states import ProposalState as S
from records.events import Channel, Event
from records.models import Notification
from records.notifications import notification_render
from records.templatetags.notifications import call_time
from workflow.actions.deadlines import proposals_expire_overdue
from workflow.sweeps import deadline_reminders_send

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def rolling(call: Call) -> Call:
    """The call made rolling, with two cut-offs well before its letters of intent close."""
    loi = call.stages.get(kind=VersionKind.LOI)
    Call.objects.filter(pk=call.pk).update(intake_mode=IntakeMode.ROLLING)
    CutOff.objects.bulk_create(
        [CutOff(call=call, at=loi.closes_at - 20 * DAY), CutOff(call=call, at=loi.closes_at - 10 * DAY)]
    )
    call.refresh_from_db()
    return call


def _stage_close(call: Call) -> Any:
    return call.stages.get(kind=VersionKind.LOI).closes_at


def test_expire_rolling_draft_not_at_a_cut_off(rolling: Call, make_proposal: Any) -> None:
    proposal = make_proposal(S.DRAFT)

    expired = [proposals_expire_overdue(now=cut_off.at + timedelta(minutes=1)) for cut_off in rolling.cut_offs.all()]

    proposal.refresh_from_db()
    assert expired == [0, 0]
    assert proposal.state == S.DRAFT


def test_expire_rolling_draft_when_its_stage_closes(rolling: Call, make_proposal: Any) -> None:
    proposal = make_proposal(S.DRAFT)

    assert proposals_expire_overdue(now=_stage_close(rolling) - timedelta(seconds=1)) == 0
    assert proposals_expire_overdue(now=_stage_close(rolling)) == 1

    proposal.refresh_from_db()
    assert proposal.state == S.EXPIRED


def test_reminders_of_a_rolling_draft_not_before_a_cut_off(rolling: Call, make_proposal: Any) -> None:
    make_proposal(S.DRAFT)
    first = rolling.cut_offs.order_by("at").first()
    assert first is not None

    assert deadline_reminders_send(now=first.at - 6 * DAY) == 0
    assert deadline_reminders_send(now=first.at - timedelta(hours=12)) == 0
    assert not Notification.objects.filter(event=Event.DEADLINE_REMINDER).exists()


def test_reminders_of_a_rolling_draft_speak_of_the_stage_close(rolling: Call, make_proposal: Any) -> None:
    proposal: Proposal = make_proposal(S.DRAFT)
    close = _stage_close(rolling)
    last_cut_off = rolling.cut_offs.order_by("at").last()
    assert last_cut_off is not None

    assert deadline_reminders_send(now=close - 6 * DAY) == 1

    reminder = Notification.objects.get(event=Event.DEADLINE_REMINDER, channel=Channel.EMAIL, proposal=proposal)
    assert reminder.context == {"deadline": close.isoformat(), "days": 7}
    _subject, text, html = notification_render(reminder)
    said = f"Its deadline is {call_time(close, rolling.timezone)}."
    assert said in " ".join(text.split())
    assert said in " ".join(html.split())
    assert call_time(last_cut_off.at, rolling.timezone) not in text
