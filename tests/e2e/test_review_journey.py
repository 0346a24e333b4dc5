"""Steps 3 and 4 alone, in the browser: a submitted application is assessed, decided and its letter read.

Factories and the lifecycle's own action make what exists before: the call, a lead
applicant whose invited proposal has its full application complete and submitted (so
its version is frozen as the applicant's submission freezes it), staff, three assessors
of the pool and three board members. Everything after goes through the pages; the full
journey (``test_full_journey``) starts from an applicant's registration instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from accounts.choices import Role
from accounts.models import User
from board.models import DecisionLetter
from intake.models import Proposal
from intake.states import ProposalState
from tests.e2e.harness import Journal, Visitor
from tests.e2e.review_steps import (
    Person,
    assessors_seed,
    board_seed,
    check_eligibility_and_assess,
    decide_and_tell,
    sign_in,
)
from tests.factories import CallFactory, ProgramFactory, ProposalFactory, UserFactory
from workflow import actions

TITLE = "Robotic weld inspection for shipyards"


def submitted_application() -> Proposal:
    """Return a proposal whose complete full application its lead applicant has just submitted."""
    call = CallFactory(
        program=ProgramFactory(name_en="Next Generation Manufacturing Canada"),
        title_en="Technology leadership projects",
    )
    lead = cast(User, UserFactory(role=Role.APPLICANT, email="ann@example.com", display_name="Ann Applicant"))
    proposal = cast(
        Proposal,
        ProposalFactory(
            call=call,
            state=ProposalState.INVITED,
            lead_applicant=lead,
            title=TITLE,
            summary="Shipyards and a vision SME inspect every weld as it is laid.",
            technology="Cameras and a vision system find flaws in hull seams.",
            keywords=["weld inspection"],
        ),
    )
    return actions.proposal_submit_application(proposal=proposal, by=lead)


def test_staff_assess_the_board_approves_and_the_applicant_reads_the_letter(
    visitor: Callable[..., Visitor], journal: Journal
) -> None:
    proposal = submitted_application()
    staff_user = cast(User, UserFactory(role=Role.STAFF, email="sam@example.com", display_name="Sam Staff"))
    assessors = [Person(user, visitor(user.display_name.split()[0].lower())) for user in
                 assessors_seed(keywords=["weld inspection"])]  # fmt: skip
    board = [Person(user, visitor(user.display_name.split()[0].lower())) for user in board_seed()]
    staff = Person(staff_user, visitor("staff"))
    applicant = Person(proposal.lead_applicant, visitor("applicant"))
    sign_in(staff)
    sign_in(applicant)

    reviewers = check_eligibility_and_assess(staff=staff.visitor, assessors=assessors, proposal_pk=proposal.pk)
    amount = decide_and_tell(staff=staff.visitor, board=board, applicant=applicant.visitor, proposal_pk=proposal.pk)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    assert proposal.approved_amount == amount
    assert len(reviewers) == 2
    assert DecisionLetter.objects.get(item__proposal=proposal).released_at is not None
    shots = sorted(path.name for path in journal.folder.glob("*.png"))
    assert shots[0] == "001-staff-login.png"
    assert len(shots) > 40
