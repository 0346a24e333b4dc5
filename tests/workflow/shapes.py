"""The steps of the call-shape stories, each through the page a person would use.

Staff configure a call on its stages page and its rubric page, applicants write and submit on
their proposal's pages, staff act through the proposal's action endpoint and assign on the
assignment page, assessors declare, accept and review on their pages, and the board's meeting
is planned and filled on its pages. The full application's sections are filled by
``tests.factories.fill_application``: filling them through their pages is the intake story's
(tests/intake/test_intake_story_through_the_pages.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, cast

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Organization, User
from assessment.models import AssessorProfile
from intake.models import Call, Proposal
from tests.browser import follow, forms_of, submit, text_of
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

LOCAL = "%Y-%m-%dT%H:%M"


def local(call: Call, moment: datetime) -> str:
    """Return ``moment`` as typed in a datetime-local field, in the call's timezone."""
    return timezone.localtime(moment, call.zone).strftime(LOCAL)


def stages_configure(staff: Client, call: Call, values: dict[str, Any]) -> Any:
    """Post the call's stages page with ``values`` over what it shows; return the page it leads to."""
    page = staff.get(reverse("intake:call_stages", args=[call.pk]))
    (form,) = [f for f in forms_of(page) if "intake_mode" in f.fields]
    data = {**form.fields}
    for name in [n for n in data if n.endswith(("_include", "_assessed"))]:
        del data[name]  # every box is said anew
    data.update(values)
    response = staff.post(reverse("intake:call_stages", args=[call.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return follow(staff, response)


def rubric_set(staff: Client, call: Call, stage: str, k: int) -> None:
    """Save the stage's rubric with ``k`` assessors per proposal and its offered criteria."""
    url = f"{reverse('assessment:rubric', args=[call.pk])}?stage={stage}"
    page = staff.get(url)
    (form,) = [f for f in forms_of(page) if "assessors_per_proposal" in f.fields]
    saved = follow(
        staff, staff.post(form.action if "?" in form.action else url, {**form.fields, "assessors_per_proposal": str(k)})
    )
    assert "The rubric is saved." in text_of(saved)


def applicant_make(email: str) -> tuple[User, Organization, Client]:
    """Return an applicant, the organization they belong to, and their signed-in browser."""
    user = cast(User, UserFactory(role=Role.APPLICANT, email=email))
    organization = cast(Organization, OrganizationFactory())
    MembershipFactory(user=user, organization=organization)
    return user, organization, client_for(user)


def assessor_make(email: str) -> tuple[User, Client]:
    user = cast(User, UserFactory(role=Role.ASSESSOR, email=email, display_name=email.split("@")[0].title()))
    AssessorProfile.objects.create(user=user, max_assignments_per_call=5)
    return user, client_for(user)


def proposal_create(client: Client, call: Call, organization: Organization, title: str, total: str) -> Proposal:
    """Start a proposal on the call's page, stating its estimated total cost."""
    created = submit(
        client,
        client.get(reverse("intake:proposal_create", args=[call.pk])),
        choose={"lead_organization": organization.legal_name},
        values={
            "title": title,
            "summary": "Partners build and share a testbed.",
            "challenge": "Makers cannot test without stopping production.",
            "technology": "A digital twin of a production line.",
            "expected_partners": "Two SMEs and a university.",
            "estimated_total_cost": total,
            "estimated_funding_requested": "1,000,000",
        },
    )
    assert created.status_code == 302, text_of(created)
    return Proposal.objects.get(title=title)


def act(client: Client, proposal: Proposal, action: str, *, staff: bool = False, **values: str) -> str:
    """Press the action's button on the proposal's page (staff's or the applicant's); return what the page says."""
    name = "workflow:proposal_detail" if staff else "intake:proposal_detail"
    page = client.get(reverse(name, args=[proposal.pk]))
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    url = reverse("workflow:proposal_act", args=[proposal.pk, action])
    response = submit(client, page, action=url, values={f"{action}-{key}": value for key, value in values.items()})
    assert response.status_code == 302, (action, response.status_code, text_of(response))
    return text_of(follow(client, response))


def assign(staff: Client, proposal: Proposal, assessor: User) -> None:
    """Assign ``assessor`` to the proposal by hand, on its assignment page."""
    page = staff.get(reverse("assessment:assignment_proposal", args=[proposal.call_id, proposal.pk]))
    options = [text for f in forms_of(page) for value, text in f.options.get("assign-assessor", []) if value]
    (option,) = [text for text in options if f"<{assessor.email}>" in text]
    assigned = follow(staff, submit(staff, page, choose={"assign-assessor": option}))
    assert "The assessor is assigned and told." in text_of(assigned)


def _assignment_link(browser: Client, title: str, step: str) -> str:
    dashboard = browser.get(reverse("assessment:dashboard"))
    links = re.findall(rf'href="(/assessor/assignments/\d+/{step})"[^>]*>[^<]*<span class="visually-hidden">: '
                       rf"{re.escape(title)}</span>", dashboard.content.decode())  # fmt: skip
    assert len(links) == 1, (title, step, text_of(dashboard))
    return str(links[0])


def review(browser: Client, title: str, score: int) -> str:
    """Declare no conflict, accept and submit a review scoring every criterion ``score``; return what it says."""
    follow(
        browser, submit(browser, browser.get(_assignment_link(browser, title, "declare/")), values={"answer": "none"})
    )
    page = follow(
        browser, submit(browser, browser.get(_assignment_link(browser, title, "")), values={"answer": "accept"})
    )
    form = next(f for f in forms_of(page) if "submit" in f.buttons)
    values: dict[str, Any] = {"recommendation": "fund", "confidence": "high"}
    for name in [n for n in form.fields if n.startswith("score_")]:
        values[name] = str(score)
        values[name.replace("score_", "comment_")] = "Sound."
    return text_of(follow(browser, submit(browser, page, button="submit", values=values)))


def meeting_plan(staff: Client, call: Call, members: list[User], days: int = 7) -> int:
    """Plan a board meeting of the call in ``days`` days with ``members``, the first the chair; return its id."""
    from board.models import BoardMeeting

    page = staff.get(reverse("board:meeting_create", kwargs={"pk": call.pk}))
    response = submit(
        staff,
        page,
        values={"held_at": local(call, timezone.now() + timedelta(days=days)), "quorum": "1",
                "members": [str(m.pk) for m in members]},
        choose={"chair": f"{members[0].display_name} <{members[0].email}>"},
    )  # fmt: skip
    assert response.status_code == 302
    return BoardMeeting.objects.filter(call=call).latest("pk").pk


def board_decides(chair: Client, meeting_pk: int, proposal: Proposal, *, amount: str) -> None:
    """The chair votes to approve on the vote page, then, once the meeting starts, approves ``amount``."""
    from board.models import AgendaItem

    item = AgendaItem.objects.get(meeting_id=meeting_pk, proposal=proposal)
    vote = reverse("board:vote", kwargs={"pk": meeting_pk, "item_pk": item.pk})
    follow(chair, submit(chair, chair.get(vote), values={"choice": "approve", "comment": "Good value."}))
    page = chair.get(reverse("board:decide", kwargs={"pk": meeting_pk, "item_pk": item.pk}))
    (form,) = [f for f in forms_of(page) if f.buttons.get("decision") == "approve"]
    data = {**form.fields, "decision": "approve", form.name_of("approve-amount"): amount,
            form.name_of("approve-rationale"): "A strong project."}  # fmt: skip
    decided = chair.post(form.action, data)
    assert decided.status_code == 302, text_of(decided)


def question_add(staff: Client, call: Call, stage: str, kind: str, values: dict[str, Any]) -> None:
    """Add a question of ``kind`` at ``stage`` on the call's question form, as staff fill it."""
    url = f"{reverse('intake:question_create', args=[call.pk])}?stage={stage}&kind={kind}"
    page = staff.get(url)
    assert page.status_code == 200, page.status_code
    (form,) = [f for f in forms_of(page) if "label_en" in f.fields]
    response = staff.post(url, {**form.fields, **values})
    assert response.status_code == 302, text_of(response)
    assert "The question is added." in text_of(follow(staff, response))


def answers_save(client: Client, proposal: Proposal, number: int, values: dict[str, str]) -> None:
    """Save the answers of the section ``number`` of the proposal's stage, on its page."""
    url = reverse("intake:question_section", args=[proposal.pk, number])
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    (form,) = [f for f in forms_of(page) if "loaded_at" in f.fields]
    response = client.post(url, {**form.fields, **values})
    assert response.status_code == 302, text_of(response)
