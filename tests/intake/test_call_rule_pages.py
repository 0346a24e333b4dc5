"""The call's rules page: adding each kind of rule, editing, removing and reordering rows, as staff do.

Bad input is refused beside its field with what was typed kept; once proposals are submitted a
change shows first which verdicts it would change, needs a reason when any would and is
audited; a change over somebody else's is a 409; another program's staff get a 404.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from intake.eligibility import KINDS, PROJECT_SIZE
from intake.models import Call, CallRule, Proposal
from intake.services.call_rules import CALL_RULES_CHANGE
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, UserFactory
from tests.intake.rule_pages import form_data, rule_confirm, rule_of
from tests.intake.test_versions import invited_application
from workflow.actions import proposal_submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory())


@pytest.fixture
def submitted(call: Call) -> Proposal:
    """A full application of $3M of eligible costs asking the cluster for $1.2M (40 %), submitted."""
    lead = cast(User, UserFactory(role=Role.APPLICANT))
    return proposal_submit_application(proposal=invited_application(lead, call=call, title="At the limit"), by=lead)


def _rows(call: Call) -> list[tuple[str, dict[str, Any], list[str]]]:
    return [(row.kind, row.params, row.stages) for row in CallRule.objects.filter(call=call).order_by("position")]


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _add_url(call: Call, kind: str) -> str:
    return reverse("intake:call_rule_add", args=[call.pk]) + f"?kind={kind}"


def _add(client: Client, call: Call, kind: str, **fields: Any) -> Any:
    """Choose ``kind`` on the rules page, then post its form with ``fields`` over what it shows."""
    url = _add_url(call, kind)
    return client.post(url, {**form_data(client.get(url)), **fields})


# --- The page ------------------------------------------------------------------------------------


def test_rules_page_lists_each_rule_with_what_it_demands_and_its_stages(staff_client: Client, call: Call) -> None:
    response = staff_client.get(reverse("intake:call_rules", args=[call.pk]))

    text = _text(response)
    assert response.status_code == 200
    assert [item["row"].kind for item in response.context["rows"]] == [kind for kind, _p, _s in _rows(call)]
    assert "Minimum partners at least 3 organizations Full application" in text
    assert re.search(r"<label\s+for=\"id_kind\"[^>]*>\s*Kind of rule", response.content.decode())
    for row in CallRule.objects.filter(call=call):
        assert reverse("intake:call_rule_update", args=[row.pk]) in response.content.decode()


def test_rules_page_reads_the_same_queries_for_1_and_many_rules(staff_client: Client) -> None:
    few = cast(Call, CallFactory(rules=[]))
    many = cast(Call, CallFactory())
    _add(staff_client, few, "min_partners", count="2")

    def queries(call: Call) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(reverse("intake:call_rules", args=[call.pk])).status_code == 200
        return len(captured)

    assert len(_rows(few)) == 1
    assert len(_rows(many)) > 10
    assert queries(few) == queries(many)


# --- Adding each kind: choose it, then its parameters and stages -----------------------------------

#: For each kind: what staff type in its form, and the parameters the row then holds.
ADDED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "min_partners": ({"count": "4"}, {"count": 4}),
    "min_partners_of_types": (
        {"count": "2", "types": ["industry", "post_secondary"], "sme_max_employees": "250"},
        {"count": 2, "types": ["industry", "post_secondary"], "sme_max_employees": 250},
    ),
    "required_roles": ({"roles": "adopter, ai-provider"}, {"roles": ["adopter", "ai-provider"]}),
    "membership": ({"who": "every"}, {"who": "every"}),
    "funded_types": ({"types": ["sme", "large_company"]}, {"types": ["sme", "large_company"]}),
    "industry_types": ({"types": ["large_company"]}, {"types": ["large_company"]}),
    "cluster_share": ({"min": "37", "max": "44.40"}, {"min": "37", "max": "44.40"}),
    "matching_ratio": ({"ratio": "1.50"}, {"ratio": "1.50"}),
    "in_kind_cap": ({"max_share": "25 %"}, {"max_share": "25"}),
    "partner_share": ({"max_share": "70"}, {"max_share": "70"}),
    "project_size": ({"min": "$500 000", "max": "50000000.00"}, {"min": "500000", "max": "50000000.00"}),
    "size_bands": (
        {"bands": "500000, 5000000, 44.4\n5000000.01, 20000000"},
        {
            "bands": [
                {"min": "500000", "max": "5000000", "max_cluster_share": "44.4"},
                {"min": "5000000.01", "max": "20000000", "max_cluster_share": None},
            ]
        },
    ),
    "project_cap": ({"max_funding": "2000000"}, {"max_funding": "2000000"}),
    "admin_fee": ({"percent": "4"}, {"percent": "4"}),
    "word_limit": ({"words": "300"}, {"words": 300}),
    "page_limit": ({"pages": "5"}, {"pages": 5}),
    "required_attachments": (
        {"kinds": ["risk_register", "project_plan"]},
        {"kinds": ["risk_register", "project_plan"]},
    ),
    "min_ip_rights": ({"count": "1"}, {"count": 1}),
    "answers_hold": ({}, {}),
}


def test_every_kind_has_a_case_here() -> None:
    assert set(ADDED) == set(KINDS)


@pytest.mark.parametrize("kind", list(ADDED))
def test_add_each_kind_through_its_form_with_its_stages(staff_client: Client, call: Call, kind: str) -> None:
    typed, stored = ADDED[kind]
    before = _rows(call)
    form_page = staff_client.get(_add_url(call, kind))

    response = _add(staff_client, call, kind, **typed, stages=["loi", "application"])

    assert form_page.status_code == 200
    assert [field.name for field in form_page.context["form"].param_fields] == [p.name for p in KINDS[kind].params]
    assert 'name="stages"' in form_page.content.decode()
    assert response.status_code == 302
    assert response.url == reverse("intake:call_rules", args=[call.pk])
    after = _rows(call)
    assert after[:-1] == before
    kind_added, params, stages = after[-1]
    assert (kind_added, stages) == (kind, ["loi", "application"])
    assert {name: value for name, value in params.items() if value is not None} == stored
    assert not AuditRecord.objects.filter(action=CALL_RULES_CHANGE).exists()  # nothing submitted to audit


def test_add_without_a_kind_stays_on_the_choice_with_the_error(staff_client: Client, call: Call) -> None:
    response = staff_client.get(reverse("intake:call_rule_add", args=[call.pk]) + "?kind=pirate")

    assert response.status_code == 400
    assert response.context["kind_form"].errors["kind"]


# --- Editing, removing and reordering -------------------------------------------------------------


def test_edit_shows_the_rule_as_it_is_and_saves_the_change_in_place(staff_client: Client, call: Call) -> None:
    rule = rule_of(call, "cluster_share")
    url = reverse("intake:call_rule_update", args=[rule.pk])
    page = staff_client.get(url)

    response = staff_client.post(url, {**form_data(page), "min": "30", "max": "44.40", "stages": ["application"]})

    changed = CallRule.objects.get(pk=rule.pk)
    assert 'value="40.00"' in page.content.decode()
    assert response.status_code == 302
    assert (changed.params, changed.stages, changed.position) == (
        {"min": "30", "max": "44.40"},
        ["application"],
        rule.position,
    )


def test_remove_asks_first_then_removes_and_renumbers(staff_client: Client, call: Call) -> None:
    rule = rule_of(call, "min_partners")
    url = reverse("intake:call_rule_remove", args=[rule.pk])
    before = _rows(call)

    page = staff_client.get(url)
    response = staff_client.post(url, form_data(page))

    assert page.status_code == 200
    assert "Remove a rule" in _text(page)
    assert before[0][0] == "min_partners"
    assert _rows(call) == before[1:]
    assert response.status_code == 302
    assert list(CallRule.objects.filter(call=call).order_by("position").values_list("position", flat=True)) == list(
        range(1, len(before))
    )


def test_move_up_and_down_reorders_the_rows(staff_client: Client, call: Call) -> None:
    kinds = [kind for kind, _p, _s in _rows(call)]
    second = CallRule.objects.filter(call=call).order_by("position")[1]
    loaded = call.updated_at.isoformat()

    up = staff_client.post(reverse("intake:call_rule_move", args=[second.pk]), {"direction": "up", "loaded_at": loaded})
    after_up = [kind for kind, _p, _s in _rows(call)]
    down = staff_client.post(
        reverse("intake:call_rule_move", args=[second.pk]),
        {"direction": "down", "loaded_at": Call.objects.get(pk=call.pk).updated_at.isoformat()},
    )

    assert (up.status_code, down.status_code) == (302, 302)
    assert after_up == [kinds[1], kinds[0], *kinds[2:]]
    assert [kind for kind, _p, _s in _rows(call)] == kinds


# --- Bad input: beside its field, what was typed kept, nothing saved --------------------------------


@pytest.mark.parametrize(
    ("kind", "typed", "field", "message"),
    [
        ("cluster_share", {"max": "forty"}, "max", "Enter a number, such as 40 or 40.50."),
        ("cluster_share", {"min": "50", "max": "40"}, "max", "The maximum is below the minimum."),
        ("cluster_share", {"max": "100.01"}, "max", "Enter a percent from 0 to 100."),
        ("partner_share", {"max_share": "0"}, "max_share", "The maximum share must be above 0 %."),
        ("matching_ratio", {"ratio": "-1"}, "ratio", "Enter an amount of 0 or more."),
        (
            "project_cap",
            {"max_funding": "2000000.005"},
            "max_funding",
            "Enter at most two digits after the decimal point.",
        ),
        ("min_partners", {"count": "2.5"}, "count", "Enter a whole number."),
        ("min_partners", {"count": "0"}, "count", "Enter a whole number of at least 1."),
        ("funded_types", {"types": []}, "types", "This parameter is required."),
        ("required_roles", {"roles": "Adopter, AI provider"}, "roles", "Role names are lowercase letters"),
        (
            "size_bands",
            {"bands": "0, 5000000\n4000000, 9000000"},
            "bands",
            "Bands may not overlap: each band must start above the previous one's maximum.",
        ),
        ("size_bands", {"bands": "500000"}, "bands", "Each band needs a minimum and a maximum amount."),
        ("word_limit", {"words": "300", "stages": []}, "stages", "This field is required."),
    ],
)
def test_bad_input_is_refused_beside_its_field_keeping_what_was_typed(
    staff_client: Client, call: Call, kind: str, typed: dict[str, Any], field: str, message: str
) -> None:
    before = _rows(call)

    response = _add(staff_client, call, kind, **typed)

    form = response.context["form"]
    assert response.status_code == 400
    assert any(error.startswith(message) for error in form.errors[field]), form.errors
    assert set(form.errors) == {field}
    content = response.content.decode()
    for value in typed.values():
        for item in value if isinstance(value, list) else [value]:
            assert unescape(item) in unescape(content), item  # what was typed is shown again
    assert f'id="error_1_id_{field}"' in content or f'id="id_{field}_error' in content or message in unescape(content)
    assert _rows(call) == before


def test_bad_edit_keeps_the_row_as_it_was(staff_client: Client, call: Call) -> None:
    rule = rule_of(call, "project_size")
    url = reverse("intake:call_rule_update", args=[rule.pk])

    response = staff_client.post(url, {**form_data(staff_client.get(url)), "min": "6000000", "max": "5000000"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"max": ["The maximum is below the minimum."]}
    assert 'value="6000000"' in response.content.decode()
    assert CallRule.objects.get(pk=rule.pk).params == rule.params


# --- Once proposals are submitted: the preview, the reason, the audit -------------------------------


def test_add_with_submissions_previews_the_verdicts_it_would_change(
    staff_client: Client, call: Call, submitted: Proposal
) -> None:
    before = _rows(call)

    preview = _add(staff_client, call, "project_cap", max_funding="1000000")

    [change] = preview.context["preview"]
    assert preview.status_code == 200
    assert (change.proposal.pk, change.stage, change.code, change.before, change.after) == (
        submitted.pk,
        "application",
        "project_cap",
        True,
        False,
    )
    assert change.message == "The cluster is asked for $1,200,000.00, above the cap of $1,000,000.00 per project"
    assert "<caption>1 verdict of a submitted proposal would change</caption>" in preview.content.decode()
    assert 'value="1000000"' in preview.content.decode()
    assert _rows(call) == before


def test_confirming_a_change_of_verdicts_needs_a_reason_beside_its_field(
    staff_client: Client, call: Call, submitted: Proposal
) -> None:
    url = _add_url(call, "project_cap")
    preview = _add(staff_client, call, "project_cap", max_funding="1000000")

    refused = staff_client.post(url, {**form_data(preview), "reason": "  "})

    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "reason": ["Give the reason for the change: it changes the verdicts of submitted proposals."]
    }
    assert refused.context["preview"]  # shown again beside the reason
    assert 'value="1000000"' in refused.content.decode()
    assert not CallRule.objects.filter(call=call, kind="project_cap").exists()
    assert not AuditRecord.objects.filter(action=CALL_RULES_CHANGE).exists()


def test_a_confirmed_change_is_audited_on_the_call_and_the_proposal_which_keeps_its_rules(
    staff: User, staff_client: Client, call: Call, submitted: Proposal
) -> None:
    url = _add_url(call, "project_cap")
    preview = _add(staff_client, call, "project_cap", max_funding="1000000")

    saved = staff_client.post(url, {**form_data(preview), "reason": "Ocean's early cap."})

    assert saved.status_code == 302
    on_call = AuditRecord.objects.get(action=CALL_RULES_CHANGE, call=call)
    on_proposal = AuditRecord.objects.get(action=CALL_RULES_CHANGE, proposal=submitted)
    assert (on_call.actor, on_call.reason, on_call.data["edit"]) == (staff, "Ocean's early cap.", "add")
    assert on_call.data["verdicts"] == [
        {"proposal": submitted.pk, "check": "project_cap", "before": True, "after": False}
    ]
    assert [row["kind"] for row in on_call.data["after"]] == [kind for kind, _p, _s in _rows(call)]
    assert "project_cap" not in [row["kind"] for row in on_call.data["before"]]
    assert (on_proposal.actor, on_proposal.reason, on_proposal.data["stage"]) == (
        staff,
        "Ocean's early cap.",
        "application",
    )
    assert on_proposal.data["verdicts"] == [{"check": "project_cap", "before": True, "after": False}]
    # The proposal keeps the rules frozen at its submission: the cap does not apply to it.
    proposal = Proposal.objects.get(pk=submitted.pk)
    assert "project_cap" not in [check.code for check in proposal.eligibility_checks()]
    assert proposal.eligibility_failures() == []


def test_a_removal_with_submissions_changing_no_verdict_is_confirmed_without_a_reason(
    staff_client: Client, call: Call, submitted: Proposal
) -> None:
    rule = rule_of(call, PROJECT_SIZE)
    url = reverse("intake:call_rule_remove", args=[rule.pk])

    preview = staff_client.post(url, form_data(staff_client.get(url)))
    removed = staff_client.post(url, form_data(preview))

    assert preview.status_code == 200
    assert "No verdict of a submitted proposal would change." in _text(preview)
    assert CallRule.objects.filter(pk=rule.pk).exists() is False
    assert removed.status_code == 302
    record = AuditRecord.objects.get(action=CALL_RULES_CHANGE, call=call)
    assert (record.reason, record.data["edit"], record.data["verdicts"]) == ("", "remove", [])


def test_a_move_with_submissions_is_confirmed_on_its_own_page(
    staff_client: Client, call: Call, submitted: Proposal
) -> None:
    kinds = [kind for kind, _p, _s in _rows(call)]
    second = CallRule.objects.filter(call=call).order_by("position")[1]
    url = reverse("intake:call_rule_move", args=[second.pk])

    preview = staff_client.post(url, {"direction": "up", "loaded_at": call.updated_at.isoformat()})
    moved = staff_client.post(url, form_data(preview) | {"direction": "up"})

    assert preview.status_code == 200
    assert [kind for kind, _p, _s in _rows(call)][:2] == [kinds[1], kinds[0]]
    assert moved.status_code == 302


# --- Stale changes and other programs --------------------------------------------------------------


def test_an_edit_over_somebody_elses_answers_409_keeping_what_was_typed(staff_client: Client, call: Call) -> None:
    rule = rule_of(call, "cluster_share")
    url = reverse("intake:call_rule_update", args=[rule.pk])
    page = staff_client.get(url)
    other = client_for(cast(User, UserFactory(role=Role.STAFF)))
    assert _add(other, call, "admin_fee", percent="4").status_code == 302

    conflict = staff_client.post(url, {**form_data(page), "max": "35.5"})

    assert conflict.status_code == 409
    assert "Somebody else changed this call while you were editing its rules" in _text(conflict)
    assert 'value="35.5"' in conflict.content.decode()
    assert CallRule.objects.get(pk=rule.pk).params == rule.params
    retry = staff_client.post(url, form_data(conflict))
    assert retry.status_code == 302
    assert CallRule.objects.get(pk=rule.pk).params["max"] == "35.5"


@pytest.mark.parametrize(
    ("name", "method", "target"),
    [
        ("intake:call_rules", "get", "call"),
        ("intake:call_rule_add", "get", "call"),
        ("intake:call_rule_update", "get", "rule"),
        ("intake:call_rule_update", "post", "rule"),
        ("intake:call_rule_remove", "get", "rule"),
        ("intake:call_rule_remove", "post", "rule"),
        ("intake:call_rule_move", "post", "rule"),
    ],
)
def test_another_programs_staff_get_404(call: Call, name: str, method: str, target: str) -> None:
    outsider = client_for(cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()])))
    pk = call.pk if target == "call" else rule_of(call, "min_partners").pk
    before = _rows(call)

    response = getattr(outsider, method)(reverse(name, args=[pk]), {"direction": "up", "max": "1", "count": "9"})

    assert response.status_code == 404
    assert _rows(call) == before


def test_confirming_the_previewed_change_saves_exactly_it(
    staff_client: Client, call: Call, submitted: Proposal
) -> None:
    rule = rule_of(call, "min_partners")
    url = reverse("intake:call_rule_update", args=[rule.pk])
    preview = staff_client.post(url, {**form_data(staff_client.get(url)), "count": "4"})

    saved = rule_confirm(staff_client, rule, preview, reason="Four partners from now on.")

    assert saved.status_code == 302
    assert CallRule.objects.get(pk=rule.pk).params == {"count": 4}
