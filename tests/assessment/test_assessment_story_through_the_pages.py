"""Assessment, from the rubric to the results, walked through the pages as people would, in one story.

Staff set the call's rubric (two assessors per proposal, more weight on the economy) and
invite three experts by email; each opens the emailed link, creates an account and
describes their expertise, one of them naming an affiliation with a consortium member of
one proposal. Staff compute the optimal assignment, which never pairs that expert with
that proposal, and accept it. The assessors declare: one declares a conflict, which
withdraws the assignment and tells staff, who assign a replacement by hand. The assessors
accept, save drafts, score every criterion and submit, never seeing each other's reviews;
each proposal moves to ``assessed`` when its last required review arrives. Staff read the
ranking with its flag and export every score.

Everything goes through HTTP with ``tests.browser``: each form is read from the page that
shows it and posted back with only the fields a person fills. Factories make only what
exists before the story: the program and its call, the staff member, and three proposals
already in assessment with their submitted versions.
"""

from __future__ import annotations

import csv
import re
from html import unescape
from io import StringIO
from typing import Any, cast

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.choices import OrganizationType, Role
from accounts.models import Organization, User
from accounts.tasks import send_email
from assessment.choices import AssignmentState, ReviewState
from assessment.models import Assignment
from assessment.services import pool as pool_services
from intake.models import Attachment, Call, ConsortiumMember, Proposal, ProposalVersion
from intake.states import ProposalState
from tests.browser import follow, forms_of, submit, text_of
from tests.conftest import client_for
from tests.factories import (
    PASSWORD,
    AttachmentFactory,
    CallFactory,
    OrganizationFactory,
    ProgramFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

WELDS = "Robotic weld inspection for shipyards"
FISH = "Acoustic counts of fish stocks"
CROPS = "Early detection of crop disease"
SEEDS = "Harbour Seeds Ltd."

# email, name, sectors, keywords, cap, affiliation. Expected affinities (10 a shared sector,
# 3 a keyword found): Ada 13 welds, 13 crops; Ben 13 fish, 10 crops; Cy 13 welds, 10 fish and
# a conflict with crops through Harbour Seeds. With two assessors each, crops can only have
# Ada and Ben, and the best plan adds Ada and Cy to welds and Ben and Cy to fish (72 in all).
EXPERTS = [
    ("ada@experts.example", "Ada Arsenault", ["advanced_manufacturing", "agri_food"],
     "weld inspection, plant pathology", "2", None),
    ("ben@experts.example", "Ben Bouchard", ["ocean", "agri_food"], "hydroacoustics", "3", None),
    ("cy@experts.example", "Cy Chen", ["advanced_manufacturing", "ocean"], "weld inspection", "2", SEEDS),
]  # fmt: skip


# --- Helpers to read what a page shows ------------------------------------------------------------


def rows_of(response: Any, *, after: str) -> list[list[str]]:
    """Return the text of each cell of each body row of the first table after the marker ``after``."""
    html = response.content.decode()
    start = html.index(after)
    table = html[start : html.index("</table>", start)]
    body = table[table.index("<tbody>") :]
    return [
        [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in re.findall(
            r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, flags=re.S)
    ]  # fmt: skip


class _EagerApp:
    """Run a task sent by name at once, as the worker would (the worker itself is tested elsewhere)."""

    @staticmethod
    def send_task(name: str, kwargs: dict[str, Any]) -> None:
        assert name == send_email.name
        send_email.apply(kwargs=kwargs).get()


# --- The cast: what exists before the story -------------------------------------------------------


@pytest.fixture
def call() -> Call:
    program = ProgramFactory(name_en="Next Generation Manufacturing Canada")
    # Reviews are due in 120 days.
    return cast(Call, CallFactory(program=program, title_en="Technology leadership projects"))


@pytest.fixture
def staff() -> User:
    return cast(User, UserFactory(role=Role.STAFF, email="sam@example.com", display_name="Sam Staff"))


def _in_assessment(call: Call, title: str, *, technology: str, summary: str, sectors: list[str],
                   keywords: list[str], partner: str = "") -> Proposal:  # fmt: skip
    """Return a proposal in assessment with its submitted full application, its documents and ``partner`` included."""
    proposal = cast(
        Proposal,
        ProposalFactory(
            call=call,
            state=ProposalState.IN_ASSESSMENT,
            title=title,
            summary=summary,
            technology=technology,
            sectors=sectors,
            keywords=keywords,
        ),
    )
    if partner:
        organization = cast(Organization, OrganizationFactory(legal_name=partner, kind=OrganizationType.SME))
        ConsortiumMember.objects.create(proposal=proposal, organization=organization)
    AttachmentFactory(proposal=proposal, kind="letters_of_support", original_name="Letters.pdf")
    version = cast(ProposalVersion, ProposalVersionFactory(proposal=proposal, kind="application"))
    version.attachments.set(Attachment.objects.filter(proposal=proposal))
    return proposal


@pytest.fixture
def proposals(call: Call) -> dict[str, Proposal]:
    return {
        "welds": _in_assessment(call, WELDS, technology="Cameras and a vision system find flaws in hull seams.",
                                summary="Shipyards and a vision SME inspect every weld as it is laid.",
                                sectors=["advanced_manufacturing"], keywords=["weld inspection"]),
        "fish": _in_assessment(call, FISH, technology="Hydrophones on buoys count fish by their sound.",
                               summary="Fishers and scientists count stocks without a net.",
                               sectors=["ocean"], keywords=["hydroacoustics"]),
        "crops": _in_assessment(call, CROPS, technology="Drone imagery spots blight before it spreads.",
                                summary="Growers and a seed company find blight weeks before it shows.",
                                sectors=["agri_food"], keywords=["plant pathology"], partner=SEEDS),
    }  # fmt: skip


def version_url(proposal: Proposal) -> str:
    """Return the link to the proposal's submitted full application."""
    return reverse("intake:version_detail", args=[proposal.pk, proposal.versions.get(kind="application").number])


# --- The steps ------------------------------------------------------------------------------------


def set_rubric(staff_client: Client, call: Call) -> None:
    """Two assessors per proposal, pass at 65, and the economy weighs three times each other criterion."""
    page = staff_client.get(reverse("assessment:rubric", args=[call.pk]))
    (form,) = (f for f in forms_of(page) if "assessors_per_proposal" in f.fields)
    assert (form.fields["assessors_per_proposal"], form.fields["criteria-0-name_en"]) == (
        "3",
        "Benefits to the economy",
    )
    saved = follow(
        staff_client,
        submit(
            staff_client,
            page,
            values={"assessors_per_proposal": "2", "pass_threshold": "65", "criteria-0-weight": "3"},
        ),
    )
    assert "The rubric is saved." in text_of(saved)
    form = next(f for f in forms_of(saved) if "assessors_per_proposal" in f.fields)
    assert (form.fields["assessors_per_proposal"], form.fields["pass_threshold"]) == ("2", "65.00")
    assert [form.fields[f"criteria-{i}-weight"] for i in range(5)] == ["3.00", "1.00", "1.00", "1.00", "1.00"]


def invite(staff_client: Client, email: str, monkeypatch: pytest.MonkeyPatch, capture: Any) -> str:
    """Invite the expert from the pool page; return the path of the link in the email they receive."""
    monkeypatch.setattr(pool_services, "current_app", _EagerApp)
    pool = staff_client.get(reverse("assessment:pool"))
    invite_url = reverse("assessment:pool_invite")
    assert invite_url in pool.content.decode()
    with capture(execute=True):
        sent = submit(staff_client, staff_client.get(invite_url), values={"email": email})
    assert f"The invitation is sent to {email}." in text_of(follow(staff_client, sent))
    message = mail.outbox[-1]
    assert message.to == [email]
    (path,) = re.findall(r"https?://[^/\s]+(/assessors/invitations/[^/\s]+/)", message.body)
    return path


def join_pool(link: str, expert: tuple[str, str, list[str], str, str, str | None]) -> Client:
    """Open the emailed link, create the account, and describe the expertise; return the signed-in browser."""
    email, name, sectors, keywords, cap, affiliation = expert
    browser = Client()
    page = browser.get(link)
    assert f"Your account's email address will be {email}." in text_of(page)
    profile = follow(
        browser,
        submit(
            browser,
            page,
            values={"display_name": name, "password1": PASSWORD, "password2": PASSWORD},
            choose={"preferred_language": "English"},
        ),
    )
    assert "Welcome to the assessor pool. Tell us what you know." in text_of(profile)
    choose = {"affiliations-0-organization": affiliation} if affiliation else {}
    values: dict[str, Any] = {"sectors": sectors, "keywords": keywords, "languages": ["en"],
                              "max_assignments_per_call": cap}  # fmt: skip
    if affiliation:
        values["affiliations-0-role"] = "Adviser to the board"
    saved = follow(browser, submit(browser, profile, button="save", values=values, choose=choose))
    assert "Your assessor profile is saved." in text_of(saved)
    return browser


def plan_and_accept(staff_client: Client, call: Call) -> list[list[str]]:
    """Compute the optimal assignment, read the plan shown, and accept it; return the plan's rows."""
    url = reverse("assessment:assignments", args=[call.pk])
    page = staff_client.get(url)
    assert "3 proposals in assessment; 6 assignments missing." in text_of(page)
    assert "by the rubric of the stage it is in: Full application 2." in text_of(page)
    computed = follow(
        staff_client, submit(staff_client, page, action=reverse("assessment:assignment_plan_compute", args=[call.pk]))
    )
    shown = text_of(computed)
    assert "The optimal assignment is computed. Check it, then accept or discard it." in shown
    assert "6 pairs, total affinity 72." in shown
    plan = [row[:3] for row in rows_of(computed, after='id="plan-heading"')]
    accept = next(f.action for f in forms_of(computed) if "/accept/" in f.action)
    accepted = follow(staff_client, submit(staff_client, computed, action=accept))
    assert "6 assignments offered; each assessor is told once." in text_of(accepted)
    assert "6 assignments missing" not in text_of(accepted)
    return plan


def assignment_of(browser: Client, title: str, step: str) -> str:
    """Return the link of the dashboard's next step (declare, respond or review) for ``title``."""
    dashboard = browser.get(reverse("assessment:dashboard"))
    assert dashboard.status_code == 200
    links = re.findall(rf'href="(/assessor/assignments/\d+/{step})"[^>]*>[^<]*<span class="visually-hidden">: '
                       rf"{re.escape(title)}</span>", dashboard.content.decode())  # fmt: skip
    assert len(links) == 1, (title, step, text_of(dashboard))
    return links[0]


def declare(browser: Client, title: str, *, conflict: str = "") -> Any:
    page = browser.get(assignment_of(browser, title, "declare/"))
    assert title in text_of(page)
    answer = {"answer": "conflict", "nature": conflict} if conflict else {"answer": "none"}
    return follow(browser, submit(browser, page, values=answer))


def accept(browser: Client, title: str) -> Any:
    """Accept the assignment of ``title``; return the review page it opens."""
    page = browser.get(assignment_of(browser, title, ""))
    review = follow(browser, submit(browser, page, values={"answer": "accept"}))
    assert "You accepted the assignment. You can now read the proposal and review it." in text_of(review)
    assert f"Review of “{title}”" in text_of(review)
    return review


def review(browser: Client, page: Any, scores: list[int], *, comment: str, draft: bool = False) -> Any:
    """Score each criterion of the review page with a comment, recommend, and submit (or save a draft)."""
    form = next(f for f in forms_of(page) if "submit" in f.buttons)
    criteria = [name for name in form.fields if name.startswith("score_")]
    assert len(criteria) == len(scores) == 5
    values: dict[str, Any] = {"recommendation": "fund", "confidence": "high"}
    for name, score in zip(criteria, scores, strict=True):
        values[name] = str(score)
        values[name.replace("score_", "comment_")] = f"{comment} ({score})"
    button = "save" if draft else "submit"
    done = follow(browser, submit(browser, page, button=button, values=values))
    expected = "Your draft is saved." if draft else "Your review is submitted. Thank you."
    assert expected in text_of(done)
    return done


def state_of(proposal: Proposal) -> str:
    proposal.refresh_from_db()
    return str(proposal.state)


# --- The story ------------------------------------------------------------------------------------

ECONOMY_STRONG = [5, 3, 3, 3, 3]  # 77.1 with the economy weighing 3, 68.0 with equal weights


def test_staff_set_a_rubric_invite_assessors_assign_optimally_and_read_the_ranked_results(
    call: Call,
    staff: User,
    proposals: dict[str, Proposal],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    welds, fish, crops = proposals["welds"], proposals["fish"], proposals["crops"]
    staff_client = client_for(staff)
    set_rubric(staff_client, call)

    browsers = {}
    for expert in EXPERTS:
        link = invite(staff_client, expert[0], monkeypatch, django_capture_on_commit_callbacks)
        browsers[expert[1]] = join_pool(link, expert)
    ada, ben, cy = (browsers[name] for name in ("Ada Arsenault", "Ben Bouchard", "Cy Chen"))
    assert User.objects.get(email="cy@experts.example").roles == frozenset({Role.ASSESSOR})
    pool = text_of(staff_client.get(reverse("assessment:pool")))
    for _email, name, *_rest in EXPERTS:
        assert name in pool

    plan = plan_and_accept(staff_client, call)
    assert sorted((title, name.split(" <")[0], affinity) for title, name, affinity in plan) == [
        (FISH, "Ben Bouchard", "13"),
        (FISH, "Cy Chen", "10"),
        (CROPS, "Ada Arsenault", "13"),
        (CROPS, "Ben Bouchard", "10"),
        (WELDS, "Ada Arsenault", "13"),
        (WELDS, "Cy Chen", "13"),
    ]
    # Cy, affiliated with the crops' seed company, can never read that proposal, whatever the link.
    crops_version = version_url(crops)
    letters = reverse("intake:attachment_download", args=[crops.attachments.get(original_name="Letters.pdf").pk])
    assert [cy.get(url).status_code for url in (crops_version, letters)] == [404, 404]

    # Ada declares no conflict on crops, but a conflict on welds: it is withdrawn and staff are told.
    declared = declare(ada, CROPS)
    assert "Thank you. Accept the assignment to read the proposal and review it, or decline it." in text_of(declared)
    assert declared.request["PATH_INFO"] == assignment_of(ada, CROPS, "")  # the assignment's answer, not the dashboard
    ada_crops = accept(ada, CROPS)
    assert letters in ada_crops.content.decode()  # the submitted documents are linked
    assert [ada.get(url).status_code for url in (crops_version, letters)] == [200, 200]
    told = declare(ada, WELDS, conflict="I advised the lead organization on its welding line last year.")
    assert "Your conflict of interest is recorded and the assignment withdrawn. Staff are told." in text_of(told)
    assert ada.get(version_url(welds)).status_code == 404
    inbox = text_of(staff_client.get(reverse("records:inbox")))
    assert f"Unread: Conflict of interest declared: {WELDS}" in inbox

    # Staff assign the only assessor left for welds by hand: Ben (Ada is conflicted, Cy assigned).
    per_proposal = reverse("assessment:assignment_proposal", args=[call.pk, welds.pk])
    page = staff_client.get(per_proposal)
    assert "1 assessor missing." in text_of(page)
    options = [text for f in forms_of(page) for value, text in f.options.get("assign-assessor", []) if value]
    assert options == ["Ben Bouchard <ben@experts.example> · affinity 0 · room for 1"]
    assigned = follow(staff_client, submit(staff_client, page, choose={"assign-assessor": options[0]}))
    assert "The assessor is assigned and told." in text_of(assigned)
    assert "0 assessors missing." in text_of(assigned)

    # Ada scores crops high and submits; one review of two leaves it in assessment.
    review(ada, ada_crops, [5, 5, 5, 5, 5], comment="Ada: the blight model is proven in the field")
    assert state_of(crops) == ProposalState.IN_ASSESSMENT
    assert "This rubric is locked" in text_of(staff_client.get(reverse("assessment:rubric", args=[call.pk])))

    # Ben declares and accepts his three; on crops he sees the proposal but not Ada's review.
    for title in (CROPS, FISH, WELDS):
        declare(ben, title)
    welds_letters = reverse("intake:attachment_download", args=[welds.attachments.get(original_name="Letters.pdf").pk])
    # The same links: Ben, who declared no conflict, reads them; Ada, who declared one, never does.
    assert [ben.get(url).status_code for url in (version_url(welds), welds_letters)] == [200, 200]
    assert [ada.get(url).status_code for url in (version_url(welds), welds_letters)] == [404, 404]
    ben_crops = accept(ben, CROPS)
    assert "Growers and a seed company find blight weeks before it shows." in text_of(ben_crops)
    assert "Ada: the blight model" not in ben_crops.content.decode()
    ada_assignment = Assignment.objects.get(proposal=crops, assessor__email="ada@experts.example")
    assert ben.get(reverse("assessment:review", args=[ada_assignment.pk])).status_code == 404
    draft = review(ben, ben_crops, [2, 2, 2, 2, 2], comment="Ben: the trials are too small", draft=True)
    assert state_of(crops) == ProposalState.IN_ASSESSMENT
    review(ben, draft, [2, 2, 2, 2, 2], comment="Ben: the trials are too small")
    assert state_of(crops) == ProposalState.ASSESSED
    review(ben, accept(ben, FISH), [3, 3, 3, 3, 3], comment="Ben: a sound method")
    review(ben, accept(ben, WELDS), ECONOMY_STRONG, comment="Ben: strong for the shipyards")
    assert state_of(welds) == ProposalState.IN_ASSESSMENT

    # Cy reviews welds and fish; each last review moves its proposal to assessed.
    for title in (WELDS, FISH):
        declare(cy, title)
    review(cy, accept(cy, FISH), [3, 3, 3, 3, 3], comment="Cy: fair")
    assert state_of(fish) == ProposalState.ASSESSED
    submitted = review(cy, accept(cy, WELDS), ECONOMY_STRONG, comment="Cy: strong for the shipyards")
    assert "Your review is submitted and can no longer be changed." in text_of(submitted)
    assert state_of(welds) == ProposalState.ASSESSED
    past = text_of(cy.get(reverse("assessment:dashboard")))
    assert "Nothing to do now." in past

    # Staff read the ranking: welds first thanks to the economy's weight, crops flagged.
    results = staff_client.get(reverse("assessment:results", args=[call.pk]))
    assert results.status_code == 200
    # Rank, title, reviews, the raw total, then (after the calibrated total and the chance) spread, result, flags.
    ranking = [(row[0], row[1], row[2], row[8], row[11], row[12], row[13]) for row in
               rows_of(results, after="<table")]  # fmt: skip
    assert ranking == [
        ("1", WELDS, "2 / 2", "77.1", "0.0", "Pass", ""),
        ("2", CROPS, "2 / 2", "70.0", "60.0", "Pass", "Outlier Ada Arsenault, Ben Bouchard"),
        ("3", FISH, "2 / 2", "60.0", "0.0", "Below the mark", ""),
    ]

    export = staff_client.get(reverse("assessment:results_csv", args=[call.pk]))
    assert export.status_code == 200
    assert export.streaming
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    everything = list(csv.reader(StringIO(b"".join(export.streaming_content).decode())))
    # The scores, then after a blank line the reliability table; each score row ends with its proposal's
    # calibration and chance (docs/decision-quality.md).
    lines = [line[:7] for line in everything[: everything.index([])]]
    assert lines[0] == ["proposal", "assessor", "criterion", "score", "comment", "recommendation", "confidence"]
    assert len(lines) == 1 + 6 * 5
    # Ordered by proposal, then review, then criterion: crops' first review is Ada's.
    assert lines[11:16] == [[CROPS, "Ada Arsenault", criterion, "5", "Ada: the blight model is proven in the field (5)",
                           "fund", "high"] for criterion in (
        "Benefits to the economy", "Technology leadership and innovation", "Strength and diversity of the consortium",
        "Intellectual property plan", "Feasibility")]  # fmt: skip
    assert {(line[0], line[1]) for line in lines[1:]} == {
        (CROPS, "Ada Arsenault"), (CROPS, "Ben Bouchard"), (FISH, "Ben Bouchard"), (FISH, "Cy Chen"),
        (WELDS, "Ben Bouchard"), (WELDS, "Cy Chen"),
    }  # fmt: skip
    # Assessors and applicants never reach the results or the export.
    assert ada.get(reverse("assessment:results_csv", args=[call.pk])).status_code == 403
    assignments = Assignment.objects.order_by("proposal__title", "assessor__display_name")
    assert [(a.proposal.title, a.assessor.display_name, a.state, getattr(a, "review", None) and a.review.state)
            for a in assignments] == [
        (FISH, "Ben Bouchard", AssignmentState.ACCEPTED, ReviewState.SUBMITTED),
        (FISH, "Cy Chen", AssignmentState.ACCEPTED, ReviewState.SUBMITTED),
        (CROPS, "Ada Arsenault", AssignmentState.ACCEPTED, ReviewState.SUBMITTED),
        (CROPS, "Ben Bouchard", AssignmentState.ACCEPTED, ReviewState.SUBMITTED),
        (WELDS, "Ada Arsenault", AssignmentState.WITHDRAWN, None),
        (WELDS, "Ben Bouchard", AssignmentState.ACCEPTED, ReviewState.SUBMITTED),
        (WELDS, "Cy Chen", AssignmentState.ACCEPTED, ReviewState.SUBMITTED),
    ]  # fmt: skip
