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
    Event.PROJECT_CONTRACTING: {"reason": ""},
    Event.PROJECT_ACTIVE: {"reason": "Signed by every partner on time."},
    Event.PROJECT_CLOSING: {"reason": "The last milestone is due."},
    Event.PROJECT_CLOSED: {"reason": ""},
    Event.PROJECT_TERMINATED: {"reason": "The lead organization went bankrupt."},
    Event.AGREEMENT_TO_SIGN: {"project": 7, "title": "Shared quantum testbed", "call_en": "Call", "call_fr": "Appel"},
    Event.AMENDMENT_REQUESTED: {
        "project": 7,
        "amendment": 3,
        "title": "Shared quantum testbed",
        "call_en": "Call",
        "call_fr": "Appel",
        "reason": "A partner left the consortium.",
        "requester": "Ann Applicant",
    },
    Event.AMENDMENT_DECIDED: {
        "project": 7,
        "amendment": 3,
        "title": "Shared quantum testbed",
        "call_en": "Call",
        "call_fr": "Appel",
        "reason": "The rules still hold.",
        "approved": True,
    },
    # A partner's claim: stored with its project's proposal, linking to the claim's page.
    Event.CLAIM_SUBMITTED: {
        "project": 3,
        "claim": 5,
        "partner": "Maple AI",
        "period": 2,
        "final": False,
        "payable": "9000.00",
        "resubmitted": False,
    },
    Event.CLAIM_CHANGES_REQUESTED: {
        "project": 3,
        "claim": 5,
        "partner": "Maple AI",
        "period": 2,
        "final": False,
        "reason": "Add the March timesheets.",
    },
    Event.CLAIM_APPROVED: {
        "project": 3,
        "claim": 5,
        "partner": "Maple AI",
        "period": 2,
        "final": False,
        "approved": "8000.00",
        "reason": "One receipt is unreadable.",
    },
    Event.CLAIM_REJECTED: {
        "project": 3,
        "claim": 5,
        "partner": "Maple AI",
        "period": 2,
        "final": False,
        "reason": "These costs belong to another project.",
    },
    Event.CLAIM_PAID: {
        "project": 3,
        "claim": 5,
        "partner": "Maple AI",
        "period": 2,
        "final": False,
        "amount": "8000.00",
        "paid_on": "2030-03-01",
    },
    Event.CLAIMS_DUE: {
        "claims": [
            {
                "project": 3,
                "title": "Shared quantum testbed",
                "partner": "Maple AI",
                "period": 2,
                "due_on": "2030-03-01",
                "days": 3,
                "token": "c1:2:3d",
            },
            {
                "project": 3,
                "title": "Shared quantum testbed",
                "partner": "Maple AI",
                "period": None,
                "final": True,
                "due_on": "2030-04-01",
                "days": 14,
                "token": "c1:final:14d",
            },
        ]
    },
    Event.CLAIMS_OVERDUE: {
        "claims": [
            {
                "project": 3,
                "title": "Shared quantum testbed",
                "partner": "Maple AI",
                "period": 2,
                "due_on": "2030-03-01",
            },
            {
                "project": 3,
                "title": "Shared quantum testbed",
                "partner": "Maple AI",
                "period": None,
                "final": True,
                "due_on": "2030-04-01",
            },
        ]
    },
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
    # The funded project's milestones and reports: stored without a proposal, they link to the project's pages.
    **{
        event: {
            "project": 41,
            "title": "Shared quantum testbed",
            "call_en": "Clean tech",
            "call_fr": "Technologies propres",
            "link": "/projects/41/reports/9/" if event.startswith("report") else "/projects/41/",
            "milestone": "Prototype",
            "report": 9,
            "period": 2,
            "final": False,
            "reason": "Attach the test report." if event in ("milestone_sent_back", "report_changes_requested") else "",
            "note": "Prototype built." if event == "milestone_done" else "",
        }
        for event in (
            Event.MILESTONE_DONE,
            Event.MILESTONE_ACCEPTED,
            Event.MILESTONE_SENT_BACK,
            Event.REPORT_SUBMITTED,
            Event.REPORT_ACCEPTED,
            Event.REPORT_CHANGES_REQUESTED,
        )
    },
    Event.REPORT_REMINDER: {
        "reports": [
            {
                "project": 41,
                "title": "Shared quantum testbed",
                "call": "Call",
                "period": 2,
                "ends_on": "2030-03-31",
                "due_on": "2030-04-30",
                "days": 10,
                "token": "p41:2:2030-04-30",
            }
        ]
    },
    Event.REPORTS_OVERDUE: {
        "reports": [
            {
                "project": 41,
                "title": "Shared quantum testbed",
                "call": "Call",
                "period": 2,
                "ends_on": "2030-03-31",
                "due_on": "2030-04-30",
                "days": 5,
                "token": "p41:2:2030-04-30",
            }
        ]
    },
    **{
        event: {
            "asset": 7,
            "title_en": "Shared quantum testbed",
            "title_fr": "Banc d'essai quantique partagé",
            "organization": "Maple AI",
            "request": 9,
            "link": "/registry/requests/9/" if event.startswith("licence") else "/registry/assets/7/",
            "message": "Add the filing number.",
        }
        for event in (
            Event.IP_ASSET_SUBMITTED,
            Event.IP_ASSET_PUBLISHED,
            Event.IP_ASSET_SENT_BACK,
            Event.LICENCE_REQUESTED,
            Event.LICENCE_MESSAGE,
            Event.LICENCE_AGREED,
            Event.LICENCE_DECLINED,
            Event.LICENCE_WITHDRAWN,
        )
    },
    Event.LICENCE_REQUESTS_WAITING: {
        "requests": [
            {
                "request": 9,
                "title_en": "Shared quantum testbed",
                "title_fr": "Banc d'essai quantique partagé",
                "organization": "Maple AI",
                "days": 15,
            },
        ],
        "count": 1,
    },
    Event.IP_REVIEW_RECORDED: {
        "ip_manager": "Ivy IP",
        "verdict": "needs_changes",
        "changes_needed": "Name the owner of the sensor firmware.",
    },
    Event.IP_CONFLICT_DECLARED: {"ip_manager": "Ivy IP", "nature": "I advise the lead organization."},
    # A member's message through the directory's relay: no proposal, no address before a reply.
    Event.RELAY_MESSAGE: {
        "thread": 7,
        "subject": "Shared quantum testbed: partners",
        "author": "Eva Europa",
        "organization": "Cluster Bavaria",
        "body": "We build sensors.",
        "address": "",
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
GROUPED = {
    Event.REVIEW_REMINDER, Event.REVIEWS_OVERDUE, Event.CLAIMS_DUE, Event.CLAIMS_OVERDUE, Event.REPORT_REMINDER,
    Event.REPORTS_OVERDUE, *BOARD,
}  # fmt: skip
#: Events about a funded project's milestones and reports: stored without a proposal, they link to the project.
REPORT_LINKED = {
    Event.MILESTONE_DONE, Event.MILESTONE_ACCEPTED, Event.MILESTONE_SENT_BACK, Event.REPORT_SUBMITTED,
    Event.REPORT_ACCEPTED, Event.REPORT_CHANGES_REQUESTED,
}  # fmt: skip
#: Every event stored without a proposal that is about a project.
PROJECT_MESSAGES = {*REPORT_LINKED, Event.REPORT_REMINDER, Event.REPORTS_OVERDUE}
#: Events about a partner's claim: stored with the project's proposal, they link to the claim's page.
CLAIMS = {
    Event.CLAIM_SUBMITTED, Event.CLAIM_CHANGES_REQUESTED, Event.CLAIM_APPROVED, Event.CLAIM_REJECTED, Event.CLAIM_PAID,
}  # fmt: skip
CLAIMS_GROUPED = {Event.CLAIMS_DUE, Event.CLAIMS_OVERDUE}
#: Events to assessors about proposals they may not open yet: they link to the assessor's dashboard.
TO_ASSESSORS = {Event.ASSIGNMENTS_OFFERED}
#: Events about a funded project: stored without a proposal (a partner's people may not read it), they link to
#: the project's page or to its amendment.
PROJECT_LINKED = {
    Event.AGREEMENT_TO_SIGN: "/projects/7/",
    Event.AMENDMENT_REQUESTED: "/projects/7/amendments/3/",
    Event.AMENDMENT_DECIDED: "/projects/7/amendments/3/",
}
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


@pytest.mark.parametrize("event", sorted(PROJECT_LINKED))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_about_a_project_links_to_it(event: str, language: str) -> None:
    subject, text, html = _render(event, language, None)

    assert subject
    assert "\n" not in subject
    for part in (subject, text, html):
        assert "{{" not in part
        assert "{%" not in part
        assert "Shared quantum testbed" in part
    assert f"{settings.SITE_URL}{PROJECT_LINKED[event]}" in text
    assert f'href="{settings.SITE_URL}{PROJECT_LINKED[event]}"' in html
    assert ("Call" if language == "en" else "Appel") in text
    assert "/proposals/" not in text
    if CONTEXTS[event].get("reason"):
        assert CONTEXTS[event]["reason"] in text


#: Events of the IP registry: no proposal; their links lead to the asset, the request or the IP manager's requests.
REGISTRY = {
    Event.IP_ASSET_SUBMITTED: "/registry/assets/7/",
    Event.IP_ASSET_PUBLISHED: "/registry/assets/7/",
    Event.IP_ASSET_SENT_BACK: "/registry/assets/7/",
    Event.LICENCE_REQUESTED: "/registry/requests/9/",
    Event.LICENCE_MESSAGE: "/registry/requests/9/",
    Event.LICENCE_AGREED: "/registry/requests/9/",
    Event.LICENCE_DECLINED: "/registry/requests/9/",
    Event.LICENCE_WITHDRAWN: "/registry/requests/9/",
    Event.LICENCE_REQUESTS_WAITING: "/registry/requests/9/",
}


@pytest.mark.parametrize("event", sorted(REGISTRY))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_registry_renders_completely_with_its_link(event: str, language: str) -> None:
    subject, text, html = _render(event, language, None)

    assert subject
    assert "\n" not in subject
    for part in (subject, text, html):
        assert "{{" not in part
        assert "{%" not in part
    title = "Shared quantum testbed" if language == "en" else "Banc d'essai quantique partagé"
    assert title in text
    assert f"{settings.SITE_URL}{REGISTRY[event]}" in text
    assert f'href="{settings.SITE_URL}{REGISTRY[event]}"' in html
    assert "/proposals/" not in text + html
    assert f'<html lang="{language}">' in html
    if event in {Event.IP_ASSET_SENT_BACK, Event.LICENCE_MESSAGE, Event.LICENCE_DECLINED}:
        assert "Add the filing number." in text


#: The relay's messages between members: no proposal; their link leads to the conversation.
RELAYED = {Event.RELAY_MESSAGE}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_relay_message_renders_completely_without_an_address(language: str) -> None:
    subject, text, html = _render(Event.RELAY_MESSAGE, language, None)

    assert "\n" not in subject
    for part in (subject, text, html):
        assert "{{" not in part
        assert "{%" not in part
        assert "Cluster Bavaria" in part
        assert "@" not in part
    assert f"{settings.SITE_URL}/directory/messages/7/" in text
    assert f'href="{settings.SITE_URL}/directory/messages/7/"' in html
    assert "We build sensors." in text


@pytest.mark.parametrize(
    "event",
    sorted(
        set(Event.values)
        - GROUPED
        - set(JOINING)
        - set(PROJECT_LINKED)
        - CLAIMS
        - REPORT_LINKED
        - set(REGISTRY)
        - RELAYED
    ),
)
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
    unlinked = (
        event in JOINING
        or event in PROJECT_LINKED
        or event in PROJECT_MESSAGES
        or event in REGISTRY
        or event in RELAYED
    )
    english = _render(event, "en", None if unlinked else proposal)
    french = _render(event, "fr", None if unlinked else proposal)

    if event == Event.DECISION_LETTER:
        # Its subject is the letter's own, written in the applicant's language when it was drafted.
        english, french = english[1:], french[1:]
    assert [part for part in zip(english, french, strict=True) if part[0] == part[1]] == []


def test_email_changes_requested_shows_due_date_in_call_timezone(proposal: Proposal) -> None:
    _subject, english, _html = _render(Event.CHANGES_REQUESTED, "en", proposal)
    _subject, french, _html = _render(Event.CHANGES_REQUESTED, "fr", proposal)

    assert "by March 1, 2030, 15:00 (America/Toronto)." in english
    assert "1 mars 2030, 15 h 00 (America/Toronto)" in french


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
    assert "- “Shared quantum testbed” (Call), due March 1, 2030, 15:00 (America/Toronto)\n" in text
    assert "- “Another testbed” (Call), due March 1, 2030, 15:00 (America/Toronto) — due today" in text
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
         "You are invited to the board meeting of Clean tech on March 1, 2030, 15:00 (America/Toronto).",
         "/board/meetings/7/"),
        pytest.param(Event.BOARD_INVITED, "fr",
         "Invitation à la réunion du conseil d'administration pour Technologies propres",
         "Vous êtes invité·e à la réunion du conseil d'administration pour Technologies propres le 1 mars 2030, "
         "15 h 00 (America/Toronto).",
         "/board/meetings/7/", marks=AWAITS_CATALOGUE),
        (Event.BOARD_AGENDA_READY, "en", "The board agenda of Clean tech is ready",
         "The agenda of the meeting on March 1, 2030, 15:00 (America/Toronto) is ready: 2 proposals are on it.",
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


@pytest.mark.parametrize("event", sorted(CLAIMS))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_about_a_claim_links_to_the_claim_not_the_proposal(event: str, language: str, proposal: Proposal) -> None:
    subject, text, html = _render(event, language, proposal)

    assert subject
    assert "\n" not in subject
    for part in (subject, text, html):
        assert "{{" not in part
        assert "{%" not in part
        assert "Shared quantum testbed" in part
        assert "/proposals/" not in part
    link = f"{settings.SITE_URL}/projects/3/claims/5/"
    assert link in text
    assert f'href="{link}"' in html
    assert "Maple AI" in text
    assert (proposal.call.title_en if language == "en" else proposal.call.title_fr) in text
    assert f'<html lang="{language}">' in html
    if CONTEXTS[event].get("reason"):
        assert CONTEXTS[event]["reason"] in text
        assert CONTEXTS[event]["reason"] in html


def test_email_claim_amounts_and_dates_read_in_the_recipients_language(proposal: Proposal) -> None:
    subject, text, _html = _render(Event.CLAIM_PAID, "en", proposal)

    assert subject == "Payment of your claim for period 2 of “Shared quantum testbed”"
    assert "A payment of $8,000.00 to Maple AI for its claim for period 2" in text
    assert "was made on March 1, 2030." in text


@pytest.mark.parametrize("event", [Event.CLAIMS_DUE, Event.CLAIMS_OVERDUE])
def test_email_about_several_claims_links_to_each_projects_claims(event: str) -> None:
    subject, text, html = _render(event, "en", None)

    assert "“Shared quantum testbed”: the claim of Maple AI for period 2, due March 1, 2030" in text
    assert f"{settings.SITE_URL}/projects/3/claims/" in text
    assert f'href="{settings.SITE_URL}/projects/3/claims/"' in html
    assert "“Shared quantum testbed”: the final claim of Maple AI, due April 1, 2030" in text
    assert subject in ("Reminder: 2 claims due soon", "2 claims are overdue")


@pytest.mark.parametrize("event", sorted(REPORT_LINKED))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_email_about_a_project_links_to_the_project(event: str, language: str) -> None:
    subject, text, html = _render(event, language, None)

    assert subject
    assert "\n" not in subject
    for part in (subject, text, html):
        assert "{{" not in part
        assert "{%" not in part
        assert "Shared quantum testbed" in part
    link = f"{settings.SITE_URL}{CONTEXTS[event]['link']}"
    assert link in text
    assert f'href="{link}"' in html
    assert "/proposals/" not in text + html
    assert ("Clean tech" if language == "en" else "Technologies propres") in text
    assert f'<html lang="{language}">' in html
    if CONTEXTS[event]["reason"]:
        assert CONTEXTS[event]["reason"] in text
        assert CONTEXTS[event]["reason"] in html


def test_email_reports_overdue_lists_each_report_to_staff() -> None:
    subject, text, _html = _render(Event.REPORTS_OVERDUE, "en", None)

    assert subject == "1 project report is overdue"
    assert "- “Shared quantum testbed” (Call): period 2, due 2030-04-30, 5 days late" in text
    assert f"{settings.SITE_URL}/projects/41/reports/" in text
    assert "You receive this message as program staff" in text
