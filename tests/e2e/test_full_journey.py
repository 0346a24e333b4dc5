"""The whole journey in the browser, from an applicant's sign-up to the decision letter they read.

1. A new person signs up, joins their organization, writes and submits a letter of intent.
2. Staff invite it; the applicant completes the full application (consortium, budget, IP
   plan, outcomes, attachments) and submits it.
3. Staff check its eligibility and start the assessment, run the optimal assignment; one
   assessor declares a conflict, two others declare none, accept and score it.
4. Staff plan a board meeting and send it there; a member declares a conflict, the others
   vote, the chair approves; staff release the letter; the applicant reads the inbox and
   the decision letter.

Factories make only who and what exists before: the program and its call, staff, the
organizations already registered, the assessors of the pool and the board's members.
Every page reached is shot, in order, under the artifacts folder and checked by axe-core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.models import Proposal
from intake.states import ProposalState
from records.events import Channel
from records.models import Notification
from tests.e2e import applicant_steps
from tests.e2e.harness import Journal, Visitor
from tests.e2e.review_steps import Person, assessors_seed, board_seed, check_eligibility_and_assess, decide_and_tell


def test_an_applicant_is_funded_from_sign_up_to_decision_letter(
    site: Any, visitor: Callable[..., Visitor], journal: Journal
) -> None:
    seeded = applicant_steps.seed_intake()
    assessors = [Person(user, visitor(user.display_name.split()[0].lower())) for user in
                 assessors_seed(keywords=["farm machinery"])]  # fmt: skip
    board = [Person(user, visitor(user.display_name.split()[0].lower())) for user in board_seed()]
    applicant, staff = visitor("applicant"), visitor("staff")

    # Steps 1 and 2: the letter of intent, the invitation and the full application.
    proposal_pk = applicant_steps.register_and_submit_loi(site, applicant, call_pk=seeded.call_pk)
    staff.login(seeded.staff_email, seeded.password)
    staff.arrive("signed-in")
    applicant_steps.invite_and_complete_application(site, staff, applicant, proposal_pk)
    assert Proposal.objects.get(pk=proposal_pk).state == ProposalState.SUBMITTED

    # Step 3: eligibility, assignment, conflicts and reviews.
    reviewers = check_eligibility_and_assess(staff=staff, assessors=assessors, proposal_pk=proposal_pk)
    assert Proposal.objects.get(pk=proposal_pk).state == ProposalState.ASSESSED

    # Step 4: the board's decision, the letter and the inbox.
    amount = decide_and_tell(staff=staff, board=board, applicant=applicant, proposal_pk=proposal_pk)

    proposal = Proposal.objects.get(pk=proposal_pk)
    assert (proposal.state, proposal.approved_amount) == (ProposalState.APPROVED, amount)
    assert len(reviewers) == 2
    # Every notification the applicant received on the way is read.
    received = Notification.objects.filter(recipient=proposal.lead_applicant, channel=Channel.INBOX)
    assert received.count() >= 5
    assert not received.filter(read_at__isnull=True).exists()
    shots = sorted(path.name for path in journal.folder.glob("*.png"))
    assert shots[0].startswith("001-applicant-")
    assert shots[-1].endswith("-applicant-decision.png")
