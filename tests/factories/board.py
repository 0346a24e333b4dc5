"""Factories of the board app: meetings (with their chair and members), agenda items, conflicts, votes, letters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from board.models import AgendaItem, BoardConflict, BoardMeeting, DecisionLetter, Vote, VoteChoice
from intake.states import ProposalState
from tests.factories.accounts import UserFactory
from tests.factories.intake import CallFactory, ProposalFactory


class BoardMeetingFactory(factory.django.DjangoModelFactory):
    """A meeting of a new call in 7 days, chaired by a new board member; quorum 1.

    The chair is always invited; ``members=[...]`` invites others too.
    """

    class Meta:
        model = BoardMeeting
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    held_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    quorum = 1
    chair = factory.SubFactory(UserFactory, role=Role.BOARD_MEMBER)
    created_by = factory.SubFactory(UserFactory, role=Role.STAFF)

    @factory.post_generation
    def members(self, create: bool, extracted: Iterable[User] | None, **kwargs: Any) -> None:
        if create:
            self.members.set([self.chair, *(extracted or ())])


class AgendaItemFactory(factory.django.DjangoModelFactory):
    """A proposal in board review on a meeting of its call; the row only, whatever the proposal's state."""

    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(BoardMeetingFactory)
    proposal = factory.SubFactory(
        ProposalFactory, call=factory.SelfAttribute("..meeting.call"), state=ProposalState.BOARD_REVIEW
    )


class BoardConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardConflict

    member = factory.SubFactory(UserFactory, role=Role.BOARD_MEMBER)
    proposal = factory.SubFactory(ProposalFactory, state=ProposalState.BOARD_REVIEW)
    nature = "I sit on the lead organization's board."


class VoteFactory(factory.django.DjangoModelFactory):
    """The approval of an agenda item by its meeting's chair (``member=...`` for another)."""

    class Meta:
        model = Vote

    item = factory.SubFactory(AgendaItemFactory)
    member = factory.LazyAttribute(lambda vote: vote.item.meeting.chair)
    choice = VoteChoice.APPROVE
    comment = ""


class DecisionLetterFactory(factory.django.DjangoModelFactory):
    """The unreleased English letter of an agenda item."""

    class Meta:
        model = DecisionLetter

    item = factory.SubFactory(AgendaItemFactory)
    language = "en"
    subject = factory.LazyAttribute(lambda letter: f"Decision on {letter.item.proposal.title}")
    body = "The board has decided to fund your project."
