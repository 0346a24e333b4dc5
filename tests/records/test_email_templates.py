"""Every event's email renders in English and in French, with its facts and the proposal's link."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
from django.conf import settings
from django.utils import translation

from accounts.choices import Role
from accounts.models import User
from board.models import BoardMeeting
from board.services.letters import meeting_decisions_release
from intake.models import Proposal
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from records.notifications import notification_render
from tests.board.making import decidable
from tests.conftest import MakeProposal
from tests.factories import UserFactory
from workflow.actions import proposal_approve, proposal_decline, proposal_request_changes

pytestmark = pytest.mark.django_db

DUE = datetime(2030, 3, 1, 20, 0, tzinfo=UTC)  # 15:00 in the call's timezone, America/Toronto.

# The context each action (or sweep) passes with the event, as in workflow/actions.py and sweeps.py.
CONTEXTS: dict[str, dict[str, Any]] = {
    Event.LOI_SUBMITTED: {"reason": ""},
    Event.LOI_RECEIVED: {"reason": ""},
    Event.INVITED: {"reason": "Please detail the SME partners' roles."},
    Event.LOI_DECLINED: {"reason": "The project is outside the call's scope."},
    Event.APPLICATION_SUBMITTED: {"reason": ""},
    Event.APPLICATION_RECEIVED: {"reason": ""},
    Event.CHANGES_REQUESTED: {"reason": "Add the budget table.", "due_at": DUE.isoformat()},
    Event.INELIGIBLE: {"reason": "Only one SME partner."},
    Event.ASSESSMENT_STARTED: {"reason": ""},
    Event.ASSESSMENT_COMPLETED: {"reason": ""},
    Event.DECISION_MADE: {
        "reason": "Strong consortium.",
        "amount": "150000.00",
        "conditions": "Quarterly reports.",
        "decision": "approved",
    },
    Event.WITHDRAWN: {"reason": "A partner left the consortium."},
    Event.EXPIRED: {"deadline": DUE.isoformat()},
    Event.EXTENSION_GRANTED: {"reason": "A partner's signing officer was away.", "until": DUE.isoformat()},
    Event.DEADLINE_REMINDER: {"deadline": DUE.isoformat(), "days": 7},
    Event.COAPPLICANT_INVITED: {"lead": "Lee Lead"},
    Event.CONFLICT_DECLARED: {"assessor": "Ada Assessor", "nature": "I advise the lead organization."},
    Event.REVIEW_SET_ASIDE: {"assessor": "Ada Assessor", "nature": "Joined the lead organization's board."},
    Event.ASSIGNMENTS_OFFERED: {
        "assignments": [{"id": 1, "title": "Shared quantum testbed"}, {"id": 2, "title": "Ocean sensors"}],
        "due_at": DUE.isoformat(),
    },
    Event.ASSIGNMENT_DECLINED: {"reason": "I am travelling that month.", "assessor": "Ada Assessor"},
    # The letter as staff edited it, already in the applicant's language: the email carries it as it is.
    Event.DECISION_LETTER: {
        "subject": "Your proposal is funded: Shared quantum testbed",
        "body": "Congratulations: the board approved funding of $150,000.00.\n\nQuarterly reports.\n",
    },
    Event.REVIEW_REMINDER: {
        "reviews": [
            {
                "title": "Shared quantum testbed",
                "call": "Call",
                "due_at": DUE.isoformat(),
                "timezone": "America/Toronto",
                "days": 3,
                "token": "a1:3d",
            },
            {
                "title": "Another testbed",
                "call": "Call",
                "due_at": DUE.isoformat(),
                "timezone": "America/Toronto",
                "days": 0,
                "token": "a2:1d",
            },
        ]
    },
    Event.JOIN_REQUESTED: {
        "organization": "Maple AI",
        "requester": "Ann Applicant",
        "requester_email": "ann@example.org",
        "title": "CTO",
        "reason": "",
        "request_id": 7,
    },
    Event.JOIN_APPROVED: {"organization": "Maple AI", "requester": "Ann Applicant", "reason": "", "request_id": 7},
    Event.JOIN_REFUSED: {
        "organization": "Maple AI",
        "requester": "Ann Applicant",
        "reason": "Not one of our staff.",
        "request_id": 7,
    },
    Event.REVIEWS_OVERDUE: {
        "reviews": [
            {
                "title": "Shared quantum testbed",
                "call": "Call",
                "due_at": DUE.isoformat(),
                "timezone": "America/Toronto",
                "assessor": "Ada Assessor",
            },
        ]
    },
    Event.BOARD_INVITED: {
        "meeting": 7,
        "held_at": DUE.isoformat(),
        "timezone": "America/Toronto",
        "call_en": "Clean tech",
        "call_fr": "Technologies propres",
    },
    Event.BOARD_AGENDA_READY: {
        "meeting": 7,
        "held_at": DUE.isoformat(),
        "timezone": "America/Toronto",
        "call_en": "Clean tech",
        "call_fr": "Technologies propres",
        "items": 2,
    },
    Event.BOARD_VOTES_MISSING: {
        "meetings": [
            {
                "meeting": 7,
                "held_at": DUE.isoformat(),
                "timezone": "America/Toronto",
                "call": "Clean tech",
                "today": True,
                "titles": ["Shared quantum testbed", "Ocean sensors"],
                "token": "m7:1d",
            }
        ],
        "count": 2,
    },
}


def _notification(event: str, recipient: User, proposal: Proposal | None, context: dict[str, Any]) -> Notification:
    return Notification(
        key=f"test:{event}", event=event, channel=Channel.EMAIL, recipient=recipient, proposal=proposal, context=context
    )


def _render(
    event: str, language: str, proposal: Proposal | None, context: dict[str, Any] | None = None
) -> tuple[str, ...]:
    recipient = cast(User, UserFactory(preferred_language=language, display_name="Ann Applicant"))
    return notification_render(
        _notification(event, recipient, proposal, CONTEXTS[event] if context is None else context)
    )


@pytest.fixture
def proposal(make_proposal: MakeProposal) -> Proposal:
    return make_proposal(
        ProposalState.SUBMITTED, title="Shared quantum testbed", submitted_at=datetime(2030, 2, 1, 17, 0, tzinfo=UTC)
    )


def test_email_contexts_cover_every_event() -> None:
    assert sorted(CONTEXTS) == sorted(Event.values)


#: Events to board members about a meeting: stored without a proposal, they link to the meeting.
BOARD = {Event.BOARD_INVITED, Event.BOARD_AGENDA_READY, Event.BOARD_VOTES_MISSING}
#: Events about several proposals at once: stored without a proposal, they list the proposals in the body.
GROUPED = {Event.REVIEW_REMINDER, Event.REVIEWS_OVERDUE, *BOARD}
#: Events to assessors about proposals they may not open yet: they link to the assessor's dashboard.
TO_ASSESSORS = {Event.ASSIGNMENTS_OFFERED}
#: Events about joining an organization: no proposal; their links lead to the request or the organizations.
JOINING = {
    Event.JOIN_REQUESTED: "/accounts/organizations/requests/7/",
    Event.JOIN_APPROVED: "/accounts/organizations/",
    Event.JOIN_REFUSED: "/accounts/organizations/",
}


@pytest.mark.parametrize("event", sorted(JOINING))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_joining_renders_completely(event: str, language: str) -> None:
    subject, text, html = _render(event, language, None)

    assert subject
    assert "\n" not in subject
    for part in (subject, text, html):
        assert "{{" not in part
        assert "{%" not in part
        assert "Maple AI" in part
    assert f"{settings.SITE_URL}{JOINING[event]}" in text
    assert f'<html lang="{language}">' in html
    if event == Event.JOIN_REFUSED:
        assert "Not one of our staff." in text
        assert "Not one of our staff." in html
    if event == Event.JOIN_REQUESTED:
        assert f'href="{settings.SITE_URL}{JOINING[event]}"' in html
        assert "ann@example.org" in text


@pytest.mark.parametrize("event", sorted(set(Event.values) - GROUPED - set(JOINING)))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_renders_completely(event: str, language: str, proposal: Proposal) -> None:
    subject, text, html = _render(event, language, proposal)

    assert subject
    assert "\n" not in subject
    for part in (subject, text, html):
        assert "{{" not in part
        assert "{%" not in part
    for part in (subject, text, html) if event not in TO_ASSESSORS else (text, html):
        assert "Shared quantum testbed" in part
    link = (
        f"{settings.SITE_URL}/proposals/{proposal.pk}/"
        if event not in TO_ASSESSORS
        else f"{settings.SITE_URL}/assessor/"
    )
    assert link in text
    assert f'href="{link}"' in html
    assert (proposal.call.title_en if language == "en" else proposal.call.title_fr) in text
    assert f'<html lang="{language}">' in html
    if CONTEXTS[event].get("reason") and event != Event.ASSESSMENT_STARTED:
        assert CONTEXTS[event]["reason"] in text


def _french_catalogue_has(msgid: str) -> bool:
    """Say whether the compiled French catalogue translates ``msgid`` (new strings arrive with its update)."""
    with translation.override("fr"):
        return translation.gettext(msgid) != msgid


#: The board's messages read in French once the catalogue holds their strings; until then this says so.
AWAITS_CATALOGUE = pytest.mark.skipif(
    not _french_catalogue_has("You receive this message as a board member on Clusterflow. It is also in your "
                              "Clusterflow inbox."),
    reason="the French catalogue (locale/) does not hold the board messages' strings yet: compile it with them",
)  # fmt: skip


@pytest.mark.parametrize(
    "event", [pytest.param(event, marks=AWAITS_CATALOGUE) if event in BOARD else event for event in Event.values]
)
def test_email_french_differs_from_english(event: str, proposal: Proposal) -> None:
    english = _render(event, "en", None if event in JOINING else proposal)
    french = _render(event, "fr", None if event in JOINING else proposal)

    if event == Event.DECISION_LETTER:
        # Its subject is the letter's own, written in the applicant's language when it was drafted.
        english, french = english[1:], french[1:]
    assert [part for part in zip(english, french, strict=True) if part[0] == part[1]] == []


def test_email_changes_requested_shows_due_date_in_call_timezone(proposal: Proposal) -> None:
    _subject, english, _html = _render(Event.CHANGES_REQUESTED, "en", proposal)
    _subject, french, _html = _render(Event.CHANGES_REQUESTED, "fr", proposal)

    assert "by March 1, 2030, 3 p.m. (America/Toronto)." in english
    assert "1 mars 2030 15:00 (America/Toronto)" in french


def test_email_expired_without_deadline_still_reads(proposal: Proposal) -> None:
    _subject, text, _html = _render(Event.EXPIRED, "en", proposal, context={"reason": ""})

    assert "it was not submitted by its deadline." in text


def test_email_deadline_reminder_counts_days(proposal: Proposal) -> None:
    one_day, _text, _html = _render(Event.DEADLINE_REMINDER, "en", proposal, {"deadline": DUE.isoformat(), "days": 1})
    seven_days, _text, _html = _render(Event.DEADLINE_REMINDER, "fr", proposal, CONTEXTS[Event.DEADLINE_REMINDER])

    assert one_day == "Reminder: “Shared quantum testbed” is due in 1 day"
    assert seven_days == "Rappel : « Shared quantum testbed » est à remettre dans 7 jours"


def test_email_html_escapes_the_applicants_text(proposal: Proposal) -> None:
    proposal.title = "R&D <b>bold</b>"
    _subject, text, html = _render(Event.LOI_DECLINED, "en", proposal, {"reason": "Scope <script>"})

    assert "R&amp;D &lt;b&gt;bold&lt;/b&gt;" in html
    assert "Scope &lt;script&gt;" in html
    assert "R&D <b>bold</b>" in text
    assert "Scope <script>" in text


def _decision_email(proposal: Proposal, meeting: BoardMeeting) -> tuple[str, str, str]:
    """Release ``meeting``'s decisions and return the email of ``proposal``'s letter to its lead applicant.

    The decision itself sends nothing: the applicant hears of it with the letter, at the release.
    """
    assert not Notification.objects.filter(proposal=proposal).exists()
    meeting_decisions_release(meeting=meeting, by=cast(User, UserFactory(role=Role.STAFF)))
    notification = Notification.objects.get(
        proposal=proposal, recipient=proposal.lead_applicant, event=Event.DECISION_LETTER, channel=Channel.EMAIL
    )
    return notification_render(notification)


def test_email_decision_approved_shows_amount_and_conditions(make_proposal: MakeProposal, board_member: User) -> None:
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title="Shared quantum testbed")
    meeting = decidable(proposal, chair=board_member)
    proposal_approve(
        proposal=proposal,
        by=board_member,
        amount=Decimal("150000.00"),
        rationale="Strong consortium.",
        conditions="Quarterly reports.",
    )

    subject, text, html = _decision_email(proposal, meeting)

    assert subject == "Your proposal is funded: Shared quantum testbed"
    assert "the board approved funding of $150,000.00 for your proposal" in text
    assert "Conditions of funding:\nQuarterly reports." in text
    assert "$150,000.00" in html
    assert "Quarterly reports." in html
    assert board_member.display_name not in text + html


def test_email_decision_approved_in_french_writes_the_amount_the_french_way(
    make_proposal: MakeProposal, board_member: User, applicant: User
) -> None:
    applicant.preferred_language = "fr"
    applicant.save(update_fields=["preferred_language"])
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title="Banc d'essai")
    meeting = decidable(proposal, chair=board_member)
    proposal_approve(proposal=proposal, by=board_member, amount=Decimal("150000"), rationale="Solide.")

    subject, text, _html = _decision_email(proposal, meeting)

    assert subject == "Votre proposition est financée : Banc d'essai"
    assert "un financement de 150\u00a0000,00\u00a0$ pour votre proposition" in text
    assert "Conditions du financement" not in text


def test_email_decision_declined_shows_rationale_and_no_amount(make_proposal: MakeProposal, board_member: User) -> None:
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title="Shared quantum testbed")
    meeting = decidable(proposal, chair=board_member)
    proposal_decline(proposal=proposal, by=board_member, rationale="The budget is not credible.")

    subject, text, html = _decision_email(proposal, meeting)

    assert subject == "Funding decision on your proposal: Shared quantum testbed"
    assert "the board decided not to fund your proposal “Shared quantum testbed”" in text
    assert "Rationale of the decision:\nThe budget is not credible." in text
    assert "$" not in text
    assert "The budget is not credible." in html


def test_email_changes_requested_does_not_name_the_staff_member(make_proposal: MakeProposal, staff: User) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)
    proposal_request_changes(proposal=proposal, by=staff, message="Add the budget table.", due_at=DUE)
    notification = Notification.objects.get(proposal=proposal, event=Event.CHANGES_REQUESTED, channel=Channel.EMAIL)

    subject, text, html = notification_render(notification)

    assert "Add the budget table." in text
    assert staff.display_name not in subject + text + html
    assert staff.email not in subject + text + html


@pytest.mark.parametrize("event", [Event.LOI_RECEIVED, Event.APPLICATION_RECEIVED, Event.ASSESSMENT_COMPLETED])
def test_email_staff_events_address_staff(event: str, proposal: Proposal) -> None:
    _subject, text, _html = _render(event, "en", proposal)

    assert "You receive this message as program staff" in text


@pytest.mark.parametrize("event", sorted(GROUPED - {Event.BOARD_INVITED, Event.BOARD_AGENDA_READY}))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_about_several_proposals_lists_each_without_a_proposal_link(event: str, language: str) -> None:
    subject, text, html = _render(event, language, None)

    assert subject
    assert "\n" not in subject
    for part in (text, html):
        assert "{{" not in part
        assert "{%" not in part
        assert "Shared quantum testbed" in part
        assert "/proposals/" not in part
    assert f'<html lang="{language}">' in html


def test_email_review_reminder_counts_and_dates_each_review() -> None:
    subject, text, _html = _render(Event.REVIEW_REMINDER, "en", None)

    assert subject == "Reminder: 2 reviews due soon"
    assert "- “Shared quantum testbed” (Call), due March 1, 2030, 3 p.m. (America/Toronto)\n" in text
    assert "- “Another testbed” (Call), due March 1, 2030, 3 p.m. (America/Toronto) — due today" in text
    assert f"{settings.SITE_URL}/assessor/" in text


def test_email_reviews_overdue_names_the_assessor_to_staff() -> None:
    subject, text, _html = _render(Event.REVIEWS_OVERDUE, "en", None)

    assert subject == "1 review is overdue"
    assert "“Shared quantum testbed” (Call): Ada Assessor, due March 1, 2030" in text
    assert "You receive this message as program staff" in text


@pytest.mark.parametrize(
    ("event", "language", "subject", "said", "link"),
    [
        (Event.BOARD_INVITED, "en", "Invited to the board meeting of Clean tech",
         "You are invited to the board meeting of Clean tech on March 1, 2030, 3 p.m. (America/Toronto).",
         "/board/meetings/7/"),
        pytest.param(Event.BOARD_INVITED, "fr",
         "Invitation à la réunion du conseil d'administration pour Technologies propres",
         "Vous êtes invité·e à la réunion du conseil d'administration pour Technologies propres le 1 mars 2030 "
         "15:00 (America/Toronto).",
         "/board/meetings/7/", marks=AWAITS_CATALOGUE),
        (Event.BOARD_AGENDA_READY, "en", "The board agenda of Clean tech is ready",
         "The agenda of the meeting on March 1, 2030, 3 p.m. (America/Toronto) is ready: 2 proposals are on it.",
         "/board/meetings/7/"),
        (Event.BOARD_VOTES_MISSING, "en", "Reminder: your votes are missing on 2 proposals before the board",
         "- “Ocean sensors”", "/board/meetings/7/votes/"),
        pytest.param(Event.BOARD_VOTES_MISSING, "fr",
         "Rappel : il vous manque 2 votes sur des propositions soumises au conseil d'administration",
         "- « Ocean sensors »",
         "/board/meetings/7/votes/", marks=AWAITS_CATALOGUE),
    ],
)  # fmt: skip
def test_email_board_messages_name_the_meeting_and_link_to_it(
    event: str, language: str, subject: str, said: str, link: str
) -> None:
    rendered_subject, text, html = _render(event, language, None)

    assert rendered_subject == subject
    assert said in text
    assert f"{settings.SITE_URL}{link}" in text
    assert f'href="{settings.SITE_URL}{link}"' in html
    assert f'<html lang="{language}">' in html
