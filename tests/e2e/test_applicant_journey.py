"""The applicant's journey in the browser, in English: steps 1 and 2 of the issue, then the inbox.

A new person signs up, joins the organization they work for, writes and submits a letter of
intent; staff invite it; the applicant completes every section of the full application
(consortium, budget, IP plan, outcomes, attachments) and submits it, then reads in the inbox
the notifications each step sent. Every page reached is shot and checked by axe-core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from intake.models import Proposal
from intake.states import ProposalState
from tests.e2e import applicant_steps as steps
from tests.e2e.harness import Visitor, expect


def test_applicant_registers_submits_loi_and_after_invitation_the_full_application(
    site: Any, visitor: Callable[..., Visitor]
) -> None:
    seeded = steps.seed_intake()
    applicant, staff = visitor("applicant"), visitor("staff")

    proposal_pk = steps.register_and_submit_loi(site, applicant, call_pk=seeded.call_pk, mistakes=True)
    staff.login(seeded.staff_email, seeded.password)
    steps.invite_and_complete_application(site, staff, applicant, proposal_pk, mistakes=True)

    proposal = Proposal.objects.get(pk=proposal_pk)
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal.lead_applicant.email == steps.Applicant().email
    assert [version.kind for version in proposal.versions.order_by("number")] == ["loi", "application"]
    assert sorted(proposal.members.values_list("organization__legal_name", flat=True)) == sorted(steps.CONTRIBUTIONS)
    assert sorted(proposal.attachments.values_list("original_name", flat=True)) == ["letters.pdf", "project plan.pdf"]

    inbox = applicant.page.locator("header").get_by_role("link", name="Inbox (4 unread)")
    steps.press(applicant, inbox, "inbox")
    assert applicant.path == reverse("records:inbox")
    for subject in ("Letter of intent received", "Invited to submit a full application", "Full application received"):
        expect(applicant.page.locator("main").get_by_text(f"Unread: {subject}: {steps.TITLE}")).to_have_count(1)
    joined = f"Unread: You are now a member of {steps.LEAD}"
    expect(applicant.page.locator("main").get_by_text(joined)).to_have_count(1)
