"""Intake, from a call to a submitted application, walked through the pages as people would, in one story.

A new user signs up as an applicant, adds the organization they work for, writes a letter
of intent and submits it; staff invite it; the applicant builds a consortium of four (one
partner created on the spot), enters a budget that misses the industry matching rule, is
told so and refused, corrects the budget, attaches the call's documents and submits;
staff then read the eligibility checks and the frozen version, and the applicant's inbox
holds the notifications.

Everything goes through HTTP, with ``tests.browser``: each form is read from the page that
shows it and posted back with only the fields a person would fill. Factories make
only what exists before the story: the program and its call, the staff member and the
organizations already registered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape
from typing import Any, cast

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from accounts.choices import OrganizationType, Role
from accounts.models import User
from config.celery import app as celery_app
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.browser import follow, forms_of, submit, text_of
from tests.conftest import client_for
from tests.factories import PASSWORD, CallFactory, OrganizationFactory, ProgramFactory, UserFactory
from tests.intake import samples

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LEAD = "Prairie Sensors Inc."
LARGE_COMPANY = "Maple Motors Ltd."
UNIVERSITY = "University of the North"
NEW_SME = "Lakeshore Analytics Inc."
TITLE = "A shared testbed for connected farm machinery"


def check_row(response: Any, code: str) -> str:
    """Return the text of the eligibility table's row of check ``code``."""
    match = re.search(rf'<tr id="check-{code}">(.*?)</tr>', response.content.decode(), flags=re.S)
    assert match, f"no row for the check {code}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


# --- The story's cast: what exists before the applicant arrives ---------------------------------


@pytest.fixture
def call() -> Call:
    program = ProgramFactory(name_en="Digital Technology Supercluster")
    return cast(
        Call,
        CallFactory(
            program=program,
            title_en="Technology leadership projects",
            required_attachments=["project_plan", "letters_of_support"],
        ),
    )


@pytest.fixture
def staff() -> User:
    return cast(User, UserFactory(role=Role.STAFF, email="sam@example.com", display_name="Sam Staff"))


@pytest.fixture
def registered_organizations() -> None:
    OrganizationFactory(legal_name=LARGE_COMPANY, kind=OrganizationType.LARGE_COMPANY, employee_count=2300)
    OrganizationFactory(legal_name=UNIVERSITY, kind=OrganizationType.POST_SECONDARY, employee_count=4100)


# --- The steps ----------------------------------------------------------------------------------


def sign_up(client: Client) -> None:
    page = client.get(reverse("accounts:signup"))
    celery_app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            sent = submit(
                client,
                page,
                values={"email": "pat@prairiesensors.ca", "display_name": "Pat Prairie", "preferred_language": "en"},
            )
    finally:
        celery_app.conf.task_always_eager = False
    assert sent.url == reverse("accounts:signup_sent")
    assert "Check your email" in text_of(follow(client, sent))
    (link,) = re.findall(r"https?://[^/\s]+(/accounts/signup/[^/\s]+/)", mail.outbox[-1].body)
    done = submit(client, client.get(link), values={"password1": PASSWORD, "password2": PASSWORD})
    assert done.url == reverse("accounts:organizations")
    organizations = follow(client, submit(client, client.get(done.url), button="create", values={
        "new-legal_name": LEAD,
        "new-kind": OrganizationType.SME,
        "new-employee_count": "38",
        "new-country": "CA",
        "new-province": "SK",
        "new-title": "Chief executive",
    }))  # fmt: skip
    assert f"{LEAD} is created and you are its member." in text_of(organizations)


def write_and_submit_loi(client: Client, call: Call) -> Proposal:
    call_page = client.get(reverse("intake:call_detail", args=[call.pk]))
    new_url = reverse("intake:proposal_create", args=[call.pk])
    assert new_url in call_page.content.decode()
    created = submit(
        client,
        client.get(new_url),
        choose={"lead_organization": LEAD},
        values={
            "title": TITLE,
            "summary": "Four partners build a testbed where farm machinery makers try connected sensors in the field.",
            "challenge": "Makers cannot test connected sensors on real machinery without a season of field trials.",
            "technology": "Ruggedized sensors, an edge gateway and a shared data platform.",
            "expected_partners": "A large equipment maker, a university and a data-analytics SME.",
            "estimated_total_cost": "3,000,000",
            "estimated_funding_requested": "1,000,000",
        },
    )
    proposal = Proposal.objects.get(title=TITLE)
    page = follow(client, created)
    assert page.request["PATH_INFO"] == reverse("intake:proposal_detail", args=[proposal.pk])

    submitted = follow(client, submit(client, page, action=_act(proposal, "submit_loi")))
    assert "The proposal is now “Letter of intent submitted”." in text_of(submitted)
    return proposal


def invite(staff_client: Client, proposal: Proposal) -> None:
    page = staff_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))
    assert TITLE in text_of(page)
    invited = follow(
        staff_client,
        submit(staff_client, page, action=_act(proposal, "invite"), values={"invite-reason": "A strong consortium."}),
    )
    assert "The proposal is now “Invited to apply”." in text_of(invited)


def describe(client: Client, proposal: Proposal) -> None:
    """Save the description and work plan with one milestone, then add a second in the empty row offered."""
    url = reverse("intake:application_description", args=[proposal.pk])
    texts = {
        "project_description": "Makers, a university and an analytics SME build and share a field testbed.",
        "work_plan": "Year one: build the sensors and gateway. Year two: field trials with the makers.",
    }
    first = {"milestones-0-title": "Sensors on the first machine", "milestones-0-month": "9"}
    saved = follow(client, submit(client, client.get(url), values={**texts, **first}))
    assert "This section is saved." in text_of(saved)
    second = {"milestones-1-title": "Field trials reported", "milestones-1-description": "A report.",
              "milestones-1-month": "20"}  # fmt: skip
    saved = follow(client, submit(client, saved, values=second))
    assert "This section is saved." in text_of(saved)


def build_consortium(client: Client, proposal: Proposal) -> None:
    """Add two registered organizations and create a third, then enter everyone's contributions."""
    url = reverse("intake:application_consortium", args=[proposal.pk])
    add = reverse("intake:member_add", args=[proposal.pk])
    for name in (LARGE_COMPANY, UNIVERSITY):
        page = follow(client, submit(client, client.get(url), action=add, choose={"add-organization": name}))
        assert "The partner is added." in text_of(page)
    created = submit(
        client,
        client.get(url),
        action=reverse("intake:member_create", args=[proposal.pk]),
        choose={"new-country": "Canada"},
        values={"new-legal_name": NEW_SME, "new-kind": OrganizationType.SME, "new-employee_count": "12",
                "new-province": "NS"},
    )  # fmt: skip
    page = follow(client, created)
    assert "The organization is created and added as a partner." in text_of(page)
    # The industry contribution is 1,150,000, of which 250,000 in kind.
    contributions = {
        LEAD: ("300,000", "100,000"),
        LARGE_COMPANY: ("500,000", "100,000"),
        UNIVERSITY: ("0", "50,000"),  # zero is typed: an empty cell is a contribution not given yet
        NEW_SME: ("100,000", "0"),
    }
    values = {}
    for name, (cash, in_kind) in contributions.items():
        values[f"Cash contribution of {name}"] = cash
        values[f"In-kind contribution of {name}"] = in_kind
    page = follow(client, submit(client, page, values=values))
    assert "The contributions are saved." in text_of(page)


def enter_budget(client: Client, proposal: Proposal, funding: Mapping[str, str]) -> Any:
    """Enter the eligible costs (3,000,000 in all) and the funding each partner requests."""
    costs = {
        f"Labour costs of {LEAD}": "1,200,000",
        f"Equipment costs of {LARGE_COMPANY}": "1,000,000",
        f"Labour costs of {UNIVERSITY}": "300,000",
        f"Materials costs of {NEW_SME}": "500,000",
    }
    requested = {f"Funding requested by {name}": amount for name, amount in funding.items()}
    url = reverse("intake:application_budget", args=[proposal.pk])
    page = follow(client, submit(client, client.get(url), values={**costs, **requested}))
    assert "The budget is saved." in text_of(page)
    return page


def plan_ip(client: Client, proposal: Proposal) -> None:
    url = reverse("intake:application_ip", args=[proposal.pk])
    background = {f"Background IP of {LEAD}": "A patented soil-moisture probe.",
                  f"Background IP of {LARGE_COMPANY}": "The machines' control bus.",
                  f"Background IP of {UNIVERSITY}": "none", f"Background IP of {NEW_SME}": "none"}  # fmt: skip
    saved = submit(
        client,
        client.get(url),
        choose={"foreground-0-owner": "Joint ownership"},
        values={
            **background,
            "foreground-0-kind": "software",
            "foreground-0-description": "The gateway's firmware and the data platform.",
            "ip_ownership_terms": "The partners own jointly what they create together.",
            "ip_partner_licensing": "Royalty-free among the partners for the project.",
            "ip_member_licensing": "On fair and reasonable terms for cluster members.",
        },
    )
    assert "This section is saved." in text_of(follow(client, saved))


def expect_outcomes(client: Client, proposal: Proposal) -> None:
    url = reverse("intake:application_outcomes", args=[proposal.pk])
    values = {"jobs_during": "12", "jobs_after": "40", "revenue_during": "0", "revenue_after": "8,000,000",
              "ip_rights_during": "1", "ip_rights_after": "3",
              "smes_scaled_during": "2", "smes_scaled_after": "3"}  # fmt: skip
    assert "This section is saved." in text_of(follow(client, submit(client, client.get(url), values=values)))


def attach(client: Client, proposal: Proposal) -> None:
    url = reverse("intake:application_attachments", args=[proposal.pk])
    for kind, name in (("Project plan", "project plan.pdf"), ("Letters of support", "letters.pdf")):
        page = client.get(url)
        form = next(f for f in forms_of(page) if "file" in f.files)
        data = {
            **form.fields,
            "kind": form.choice("kind", f"{kind} (required by the call)"),
            "file": SimpleUploadedFile(name, samples.MINIMAL_PDF),
        }
        assert client.post(url, data).status_code == 302
    page = client.get(url)
    assert "project plan.pdf" in text_of(page)
    assert "letters.pdf" in text_of(page)


def _act(proposal: Proposal, action: str) -> str:
    return reverse("workflow:proposal_act", args=[proposal.pk, action])


# --- The story ----------------------------------------------------------------------------------


def test_applicant_intake_from_sign_up_to_staff_reading_the_frozen_application(
    call: Call, staff: User, registered_organizations: None
) -> None:
    applicant = Client()
    sign_up(applicant)
    assert User.objects.get(email="pat@prairiesensors.ca").roles == frozenset({Role.APPLICANT})

    proposal = write_and_submit_loi(applicant, call)
    staff_client = client_for(staff)
    invite(staff_client, proposal)

    describe(applicant, proposal)
    build_consortium(applicant, proposal)
    # 1,180,000 asked of the cluster against 1,150,000 from industry: below one to one.
    enter_budget(applicant, proposal, {LEAD: "500,000", LARGE_COMPANY: "430,000", NEW_SME: "250,000"})
    plan_ip(applicant, proposal)
    expect_outcomes(applicant, proposal)
    attach(applicant, proposal)

    overview = applicant.get(reverse("intake:application", args=[proposal.pk]))
    # Every section is filled in: what still stops the submission is a rule of the call, not a gap.
    assert "6 of 6 sections complete" in text_of(overview)
    assert "2 sections break the call's rules" in text_of(overview)
    assert "Every section is complete, but the application breaks the call's rules below" in text_of(overview)

    detail_url = reverse("intake:proposal_detail", args=[proposal.pk])
    page = applicant.get(detail_url)
    failing = (
        "Industry matching ratio ✗ Failed Industry contributes $1,150,000.00 for $1,180,000.00 from the cluster: "
        "0.97 to 1, below the 1.00 to 1 required"
    )
    assert check_row(page, "matching_ratio") == failing
    for code in ("min_partners", "min_smes", "funded_types", "cluster_share", "in_kind_cap", "partner_share",
                 "project_size", "word_limits", "attachments"):  # fmt: skip
        assert "✓ Passed" in check_row(page, code), check_row(page, code)

    refused = submit(applicant, page, action=_act(proposal, "submit_application"))
    assert refused.status_code == 409
    assert (
        "The proposal is not complete: it lacks Industry matching ratio: Industry contributes $1,150,000.00 for "
        "$1,180,000.00 from the cluster: 0.97 to 1, below the 1.00 to 1 required."
    ) in text_of(refused)
    assert applicant.get(detail_url).context["proposal"].state == ProposalState.INVITED

    # Asking 1,000,000 of the cluster brings industry's 1,150,000 above one to one.
    enter_budget(applicant, proposal, {LEAD: "450,000", LARGE_COMPANY: "350,000", NEW_SME: "200,000"})
    page = applicant.get(detail_url)
    assert check_row(page, "matching_ratio") == (
        "Industry matching ratio ✓ Passed Industry contributes $1,150,000.00 for $1,000,000.00 from the cluster: "
        "1.15 to 1, at least the 1.00 to 1 required"
    )
    assert "Failed" not in text_of(page)

    submitted = follow(applicant, submit(applicant, page, action=_act(proposal, "submit_application")))
    assert "The proposal is now “Application submitted”." in text_of(submitted)

    eligibility = staff_client.get(reverse("intake:eligibility", args=[proposal.pk]))
    assert eligibility.status_code == 200
    checks = text_of(eligibility)
    assert "The proposal is “Application submitted”." in checks
    assert f"3 organizations required, 4 found: {LEAD}, {LARGE_COMPANY}, {UNIVERSITY}, {NEW_SME}" in checks
    assert "1.15 to 1, at least the 1.00 to 1 required" in checks
    assert "Every required attachment is present: Project plan, Letters of support" in checks
    assert "Failed" not in checks
    assert "No failed check is left to override." in checks

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    version = proposal.versions.get(number=2)
    assert version.kind == "application"
    frozen = staff_client.get(reverse("intake:version_detail", args=[proposal.pk, 2]))
    sheet = text_of(frozen)
    assert frozen.status_code == 200
    assert "Version 2: Full application" in sheet
    for name in (LEAD, LARGE_COMPANY, UNIVERSITY, NEW_SME):
        assert name in sheet
    assert "$3,000,000.00" in sheet  # the eligible costs
    assert "$1,000,000.00" in sheet  # the funding requested, as corrected
    assert "Project plan: project plan.pdf" in sheet
    assert "Letters of support: letters.pdf" in sheet
    assert "Field trials reported" in sheet

    inbox = text_of(applicant.get(reverse("records:inbox")))
    assert "3 unread" in inbox
    for subject in ("Letter of intent received", "Invited to submit a full application", "Full application received"):
        assert f"Unread: {subject}: {TITLE}" in inbox
