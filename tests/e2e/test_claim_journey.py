"""A claim in the browser: a partner's person claims a quarter with evidence, staff send it back, the partner
fixes it (replacing a receipt), staff approve it and record its payment, and the project's page shows what
was paid.

Factories make what exists before: an active project started 200 days ago (its first quarter
ended), $1,000,000 from the cluster on $4,000,000 of approved eligible costs (a quarter), a person of
its lead partner and staff of its program (who pass their second factor as they sign in).
Everything after goes through the pages, each checked by axe.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from projects.models import Claim, ClaimState, Project
from tests.e2e.harness import Journal, Visitor
from tests.e2e.review_steps import Person, click_to, from_staff_home, money, says, sign_in
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.intake.samples import MINIMAL_PDF

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload


def active_project() -> tuple[Project, User, User]:
    """Return an active project whose first quarter has ended, a person of its lead partner, and its staff."""
    project = cast(Project, ProjectFactory(started_on=timezone.localdate() - timedelta(days=200)))
    lead = project.partners.select_related("organization").get(is_lead=True)
    person = cast(User, UserFactory(email="paul@example.com", display_name="Paul Partner"))
    MembershipFactory(user=person, organization=lead.organization)
    staff = cast(User, UserFactory(role=Role.STAFF, email="sid@example.com", display_name="Sid Staff"))
    return project, person, staff


def pdf(name: str) -> FilePayload:
    """Return a small PDF as the file chooser gets it."""
    return {"name": name, "mimeType": "application/pdf", "buffer": MINIMAL_PDF}


def costs_save(partner: Visitor, *, cash: str, in_kind: str, step: str) -> None:
    """Type the labour's cash and in kind in the claim's costs table and compute."""
    page = partner.page
    page.get_by_label("Labour: cash ($)").fill(cash)
    page.get_by_label("Labour: in kind ($)").fill(in_kind)
    click_to(partner, page.get_by_role("button", name="Save the costs and compute"), step)
    says(partner, "The costs are saved; the figures below are computed again.")


def test_partner_claims_staff_send_back_approve_and_pay_the_project_shows_it(
    visitor: Callable[..., Visitor], journal: Journal
) -> None:
    project, person, staff_user = active_project()
    partner = Person(person, visitor("partner"))
    staff = Person(staff_user, visitor("staff"))
    sign_in(partner)
    sign_in(staff)
    claims_url = f"/projects/{project.pk}/claims/"

    # The partner's person starts the first quarter's claim, enters its costs and uploads a receipt.
    partner.visitor.go(claims_url)
    partner.visitor.arrive("claims")
    says(partner.visitor, "No claim yet.")
    page = partner.visitor.page
    page.get_by_label("Period").fill("1")
    click_to(partner.visitor, page.get_by_role("button", name="Start the claim"), "claim started")
    claim = Claim.objects.get(project=project)
    claim_url = f"/projects/{project.pk}/claims/{claim.pk}/"
    assert partner.visitor.path == claim_url
    costs_save(partner.visitor, cash="30000.00", in_kind="10000.00", step="costs saved")
    page.get_by_label("Type of document").select_option("receipt")
    page.get_by_label("File").set_input_files(files=pdf("receipt-q1.pdf"))
    click_to(partner.visitor, page.get_by_role("button", name="Upload"), "receipt uploaded")
    says(partner.visitor, "receipt-q1.pdf")
    click_to(partner.visitor, page.get_by_role("button", name="Submit the claim"), "claim submitted")
    says(partner.visitor, "Submitted, awaiting review")

    # Staff find it from their home in their program's queue and ask for a change.
    from_staff_home(staff.visitor, "1 claim to review", "queue")
    click_to(staff.visitor, staff.visitor.page.get_by_role("link", name=project.proposal.title), "claim to review")
    staff_page = staff.visitor.page
    says(staff.visitor, "$10,000.00")  # 25 % of the 40,000 claimed, computed
    staff_page.get_by_label("Changes needed").fill("The in-kind labour needs its timesheet; 2,000 more cash is due.")
    click_to(staff.visitor, staff_page.get_by_role("button", name="Request changes"), "changes requested")
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.CHANGES_REQUESTED

    # The partner reads the message, fixes the costs, adds the timesheet and submits again.
    partner.visitor.go(claim_url)
    partner.visitor.arrive("claim sent back")
    says(partner.visitor, "The in-kind labour needs its timesheet")
    costs_save(partner.visitor, cash="32000.00", in_kind="10000.00", step="costs fixed")
    click_to(partner.visitor, page.get_by_role("link", name="Remove receipt-q1.pdf"), "remove the receipt")
    says(partner.visitor, "Remove “receipt-q1.pdf” (Receipt or invoice)")
    click_to(partner.visitor, page.get_by_role("button", name="Remove the document"), "receipt removed")
    says(partner.visitor, "“receipt-q1.pdf” is removed from the claim's evidence.")
    assert partner.visitor.path == claim_url
    page.get_by_label("Type of document").select_option("receipt")
    page.get_by_label("File").set_input_files(files=pdf("receipts-q1.pdf"))
    click_to(partner.visitor, page.get_by_role("button", name="Upload"), "receipts uploaded")
    page.get_by_label("Type of document").select_option("timesheet")
    page.get_by_label("File").set_input_files(files=pdf("timesheets-q1.pdf"))
    click_to(partner.visitor, page.get_by_role("button", name="Upload"), "timesheet uploaded")
    click_to(partner.visitor, page.get_by_role("button", name="Submit the claim"), "claim resubmitted")
    assert sorted(Claim.objects.get(pk=claim.pk).evidence.values_list("original_name", flat=True)) == [
        "receipts-q1.pdf",
        "timesheets-q1.pdf",
    ]
    says(partner.visitor, "Submitted, awaiting review")

    # Staff approve the computed payable and record its payment, the amount and date as offered.
    from_staff_home(staff.visitor, "1 claim to review", "queue again")
    click_to(staff.visitor, staff.visitor.page.get_by_role("link", name=project.proposal.title), "claim resubmitted")
    says(staff.visitor, "$10,500.00")  # 25 % of 42,000
    click_to(staff.visitor, staff_page.get_by_role("button", name="Approve"), "claim approved")
    approved = Claim.objects.get(pk=claim.pk)
    assert approved.state == ClaimState.APPROVED
    # 10,500 less the project's holdback.
    assert approved.approved_amount == Decimal("10500.00") * (1 - project.holdback_percent / 100)
    assert money(staff_page.get_by_label("Amount paid ($)").input_value()) == approved.approved_amount
    click_to(staff.visitor, staff_page.get_by_role("button", name="Record the payment"), "payment recorded")
    says(staff.visitor, "The payment is recorded.")
    says(staff.visitor, f"${approved.approved_amount:,.2f} paid on")  # the payment's own record
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.PAID

    # The partner's project page shows what was paid.
    partner.visitor.go(f"/projects/{project.pk}/")
    partner.visitor.arrive("project paid")
    paid = f"${approved.approved_amount:,.2f}"
    says(partner.visitor, f"Paid to date {paid}")
    partner.visitor.go(claims_url)
    partner.visitor.arrive("claims paid")
    says(partner.visitor, "Paid")

    shots = sorted(path.name for path in journal.folder.glob("*.png"))
    assert shots[0] == "001-partner-login.png"
    assert len(shots) >= 20
