"""The states of a proposal (a leaf: imports nothing of the project)."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Letter of intent in preparation")
    LOI_SUBMITTED = "loi_submitted", _("Letter of intent submitted")
    LOI_DECLINED = "loi_declined", _("Not invited")
    INVITED = "invited", _("Invited to apply")
    SUBMITTED = "submitted", _("Application submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    INELIGIBLE = "ineligible", _("Ineligible")
    IN_ASSESSMENT = "in_assessment", _("In assessment")
    ASSESSED = "assessed", _("Assessed")
    BOARD_REVIEW = "board_review", _("Before the board")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Not funded")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    # The funded project, after the board's approval (docs/projects.md).
    CONTRACTING = "contracting", _("Contracting")
    ACTIVE = "active", _("Active project")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")
    TERMINATED = "terminated", _("Terminated")


S = ProposalState

#: States nothing leaves.
FINAL_STATES = frozenset({S.LOI_DECLINED, S.INELIGIBLE, S.DECLINED, S.WITHDRAWN, S.EXPIRED, S.CLOSED, S.TERMINATED})
#: The funded project's states after approval: its agreements, claims and reports.
PROJECT_STATES = frozenset({S.CONTRACTING, S.ACTIVE, S.CLOSING, S.CLOSED, S.TERMINATED})
#: States whose approved amount the program has committed: approved and every project state. A terminated
#: project's commitment stays counted in its call's envelope: what it did not draw is not offered again.
FUNDED_STATES = frozenset({S.APPROVED, *PROJECT_STATES})
#: States in which the applicant may edit the draft.
EDITABLE_STATES = frozenset({S.DRAFT, S.INVITED, S.CHANGES_REQUESTED})
#: States from which the applicant may withdraw: every non-final state before approval.
WITHDRAWABLE_STATES = frozenset(set(S) - FINAL_STATES - FUNDED_STATES)
#: The board's decisions, confidential to the applicants until staff release the meeting's decisions.
DECIDED = (S.APPROVED, S.DECLINED)

#: What the applicant does next, in each state.
NEXT_STEP = {
    S.DRAFT: _("Complete your letter of intent and submit it before the deadline."),
    S.LOI_SUBMITTED: _("Program staff are screening your letter of intent. Nothing to do for now."),
    S.LOI_DECLINED: _("Your letter of intent was not retained. The reason is in the proposal's history."),
    S.INVITED: _("You are invited: prepare your full application and submit it before the deadline."),
    S.SUBMITTED: _("Program staff are checking the eligibility of your application."),
    S.CHANGES_REQUESTED: _(
        "Make the changes requested (see the proposal's history) and submit the application again before the due date."
    ),
    S.INELIGIBLE: _("Your application was found ineligible. The checks it failed are in the proposal's history."),
    S.IN_ASSESSMENT: _("Assessors are reviewing your application. Nothing to do for now."),
    S.ASSESSED: _("The assessment is complete. The proposal awaits the board."),
    S.BOARD_REVIEW: _("The board will decide on your proposal at its meeting."),
    S.APPROVED: _("Your proposal is approved. Program staff will contact you about the funding agreement."),
    S.DECLINED: _("Your proposal was not funded. The board's rationale is in the proposal's history."),
    S.WITHDRAWN: _("You withdrew this proposal."),
    S.EXPIRED: _("The deadline passed before the proposal was submitted."),
    S.CONTRACTING: _("Each partner's signatory signs the funding agreement and the IP agreement."),
    S.ACTIVE: _("The project is under way: claim its costs and report its progress each period."),
    S.CLOSING: _("Submit the final claim and the final report."),
    S.CLOSED: _("The project is closed."),
    S.TERMINATED: _("The project was terminated. The reason is in its history."),
}

#: What the applicant does next where it depends on the stage the proposal is at (the values of
#: ``intake.choices.VersionKind``): the words of ``NEXT_STEP`` fit the two-stage path alone.
STAGE_NEXT_STEP: dict[tuple[str, str], str | Promise] = {
    (S.DRAFT, "questionnaire"): _("Answer the eligibility questionnaire and submit it before the deadline."),
    (S.LOI_SUBMITTED, "questionnaire"): _(
        "Program staff are checking your eligibility questionnaire. Nothing to do for now."
    ),
    (S.INVITED, "loi"): _("You are invited: complete your letter of intent and submit it before the deadline."),
}


def next_step(state: str, stage: str) -> str:
    """Return what the applicant does next on a proposal in ``state`` at the stage of kind ``stage``."""
    return str(STAGE_NEXT_STEP.get((str(state), str(stage))) or NEXT_STEP.get(ProposalState(state), ""))
