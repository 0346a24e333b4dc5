"""Factories of the records app: audit records and notifications."""

from __future__ import annotations

import factory

from accounts.choices import Role
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.factories.accounts import UserFactory
from tests.factories.intake import ProposalFactory


class AuditRecordFactory(factory.django.DjangoModelFactory):
    """The record of a draft proposal's letter of intent submitted by its lead applicant (append-only)."""

    class Meta:
        model = AuditRecord

    proposal = factory.SubFactory(ProposalFactory)
    action = "loi_submit"
    from_state = "draft"
    to_state = "loi_submitted"
    actor = factory.LazyAttribute(lambda record: record.proposal.lead_applicant)
    reason = ""


class NotificationFactory(factory.django.DjangoModelFactory):
    """An unread inbox message to a new applicant about a proposal of theirs."""

    class Meta:
        model = Notification

    key = factory.Sequence(lambda n: f"factory:{n}")
    event = Event.LOI_SUBMITTED
    channel = Channel.INBOX
    recipient = factory.SubFactory(UserFactory, role=Role.APPLICANT)
    proposal = factory.SubFactory(ProposalFactory, lead_applicant=factory.SelfAttribute("..recipient"))
    context = factory.LazyAttribute(lambda notification: {"title": notification.proposal.title})
