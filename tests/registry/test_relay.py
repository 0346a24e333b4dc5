"""The relay: members write to each other through Clusterflow; no address shows before the recipient replies."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.urls import reverse

from accounts.errors import ActionForbidden, DomainError
from intake.models import Call, Program
from records.events import Channel, Event
from records.models import Notification
from records.notifications import notification_emails_send, notification_render
from registry.models import RelayThread
from registry.services.directory import announcement_post
from registry.services.relay import RelayLimitReached, relay_reply, relay_start
from stewardship.selectors import personal_data
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, UserFactory
from tests.registry.making import member_organization, person_of

pytestmark = pytest.mark.django_db

POSTER = "poppy.poster@maple.example"
EUROPEAN = "eva.europa@bayern.example"
COLLEAGUE = "carl.colleague@maple.example"


@pytest.fixture
def program() -> Program:
    return ProgramFactory()


@pytest.fixture
def call(program: Program) -> Call:
    return CallFactory(program=program)


@pytest.fixture
def world(program: Program, call: Call, settings) -> dict:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    maple = member_organization(program, legal_name="Maple Sensors")
    bayern = member_organization(program, european=True, legal_name="Cluster Bayern")
    poster = person_of(maple, email=POSTER, display_name="Poppy Poster")
    colleague = person_of(maple, email=COLLEAGUE, display_name="Carl Colleague")
    european = person_of(bayern, email=EUROPEAN, display_name="Eva Europa")
    announcement = announcement_post(call=call, organization=maple, by=poster, title="Need a tester", needs="A plant.")
    return {
        "maple": maple,
        "bayern": bayern,
        "poster": poster,
        "colleague": colleague,
        "european": european,
        "announcement": announcement,
    }


def _everything_seen_by(user, thread: RelayThread) -> str:
    """Every page, inbox entry, email and export the user gets about the conversation, as one text."""
    client = client_for(user)
    parts = [
        client.get(reverse("directory:thread", args=[thread.pk])).content.decode(),
        client.get(reverse("directory:thread_list")).content.decode(),
        client.get(reverse("records:inbox")).content.decode(),
        json.dumps(personal_data(user=user), default=str),
    ]
    for notification in Notification.objects.filter(recipient=user, event=Event.RELAY_MESSAGE):
        parts.extend(notification_render(notification))
    parts.extend(message.message().as_string() for message in mail.outbox if user.email in message.to)
    return "\n".join(parts)


def _send_emails() -> None:
    notification_emails_send(
        ids=list(Notification.objects.filter(channel=Channel.EMAIL, sent_at__isnull=True).values_list("pk", flat=True))
    )


def test_relay_hides_addresses_until_the_reply(world: dict, program: Program) -> None:
    thread = relay_start(
        program=program,
        by=world["european"],
        sender_organization=world["bayern"],
        subject="Tester",
        body="We can test in Munich.",
        announcement=world["announcement"],
    )
    _send_emails()

    seen_by_sender = _everything_seen_by(world["european"], thread)
    seen_by_poster = _everything_seen_by(world["poster"], thread)

    assert POSTER not in seen_by_sender
    assert EUROPEAN not in seen_by_poster
    assert "We can test in Munich." in seen_by_poster
    assert [m.to for m in mail.outbox] == [[POSTER]]
    assert all(EUROPEAN not in m.message().as_string() for m in mail.outbox)


def test_relay_reply_reveals_the_two_addresses_and_says_so(world: dict, program: Program) -> None:
    thread = relay_start(
        program=program,
        by=world["european"],
        sender_organization=world["bayern"],
        subject="Tester",
        body="We can test in Munich.",
        announcement=world["announcement"],
    )

    relay_reply(thread=thread, by=world["poster"], body="Welcome aboard.")
    _send_emails()

    seen_by_sender = _everything_seen_by(world["european"], thread)
    assert POSTER in seen_by_sender
    assert "Welcome aboard." in seen_by_sender
    assert "The reply revealed the addresses" in seen_by_sender
    assert EUROPEAN in client_for(world["poster"]).get(reverse("directory:thread", args=[thread.pk])).content.decode()


def test_relay_to_an_organization_reaches_its_people_and_the_first_replier_takes_it(
    world: dict, program: Program
) -> None:
    thread = relay_start(
        program=program,
        by=world["european"],
        sender_organization=world["bayern"],
        subject="Hello",
        body="Shall we talk?",
        organization=world["maple"],
    )
    recipients = set(
        Notification.objects.filter(event=Event.RELAY_MESSAGE, channel=Channel.INBOX).values_list(
            "recipient", flat=True
        )
    )

    relay_reply(thread=thread, by=world["colleague"], body="Yes.")

    assert recipients == {world["poster"].pk, world["colleague"].pk}
    assert client_for(world["poster"]).get(reverse("directory:thread", args=[thread.pk])).status_code == 404
    with pytest.raises(ActionForbidden):
        relay_reply(thread=thread, by=world["poster"], body="Me too.")
    assert COLLEAGUE in _everything_seen_by(world["european"], thread)
    assert POSTER not in _everything_seen_by(world["european"], thread)


def test_relay_refuses_outsiders_and_own_organization(world: dict, program: Program) -> None:
    outsider_org = member_organization(ProgramFactory())
    outsider = person_of(outsider_org)

    with pytest.raises(ActionForbidden):
        relay_start(
            program=program,
            by=outsider,
            sender_organization=outsider_org,
            subject="S",
            body="B",
            organization=world["maple"],
        )
    with pytest.raises(DomainError):
        relay_start(
            program=program,
            by=world["colleague"],
            sender_organization=world["maple"],
            subject="S",
            body="B",
            announcement=world["announcement"],
        )
    thread = relay_start(
        program=program,
        by=world["european"],
        sender_organization=world["bayern"],
        subject="S",
        body="B",
        organization=world["maple"],
    )
    with pytest.raises(ActionForbidden):
        relay_reply(thread=thread, by=UserFactory(), body="Hi")
    assert client_for(UserFactory()).get(reverse("directory:thread", args=[thread.pk])).status_code == 404


def test_relay_daily_limit_from_settings(world: dict, program: Program, settings) -> None:
    settings.DIRECTORY_RELAY_DAILY_LIMIT = 2
    send = {
        "program": program,
        "by": world["european"],
        "sender_organization": world["bayern"],
        "subject": "S",
        "body": "B",
        "organization": world["maple"],
    }
    relay_start(**send)
    relay_start(**send)

    with pytest.raises(RelayLimitReached):
        relay_start(**send)
    response = client_for(world["european"]).post(
        reverse("directory:contact", args=[program.pk, world["maple"].pk]),
        {"sender_organization": world["bayern"].pk, "subject": "Again", "body": "Typed text kept"},
    )
    assert response.status_code == 429
    assert "Typed text kept" in response.content.decode()
    assert RelayThread.objects.count() == 2


def test_relay_contact_page_sends_and_shows_no_address(world: dict, program: Program) -> None:
    client = client_for(world["european"])

    page = client.get(reverse("directory:contact", args=[program.pk, world["maple"].pk])).content.decode()
    response = client.post(
        reverse("directory:contact", args=[program.pk, world["maple"].pk]),
        {"sender_organization": world["bayern"].pk, "subject": "Hello", "body": "Shall we talk?"},
    )
    thread_page = client.get(response.url).content.decode()

    assert response.status_code == 302
    for text in (page, thread_page):
        assert POSTER not in text
        assert COLLEAGUE not in text
