"""The registry of the actions on a proposal: one declaration per action, read everywhere else.

Each ``Action`` names a transition of the lifecycle's table (``intake.lifecycle``, which keeps
its guard: source, target, conditions and permission) and says what the pages and the history
say of it, who performs it, whether its reason is written for the applicant, the fields it
takes, the events it sends and to whom, and the function that performs it. The forms
(``workflow.forms``, which build each action's form from its fields), the action endpoint
(``workflow.views``), the histories (``workflow.proposal_page`` and the staff's page) and the
diagram of docs/workflow.md read it. Each ``Step`` is something audited on a proposal that is
not one of these actions.

Adding an action: its transition in ``intake.lifecycle``, its function in the module of its
stage and its declaration below; if a person performs it, its form is built from its fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.i18n import per_language
from intake import formatting
from intake.choices import VersionKind
from intake.models import Proposal
from intake.services.call_rules import APPLY_CALL_RULES, CALL_RULES_CHANGE
from intake.services.overrides import OVERRIDE_LAPSED
from intake.services.questions import QUESTION_CHANGE as QUESTION_CHANGE_NAME
from projects import amendments as project_amendments
from projects import signing as project_signing
from records.events import Event
from registry.services.ip_reviews import IP_CONFLICT_DECLARE, IP_REVIEW_RECORD
from workflow.actions.assessment import (
    proposal_complete_assessment,
    proposal_reopen_assessment,
    proposal_start_assessment,
)
from workflow.actions.base import EXTEND_DEADLINE, Audience, applicant, applicant_and_staff, staff
from workflow.actions.board import proposal_approve, proposal_decline, proposal_send_to_board
from workflow.actions.deadlines import proposal_expire, proposal_extend_deadline
from workflow.actions.projects import (
    proposal_activate,
    proposal_close,
    proposal_start_closing,
    proposal_start_contracting,
    proposal_terminate,
)
from workflow.actions.screening import (
    OVERRIDE_ELIGIBILITY,
    REVOKE_OVERRIDE,
    proposal_decline_loi,
    proposal_invite,
    proposal_mark_ineligible,
    proposal_request_changes,
    proposal_submit_application,
    proposal_submit_loi,
    proposal_withdraw,
)


class Performer(StrEnum):
    """Who performs an action, and so whose page offers it."""

    APPLICANT = "applicant"
    STAFF = "staff"
    BOARD = "board"
    SYSTEM = "system"


class Kind(StrEnum):
    """What a field of an action takes; the forms (``workflow.forms``) give each kind its input and its checks."""

    #: Free text, in a box of a few lines.
    TEXT = "text"
    #: A date and time, typed as wall-clock time in the call's timezone; it must be in the future.
    LOCAL_DATETIME = "local_datetime"
    #: An amount of money above zero, of at most 14 digits, 2 of them after the point.
    AMOUNT = "amount"
    #: A board meeting of the proposal's call still to be held.
    MEETING = "meeting"


#: The kinds whose input is read in the proposal's call (its timezone, its meetings), whose
#: forms therefore need the proposal; the page says the call's timezone under them.
IN_CALL = frozenset({Kind.LOCAL_DATETIME, Kind.MEETING})


@dataclass(frozen=True)
class Field:
    """One field an action takes; ``name`` is its function's keyword argument, and the form's after the action's."""

    name: str
    kind: Kind
    label: Promise
    required: bool = True
    #: What the page says under it; under a kind read in the call, the page says the call's timezone.
    help_text: Promise | None = None

    def __post_init__(self) -> None:
        if self.help_text is not None and self.kind in IN_CALL:
            raise ValueError(f"The field {self.name} says the call's timezone under it: it takes no help text.")


@dataclass(frozen=True)
class Step:
    """Something audited on a proposal: ``name`` is its audit records' action, ``done`` how the history tells it."""

    name: str
    done: Promise
    #: Whether the record's reason is written for the applicant (otherwise it is a note of staff's).
    reason_for_applicant: bool = False


@dataclass(frozen=True, kw_only=True)
class Action(Step):
    """An action on a proposal: a transition of the lifecycle's table, or the extension of its deadline."""

    label: Promise
    perform: Callable[..., Proposal]
    by: Performer = Performer.STAFF
    #: Each event it sends, with its audience (a condition on users).
    events: Sequence[tuple[Event, Audience]] = ()
    #: Whether it cannot be undone, so the page says so beside the button.
    final: bool = False
    #: Whether it is a transition of the lifecycle (the deadline's extension is not).
    transition: bool = True
    #: The fields its form takes, in their order on the page: the arguments of ``perform``
    #: besides the proposal, the person and the state they saw.
    fields: tuple[Field, ...] = ()
    #: What its form shows at first, read from the proposal.
    initial: Callable[[Proposal], dict[str, Any]] | None = None
    #: Its label as it reads for one proposal, where that depends on the proposal's stage; else ``label``.
    label_at: Callable[[Proposal], Promise] | None = None

    def label_for(self, proposal: Proposal) -> Promise:
        """Return the action's label as it reads for ``proposal`` (its stage's words where they differ)."""
        return self.label_at(proposal) if self.label_at is not None else self.label


#: The words of the early stages' actions at each stage (the generic label at any other).
_SUBMIT_AT: dict[str, Promise] = {
    VersionKind.QUESTIONNAIRE: _("Submit the eligibility questionnaire"),
    VersionKind.LOI: _("Submit the letter of intent"),
}
_DECLINE_AT: dict[str, Promise] = {
    VersionKind.QUESTIONNAIRE: _("Decline at the eligibility questionnaire"),
    VersionKind.LOI: _("Decline the letter of intent"),
}
#: An invitation is named by the stage it leads to.
_INVITE_TO: dict[str, Promise] = {
    VersionKind.LOI: _("Invite to submit a letter of intent"),
    VersionKind.APPLICATION: _("Invite to submit a full application"),
}


def _submit_label(proposal: Proposal) -> Promise:
    return _SUBMIT_AT.get(proposal.stage.kind, _SUBMIT_AT[VersionKind.LOI])


def _decline_label(proposal: Proposal) -> Promise:
    return _DECLINE_AT.get(proposal.stage.kind, _DECLINE_AT[VersionKind.LOI])


def _invite_label(proposal: Proposal) -> Promise:
    return _INVITE_TO.get(proposal.next_stage_kind() or "", _INVITE_TO[VersionKind.APPLICATION])


def _current_deadline(proposal: Proposal) -> dict[str, Any]:
    return {"until": proposal.deadline}


#: What the page says under a text written for the applicant.
READ_BY_APPLICANT = _("The applicant reads it.")


# fmt: off
ACTIONS: tuple[Action, ...] = (
    Action("submit_loi", _("The letter of intent was submitted."),
           label=_("Submit the letter of intent"), label_at=_submit_label, by=Performer.APPLICANT,
           perform=proposal_submit_loi,
           events=((Event.LOI_SUBMITTED, applicant), (Event.LOI_RECEIVED, staff))),
    Action("invite", _("The consortium was invited to submit a full application."), reason_for_applicant=True,
           label=_("Invite to submit a full application"), label_at=_invite_label, perform=proposal_invite,
           fields=(Field("reason", Kind.TEXT, _("Note to the applicant (optional)"), required=False),),
           events=((Event.INVITED, applicant),)),
    Action("decline_loi", _("The letter of intent was not retained."), reason_for_applicant=True,
           label=_("Decline the letter of intent"), label_at=_decline_label, final=True,
           perform=proposal_decline_loi,
           fields=(Field("reason", Kind.TEXT, _("Reason the letter of intent is not retained"),
                         help_text=READ_BY_APPLICANT),),
           events=((Event.LOI_DECLINED, applicant),)),
    Action("submit_application", _("The application was submitted."),
           label=_("Submit the application"), by=Performer.APPLICANT, perform=proposal_submit_application,
           events=((Event.APPLICATION_SUBMITTED, applicant), (Event.APPLICATION_RECEIVED, staff))),
    Action("request_changes", _("Changes were requested."), reason_for_applicant=True,
           label=_("Request changes"), perform=proposal_request_changes,
           fields=(Field("message", Kind.TEXT, _("Changes needed"), help_text=READ_BY_APPLICANT),
                   Field("due_at", Kind.LOCAL_DATETIME, _("Due"))),
           events=((Event.CHANGES_REQUESTED, applicant),)),
    Action("mark_ineligible", _("The application was found ineligible."), reason_for_applicant=True,
           label=_("Mark ineligible"), final=True, perform=proposal_mark_ineligible,
           fields=(Field("failed_checks", Kind.TEXT, _("Eligibility checks failed"), help_text=READ_BY_APPLICANT),),
           events=((Event.INELIGIBLE, applicant),)),
    Action("start_assessment", _("The assessment started."),
           label=_("Start the assessment"), perform=proposal_start_assessment,
           fields=(Field("reason", Kind.TEXT, _("Note (optional)"), required=False),),
           events=((Event.ASSESSMENT_STARTED, applicant),)),
    Action("complete_assessment", _("The assessment was completed."),
           label=_("Complete the assessment"), perform=proposal_complete_assessment,
           fields=(Field("reason", Kind.TEXT, _("Note (optional)"), required=False),),
           events=((Event.ASSESSMENT_COMPLETED, staff),)),
    Action("reopen_assessment", _("The assessment was reopened."),
           label=_("Reopen the assessment"), perform=proposal_reopen_assessment,
           fields=(Field("reason", Kind.TEXT, _("Reason for reopening")),)),
    Action("send_to_board", _("The proposal was sent to the board."),
           label=_("Send to the board"), perform=proposal_send_to_board,
           fields=(Field("meeting", Kind.MEETING, _("Board meeting")),
                   Field("reason", Kind.TEXT, _("Note (optional)"), required=False))),
    # The board's decisions tell nobody: the applicants hear of them when staff release them.
    Action("approve", _("The board approved the proposal."), reason_for_applicant=True,
           label=_("Approve"), by=Performer.BOARD, perform=proposal_approve,
           fields=(Field("amount", Kind.AMOUNT, _("Approved amount ($)")),
                   Field("rationale", Kind.TEXT, _("Rationale")),
                   Field("conditions", Kind.TEXT, _("Conditions of funding (optional)"), required=False))),
    Action("decline", _("The board decided not to fund the proposal."), reason_for_applicant=True,
           label=_("Decline to fund"), by=Performer.BOARD, final=True, perform=proposal_decline,
           fields=(Field("rationale", Kind.TEXT, _("Rationale"), help_text=READ_BY_APPLICANT),)),
    Action("withdraw", _("The proposal was withdrawn."), reason_for_applicant=True,
           label=_("Withdraw the proposal"), by=Performer.APPLICANT, final=True, perform=proposal_withdraw,
           fields=(Field("reason", Kind.TEXT, _("Why you withdraw")),),
           events=((Event.WITHDRAWN, applicant_and_staff),)),
    Action("expire", _("The proposal expired: its deadline passed before submission."),
           label=_("Expire"), by=Performer.SYSTEM, perform=proposal_expire,
           events=((Event.EXPIRED, applicant),)),
    Action(EXTEND_DEADLINE, _("The deadline was extended."), reason_for_applicant=True,
           label=_("Extend the deadline"), perform=proposal_extend_deadline, transition=False,
           fields=(Field("until", Kind.LOCAL_DATETIME, _("New deadline")),
                   Field("reason", Kind.TEXT, _("Reason for the extension"), help_text=READ_BY_APPLICANT)),
           initial=_current_deadline, events=((Event.EXTENSION_GRANTED, applicant),)),
    # After the decision: the funded project (docs/projects.md).
    Action("start_contracting", _("Contracting started: the agreements were drafted to sign."),
           label=_("Start contracting"), perform=proposal_start_contracting,
           events=((Event.PROJECT_CONTRACTING, applicant_and_staff),)),
    Action("activate", _("The project started: every partner signed the agreements."),
           label=_("Start the project"), perform=proposal_activate,
           fields=(Field("reason", Kind.TEXT, _("Note (optional)"), required=False),),
           events=((Event.PROJECT_ACTIVE, applicant_and_staff),)),
    Action("start_closing", _("The project is closing: its final claim and final report are due."),
           reason_for_applicant=True, label=_("Start closing the project"), perform=proposal_start_closing,
           fields=(Field("reason", Kind.TEXT, _("Note to the applicant (optional)"), required=False),),
           events=((Event.PROJECT_CLOSING, applicant_and_staff),)),
    Action("close", _("The project was closed."), reason_for_applicant=True,
           label=_("Close the project"), final=True, perform=proposal_close,
           fields=(Field("reason", Kind.TEXT, _("Note to the applicant (optional)"), required=False),),
           events=((Event.PROJECT_CLOSED, applicant_and_staff),)),
    Action("terminate", _("The project was terminated."), reason_for_applicant=True,
           label=_("Terminate the project"), final=True, perform=proposal_terminate,
           fields=(Field("reason", Kind.TEXT, _("Reason the project is terminated"), help_text=READ_BY_APPLICANT),),
           events=((Event.PROJECT_TERMINATED, applicant_and_staff),)),
)
# fmt: on

#: The steps audited on a proposal besides the actions; their writers name them from here.
OVERRIDE = Step(OVERRIDE_ELIGIBILITY, _("Program staff set aside a failed eligibility check."))
OVERRIDE_REVOKED = Step(REVOKE_OVERRIDE, _("Program staff revoked an eligibility override."))
OVERRIDE_LAPSE = Step(
    OVERRIDE_LAPSED, _("An eligibility override lapsed: the figure it set aside changed, so the check counts again.")
)
REOPEN_REVIEW = Step("reopen_review", _("A submitted review was reopened for its assessor to revise."))
SET_ASIDE_REVIEW = Step(
    "set_aside_review", _("A submitted review was set aside: its assessor has a conflict of interest.")
)
OUTAGE_EXTENSION = Step("outage_extension", _("The deadline was extended because of a service outage."))
LEGAL_HOLD = Step("legal_hold", _("Program staff placed the proposal under a legal hold."))
LEGAL_HOLD_LIFT = Step("legal_hold_lift", _("Program staff lifted the proposal's legal hold."))
DISPOSE = Step("dispose", _("The proposal's content was disposed of under the retention policy."))
RULES_CHANGED = Step(
    CALL_RULES_CHANGE, _("The call's rules changed; this proposal keeps the rules in force when it was submitted.")
)
RULES_APPLIED = Step(
    APPLY_CALL_RULES, _("Program staff applied the call's current rules to this proposal, in place of its frozen ones.")
)
QUESTION_CHANGE = Step(
    QUESTION_CHANGE_NAME, _("Program staff changed a question of the call after this proposal was submitted.")
)
# The funded project's agreements and amendments (docs/projects.md).
SIGNATORY_NAMED = Step(project_signing.SIGNATORY_NAMED, _("A partner's signatory was named."))
AGREEMENT_SIGNED = Step(project_signing.AGREEMENT_SIGNED, _("A partner signed an agreement."))
AMENDMENT_REQUESTED = Step(project_amendments.AMENDMENT_REQUESTED, _("An amendment of the project was requested."))
AMENDMENT_APPROVED = Step(
    project_amendments.AMENDMENT_APPROVED,
    _("Program staff approved an amendment: new versions of the agreements were drafted to sign."),
    reason_for_applicant=True,
)
AMENDMENT_REFUSED = Step(
    project_amendments.AMENDMENT_REFUSED, _("Program staff refused an amendment."), reason_for_applicant=True
)
AMENDMENT_WITHDRAWN = Step(project_amendments.AMENDMENT_WITHDRAWN, _("An amendment request was withdrawn."))
PROJECT_STEPS = (
    SIGNATORY_NAMED, AGREEMENT_SIGNED, AMENDMENT_REQUESTED, AMENDMENT_APPROVED, AMENDMENT_REFUSED, AMENDMENT_WITHDRAWN,
)  # fmt: skip
# A partner's claims, audited on the project's proposal (docs/claims.md; ``workflow.claims``).
CLAIM_CREATE = Step("claim_create", _("A partner started a claim."))
CLAIM_SUBMIT = Step("claim_submit", _("A partner submitted a claim for review."))
CLAIM_CHANGES = Step(
    "claim_request_changes", _("Program staff requested changes on a claim."), reason_for_applicant=True
)
CLAIM_APPROVE = Step("claim_approve", _("Program staff approved a claim."), reason_for_applicant=True)
CLAIM_REJECT = Step("claim_reject", _("Program staff rejected a claim."), reason_for_applicant=True)
CLAIM_PAY = Step("claim_pay", _("Program staff recorded a payment of a claim."))
CLAIM_STEPS = (CLAIM_CREATE, CLAIM_SUBMIT, CLAIM_CHANGES, CLAIM_APPROVE, CLAIM_REJECT, CLAIM_PAY)
# The funded project's milestones and reports (workflow.project_reports; docs/reports.md).
MILESTONE_DONE = Step("milestone_done", _("The project marked a milestone done, with its evidence."))
MILESTONE_ACCEPT = Step("milestone_accept", _("Program staff accepted a milestone."), reason_for_applicant=True)
MILESTONE_SEND_BACK = Step(
    "milestone_send_back", _("Program staff sent a milestone back to the project."), reason_for_applicant=True
)
REPORT_SUBMIT = Step("report_submit", _("The project submitted a report."))
REPORT_ACCEPT = Step("report_accept", _("Program staff accepted a report of the project."), reason_for_applicant=True)
REPORT_CHANGES = Step(
    "report_request_changes", _("Program staff requested changes to a report of the project."),
    reason_for_applicant=True,
)  # fmt: skip
IP_REVIEWED = Step(IP_REVIEW_RECORD, _("The program's IP manager recorded the IP review of the application."))
IP_CONFLICT = Step(
    IP_CONFLICT_DECLARE,
    _("The program's IP manager declared a conflict of interest: program staff arrange the IP review."),
)
STEPS: tuple[Step, ...] = (
    OVERRIDE, OVERRIDE_REVOKED, OVERRIDE_LAPSE, REOPEN_REVIEW, SET_ASIDE_REVIEW, OUTAGE_EXTENSION, LEGAL_HOLD,
    LEGAL_HOLD_LIFT, DISPOSE, RULES_CHANGED, RULES_APPLIED, QUESTION_CHANGE, *PROJECT_STEPS, *CLAIM_STEPS,
    MILESTONE_DONE, MILESTONE_ACCEPT, MILESTONE_SEND_BACK, REPORT_SUBMIT, REPORT_ACCEPT, REPORT_CHANGES, IP_REVIEWED,
    IP_CONFLICT,
)  # fmt: skip

#: Every action by its name.
ACTION: dict[str, Action] = {action.name: action for action in ACTIONS}
#: Everything audited on a proposal, by its audit records' action.
AUDITED: dict[str, Step] = {**ACTION, **{step.name: step for step in STEPS}}


#: How the history tells the early stages' steps where a record names its stage (submitted, declined at, invited to).
_DONE_AT: dict[tuple[str, str], Promise] = {
    ("submit_loi", VersionKind.QUESTIONNAIRE): _("The eligibility questionnaire was submitted."),
    ("decline_loi", VersionKind.QUESTIONNAIRE): _("The proposal was not retained at the eligibility questionnaire."),
    ("invite", VersionKind.LOI): _("The consortium was invited to submit a letter of intent."),
}


def history_text(name: str, data: dict[str, Any] | None = None) -> str:
    """Say how the history tells the audit record of ``name`` (with its ``data``); an unknown name is shown as it is.

    A record that names its stage reads as that stage's step: a questionnaire's submission is not
    a letter of intent's. Records written before they named it read as the two-stage path's.
    """
    stage = (data or {}).get("stage", "")
    done_at, done = _history_texts()
    found = done_at.get((name, stage))
    return found if found is not None else done.get(name, name)


@per_language
def _history_texts() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """What the history says of each step, in the active language: where a record names its stage, and otherwise."""
    return (
        {key: str(text) for key, text in _DONE_AT.items()},
        {name: str(step.done) for name, step in AUDITED.items()},
    )


def history_details(data: dict[str, Any] | None, *, zone: str) -> list[str]:
    """Say in sentences, in the active language, what an audit record's ``data`` tells a reader of the history.

    Dates read in the call's timezone ``zone`` (named), amounts and figures as the language
    writes them. What only the code reads (ids, the stage the text already names, rules before
    and after) is not shown.
    """
    data = data or {}
    said: list[str] = []
    if data.get("board_meeting_at"):
        said.append(_("Board meeting of %(when)s.") % {"when": formatting.moment_in(data["board_meeting_at"], zone)})
    if data.get("due_at"):
        said.append(_("Due %(when)s.") % {"when": formatting.moment_in(data["due_at"], zone)})
    if data.get("from") and data.get("until"):
        said.append(
            _("The deadline moved from %(from)s to %(until)s.")
            % {"from": formatting.moment_in(data["from"], zone), "until": formatting.moment_in(data["until"], zone)}
        )
    elif data.get("until"):
        said.append(_("New deadline: %(when)s.") % {"when": formatting.moment_in(data["until"], zone)})
    if data.get("held_since"):
        said.append(_("Held since %(when)s.") % {"when": formatting.moment_in(data["held_since"], zone)})
    if data.get("amount"):
        said.append(_("Amount approved: %(amount)s.") % {"amount": formatting.money(Decimal(data["amount"]), 2)})
    if str(data.get("conditions") or "").strip():
        said.append(_("Conditions of funding: %(conditions)s") % {"conditions": data["conditions"].strip()})
    votes = data.get("votes")
    if isinstance(votes, dict):
        said.append(
            _("Votes: %(approve)s to approve, %(decline)s to decline, %(abstain)s abstaining.")
            % {choice: votes.get(choice, 0) for choice in ("approve", "decline", "abstain")}
        )
    if data.get("message"):  # the check's own explanation, naming it
        said.append(str(data["message"]))
    if data.get("check"):
        said.append(
            _("Figure %(figure)s against the limit %(limit)s.")
            % {
                "figure": formatting.canonical_shown(str(data.get("figure") or "")),
                "limit": formatting.canonical_shown(str(data.get("limit") or "")),
            }
        )
    if data.get("now_figure") is not None and data.get("check"):
        said.append(
            _("Now %(figure)s against %(limit)s.")
            % {
                "figure": formatting.canonical_shown(str(data.get("now_figure") or "")),
                "limit": formatting.canonical_shown(str(data.get("now_limit") or "")),
            }
        )
    if data.get("label"):
        said.append(_("Question: %(label)s") % {"label": data["label"]})
    if data.get("version") and "before" in data:
        said.append(_("Rules of version %(version)s.") % {"version": data["version"]})
    return said


def reason_for_applicant(name: str) -> bool:
    """Say whether the reason of an audit record of ``name`` is written for the applicant."""
    step = AUDITED.get(name)
    return step is not None and step.reason_for_applicant
