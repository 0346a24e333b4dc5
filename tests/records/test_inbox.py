"""The in-app inbox: each user sees and marks read only their own notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from intake.models import Proposal
from records.events import Channel, Event
from records.models import Notification
from tests.conftest import MakeProposal

pytestmark = pytest.mark.django_db

INBOX = "/inbox/"
MARK_READ = "/inbox/read/"
CHANGES = {"reason": "Add the budget.", "due_at": datetime(2030, 3, 1, tzinfo=UTC).isoformat()}


def _notify(
    user: User,
    proposal: Proposal,
    event: str = Event.LOI_DECLINED,
    *,
    channel: str = Channel.INBOX,
    minutes_ago: int = 0,
    read: bool = False,
    context: dict[str, Any] | None = None,
) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        key=f"{event}:{proposal.pk}:{user.pk}:{channel}:{minutes_ago}",
        event=event,
        channel=channel,
        recipient=user,
        proposal=proposal,
        context=context if context is not None else {"reason": "Out of scope."},
        created_at=now - timedelta(minutes=minutes_ago),
        read_at=now if read else None,
    )


@pytest.fixture
def proposal(make_proposal: MakeProposal) -> Proposal:
    return make_proposal(title="Shared quantum testbed")


def _subjects(response: Any) -> list[str]:
    return [subject for _notification, subject in response.context["rows"]]


def test_inbox_urls() -> None:
    assert reverse("records:inbox") == INBOX
    assert reverse("records:inbox_mark_read") == MARK_READ


def test_inbox_lists_only_the_users_own_inbox_rows_newest_first(
    applicant_client: Client, applicant: User, other_applicant: User, make_proposal: MakeProposal
) -> None:
    older = make_proposal(title="Older proposal")
    newer = make_proposal(title="Newer proposal")
    _notify(applicant, older, minutes_ago=10)
    _notify(applicant, newer, Event.INVITED, minutes_ago=1, context={"reason": ""})
    _notify(applicant, newer, channel=Channel.EMAIL)
    _notify(other_applicant, make_proposal(title="Someone else's", lead_applicant=other_applicant))

    response = applicant_client.get(INBOX)

    assert response.status_code == 200
    assert _subjects(response) == [
        "Invited to submit a full application: Newer proposal",
        "Letter of intent not retained: Older proposal",
    ]
    assert b"Someone else" not in response.content
    assert f'href="/proposals/{older.pk}/"'.encode() in response.content


def test_inbox_shows_subjects_in_the_users_language(
    applicant_client: Client, applicant: User, proposal: Proposal
) -> None:
    applicant.preferred_language = "fr"
    applicant.save(update_fields=["preferred_language"])
    _notify(applicant, proposal)

    response = applicant_client.get(INBOX)

    assert _subjects(response) == ["Lettre d'intention non retenue : Shared quantum testbed"]


def test_inbox_marks_unread_rows_for_sight_and_screen_readers(
    applicant_client: Client, applicant: User, proposal: Proposal
) -> None:
    _notify(applicant, proposal, minutes_ago=1, read=True)
    _notify(applicant, proposal, Event.INVITED, context={"reason": ""})

    content = applicant_client.get(INBOX).content.decode()

    assert content.count('<span class="visually-hidden">Unread: </span>') == 1
    assert content.count("list-group-item-warning") == 1
    assert "Unread: </span>Invited to submit a full application: Shared quantum testbed" in content


def test_inbox_empty(applicant_client: Client) -> None:
    response = applicant_client.get(INBOX)

    assert response.context["rows"] == []
    assert b"Your inbox is empty." in response.content


def test_inbox_paginates_30_per_page(applicant_client: Client, applicant: User, proposal: Proposal) -> None:
    for minutes_ago in range(31):
        _notify(applicant, proposal, minutes_ago=minutes_ago)

    first = applicant_client.get(INBOX)
    second = applicant_client.get(INBOX, {"page": 2})

    assert len(first.context["rows"]) == 30
    assert len(second.context["rows"]) == 1
    assert second.context["rows"][0][0].created_at < first.context["rows"][-1][0].created_at


def _inbox_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    assert response.status_code == 200
    return len(queries)


def test_inbox_query_count_does_not_grow_with_rows(
    applicant_client: Client, applicant: User, make_proposal: MakeProposal
) -> None:
    _notify(applicant, make_proposal())
    one = _inbox_queries(applicant_client)
    for minutes_ago in range(1, 30):
        _notify(applicant, make_proposal(), Event.CHANGES_REQUESTED, minutes_ago=minutes_ago, context=CHANGES)

    thirty = _inbox_queries(applicant_client)

    assert Notification.objects.filter(recipient=applicant).count() == 30
    assert thirty == one


def test_inbox_mark_read_one(applicant_client: Client, applicant: User, proposal: Proposal) -> None:
    target = _notify(applicant, proposal, minutes_ago=1)
    other = _notify(applicant, proposal, minutes_ago=2)

    response = applicant_client.post(MARK_READ, {"id": target.pk, "page": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?page=1"
    target.refresh_from_db()
    other.refresh_from_db()
    assert target.read_at is not None
    assert other.read_at is None


def test_inbox_mark_read_all_marks_only_the_users_own(
    applicant_client: Client, applicant: User, other_applicant: User, proposal: Proposal
) -> None:
    for minutes_ago in range(3):
        _notify(applicant, proposal, minutes_ago=minutes_ago)
    email = _notify(applicant, proposal, channel=Channel.EMAIL)
    theirs = _notify(other_applicant, proposal)

    response = applicant_client.post(MARK_READ, {"all": "1"})

    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert Notification.objects.filter(recipient=applicant, channel=Channel.INBOX, read_at__isnull=True).count() == 0
    email.refresh_from_db()
    theirs.refresh_from_db()
    assert email.read_at is None
    assert theirs.read_at is None


def test_inbox_mark_read_another_users_notification_is_404_and_untouched(
    other_applicant_client: Client, applicant: User, proposal: Proposal
) -> None:
    theirs = _notify(applicant, proposal)

    response = other_applicant_client.post(MARK_READ, {"id": theirs.pk})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("value", ["", "abc"])
def test_inbox_mark_read_without_a_valid_id_is_404(applicant_client: Client, value: str) -> None:
    response = applicant_client.post(MARK_READ, {"id": value})

    assert response.status_code == 404


def test_inbox_mark_read_refuses_get(applicant_client: Client) -> None:
    assert applicant_client.get(MARK_READ).status_code == 405


def test_inbox_anonymous_goes_to_login(anonymous_client: Client) -> None:
    response = anonymous_client.get(INBOX)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={INBOX}"


def test_inbox_header_shows_the_unread_count(
    applicant_client: Client, applicant: User, other_applicant: User, proposal: Proposal
) -> None:
    for minutes_ago in range(3):
        _notify(applicant, proposal, minutes_ago=minutes_ago)
    _notify(applicant, proposal, minutes_ago=5, read=True)
    _notify(applicant, proposal, channel=Channel.EMAIL)
    _notify(other_applicant, proposal)

    content = applicant_client.get(reverse("home")).content.decode()

    assert (
        f'<a class="nav-link" href="{INBOX}">Inbox <span class="badge rounded-pill text-bg-warning" '
        'aria-hidden="true">3</span><span class="visually-hidden"> (3 unread)</span></a>'
    ) in content


def test_inbox_header_without_unread_shows_no_badge(applicant_client: Client) -> None:
    content = applicant_client.get(reverse("home")).content.decode()

    assert f'<a class="nav-link" href="{INBOX}">Inbox</a>' in content
    assert "unread" not in content


def test_inbox_header_hidden_from_anonymous(anonymous_client: Client) -> None:
    assert INBOX not in anonymous_client.get(reverse("home")).content.decode()


def test_inbox_header_count_drops_after_mark_read(
    applicant_client: Client, applicant: User, proposal: Proposal
) -> None:
    first = _notify(applicant, proposal, minutes_ago=1)
    _notify(applicant, proposal, minutes_ago=2)

    applicant_client.post(MARK_READ, {"id": first.pk})
    response = applicant_client.get(INBOX)

    assert "(1 unread)" in response.content.decode()
