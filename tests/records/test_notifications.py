"""Notifying audiences: every event, recipient and channel of a transition in one statement."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.services import user_grant_role
from intake.models import ProgramRole, Proposal
from intake.program_roles import audience
from records import notifications
from records.events import Channel, Event
from records.models import Notification
from records.notifications import notification_key, notify_audiences
from records.sql import insert_rows_per_user
from tests.conftest import MakeProposal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rows(proposal: Proposal) -> set[tuple[str, int, str]]:
    return set(Notification.objects.filter(proposal=proposal).values_list("event", "recipient_id", "channel"))


def test_notify_audiences_tells_the_applicant_and_every_active_staff_member_in_one_statement(
    applicant: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal()
    staff = [UserFactory(role=Role.STAFF) for _ in range(4)]
    UserFactory(role=Role.STAFF, is_active=False)
    UserFactory(role=Role.ASSESSOR)

    with CaptureQueriesContext(connection) as captured:
        notify_audiences(
            audiences=[
                (Event.LOI_SUBMITTED, Q(pk=applicant.pk)),
                (Event.LOI_RECEIVED, audience(Role.STAFF, proposal.call.program_id)),
            ],
            occurrence="audit1",
            proposal=proposal,
            context={"reason": "Because."},
        )

    assert len(captured) == 1
    channels = (Channel.INBOX, Channel.EMAIL)
    assert _rows(proposal) == {(Event.LOI_SUBMITTED, applicant.pk, channel) for channel in channels} | {
        (Event.LOI_RECEIVED, member.pk, channel) for member in staff for channel in channels
    }
    row = Notification.objects.get(recipient=applicant, channel=Channel.EMAIL)
    assert row.key == notification_key(
        event=Event.LOI_SUBMITTED, occurrence="audit1", recipient_id=applicant.pk, channel=Channel.EMAIL
    )
    assert (row.context, row.attempts, row.sent_at, row.read_at) == ({"reason": "Because."}, 0, None, None)


def test_notify_audiences_gives_a_lead_who_is_also_staff_both_events(
    applicant: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal()
    user_grant_role(user=applicant, role=Role.STAFF)
    ProgramRole.objects.create(user=applicant, program_id=proposal.call.program_id, role=Role.STAFF)

    notify_audiences(
        audiences=[
            (Event.WITHDRAWN, Q(pk=applicant.pk)),
            (Event.APPLICATION_RECEIVED, audience(Role.STAFF, proposal.call.program_id)),
        ],
        occurrence="audit2",
        proposal=proposal,
        context={},
        channels=(Channel.INBOX,),
    )

    assert _rows(proposal) == {
        (Event.WITHDRAWN, applicant.pk, Channel.INBOX),
        (Event.APPLICATION_RECEIVED, applicant.pk, Channel.INBOX),
    }


def test_notify_audiences_queues_only_the_emails_after_commit(
    applicant: User,
    make_proposal: MakeProposal,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    proposal = make_proposal()
    queued: list[list[int]] = []
    monkeypatch.setattr(notifications, "_queue", lambda ids: queued.append(list(ids)))

    with django_capture_on_commit_callbacks(execute=True):
        notify_audiences(
            audiences=[(Event.INVITED, Q(pk=applicant.pk))], occurrence="audit3", proposal=proposal, context={}
        )
        assert queued == []

    email = Notification.objects.get(proposal=proposal, channel=Channel.EMAIL)
    assert queued == [[email.pk]]


def test_insert_rows_per_user_refuses_parts_that_give_different_fields() -> None:
    users = User.objects.all()
    parts: list[tuple[Any, dict[str, Any], tuple[str, str]]] = [
        (users, {"event": Event.INVITED}, ("a:", ":b")),
        (users, {"channel": Channel.INBOX}, ("a:", ":b")),
    ]

    with pytest.raises(ValueError, match="same fields"):
        insert_rows_per_user(Notification, parts=parts, user_field="recipient", key_field="key")


def test_insert_rows_per_user_compiles_a_queryset_parts_share_once(applicant: User, staff: User) -> None:
    users = User.objects.filter(pk__in=[applicant.pk, staff.pk])
    values = {"event": Event.INVITED, "context": {}, "created_at": timezone.now(), "attempts": 0}
    parts: list[tuple[Any, dict[str, Any], tuple[str, str]]] = [
        (users, {**values, "channel": Channel.INBOX}, ("invited:once:", ":inbox")),
        (users, {**values, "channel": Channel.EMAIL}, ("invited:once:", ":email")),
        (User.objects.filter(pk=staff.pk), {**values, "channel": Channel.INBOX}, ("invited:more:", ":inbox")),
    ]
    compile_sql = SQLCompiler.as_sql
    with patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as compiled:
        created = insert_rows_per_user(
            Notification, parts=parts, user_field="recipient", key_field="key", returning=("key",)
        )

    assert compiled.call_count == 2  # the shared queryset once, the other once
    assert sorted(key for (key,) in created) == sorted(
        [f"invited:once:{applicant.pk}:inbox", f"invited:once:{staff.pk}:inbox", f"invited:once:{applicant.pk}:email",
         f"invited:once:{staff.pk}:email", f"invited:more:{staff.pk}:inbox"]
    )  # fmt: skip
