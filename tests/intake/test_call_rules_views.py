"""The staff's pages of frozen rules: a rule's change previewed on the rules page, and a proposal's rules in force."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.choices import Role
from accounts.models import User
from intake.models import Call, Proposal
from intake.services.call_rules import APPLY_CALL_RULES, CALL_RULES_CHANGE
from intake.states import ProposalState
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory, UserFactory
from tests.factories.intake import call_rules_change
from tests.intake.rule_pages import rule_confirm, rule_edit, rule_of, share_lower
from tests.intake.test_staff_views import _form_data
from tests.intake.test_versions import invited_application
from workflow.actions import proposal_submit_application

pytestmark = pytest.mark.django_db


def _french_catalogue_has(msgid: str) -> bool:
    """Say whether the compiled French catalogue translates ``msgid`` (new strings arrive with its update)."""
    with translation.override("fr"):
        return translation.gettext(msgid) != msgid


AWAITS_CATALOGUE = pytest.mark.skipif(
    not _french_catalogue_has("The call's current rules"),
    reason="the French catalogue (locale/) does not hold the frozen rules' strings yet: compile it with them",
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory())


@pytest.fixture
def staff(call: Call) -> User:
    return cast(User, UserFactory(role=Role.STAFF))


@pytest.fixture
def client(staff: User) -> Client:
    return client_for(staff)


@pytest.fixture
def submitted(call: Call) -> Proposal:
    lead = cast(User, UserFactory(role=Role.APPLICANT))
    return proposal_submit_application(proposal=invited_application(lead, call=call, title="At the limit"), by=lead)


def _share(call: Call) -> str:
    return str(rule_of(call, "cluster_share").params["max"])


def _lower(client: Client, call: Call, share: str) -> None:
    """Lower the call's maximum share on its rules page, giving the reason the preview asks for."""
    assert share_lower(client, call, share).status_code == 302


# --- A change of a rule on the rules page, once proposals are submitted ---------------------------


def test_rule_update_shows_the_preview_again_when_the_rule_changes_after_it(
    client: Client, call: Call, submitted: Proposal
) -> None:
    rule = rule_of(call, "cluster_share")
    first = rule_edit(client, rule, max="35")

    second = rule_confirm(client, rule, first, max="30", reason="Tighter share.")

    assert second.status_code == 400
    assert second.context["form"].non_field_errors() == [
        "Nothing is saved yet: the change differs from the one previewed. Review what it would change below, "
        "then confirm."
    ]
    assert "above 30.00\xa0%" in second.content.decode()
    assert _share(call) == "40.00"
    third = rule_confirm(client, rule, second)
    assert third.status_code == 302
    assert _share(call) == "30"


def test_rule_update_preview_lists_the_proposal_with_its_verdicts(
    client: Client, call: Call, submitted: Proposal
) -> None:
    response = rule_edit(client, rule_of(call, "cluster_share"), max="35")

    content = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="preview-heading" class="h5">What this change affects</h2>' in content
    assert "<caption>1 verdict of a submitted proposal would change</caption>" in content
    assert f'<a href="/staff/proposals/{submitted.pk}/eligibility/">At the limit</a>' in content
    assert 'name="reason"' in content
    assert _share(call) == "40.00"


def test_rule_update_changing_no_verdict_saves_once_confirmed_without_a_reason(
    client: Client, call: Call, submitted: Proposal
) -> None:
    rule = rule_of(call, "cluster_share")
    preview = rule_edit(client, rule, max="45")

    response = rule_confirm(client, rule, preview)

    assert "No verdict of a submitted proposal would change." in preview.content.decode()
    assert response.status_code == 302
    assert _share(call) == "45"
    assert AuditRecord.objects.get(action=CALL_RULES_CHANGE, proposal__isnull=False).proposal_id == submitted.pk


def test_call_update_of_other_fields_asks_nothing_and_audits_nothing(
    client: Client, call: Call, submitted: Proposal
) -> None:
    url = reverse("intake:call_update", args=[call.pk])
    response = client.post(url, {**_form_data(client.get(url)), "title_en": "Renamed"})

    assert response.status_code == 302
    assert not AuditRecord.objects.filter(action=CALL_RULES_CHANGE).exists()


# --- A proposal's rules in force ----------------------------------------------------------------


def test_eligibility_page_says_the_rules_are_frozen_and_links_to_the_calls(
    client: Client, call: Call, submitted: Proposal
) -> None:
    _lower(client, call, "35")

    content = client.get(reverse("intake:eligibility", args=[submitted.pk])).content.decode()

    assert "Checked against the rules in force when version 1 was submitted" in content
    assert f'<a href="/staff/proposals/{submitted.pk}/eligibility/rules/">' in content


def test_eligibility_rules_page_of_a_draft_offers_nothing_to_apply(client: Client, call: Call) -> None:
    draft = ProposalFactory(call=call)

    response = client.get(reverse("intake:eligibility_rules", args=[draft.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "This proposal is checked against the call's current rules." in content
    assert "<form" not in content.split("<main", 1)[-1]


def test_eligibility_rules_apply_stale_answers_409_keeping_the_reason(
    client: Client, staff: User, call: Call, submitted: Proposal
) -> None:
    _lower(client, call, "35")
    url = reverse("intake:eligibility_rules", args=[submitted.pk])
    page = client.get(url)
    _lower(client_for(cast(User, UserFactory(role=Role.STAFF))), call, "30")

    conflict = client.post(url, {**_form_data(page), "reason": "The new share applies."})
    retry = client.post(url, _form_data(conflict))

    content = conflict.content.decode()
    assert conflict.status_code == 409
    assert "Somebody changed the call since you loaded this page" in content
    assert "The new share applies." in content
    assert "<td>at most 30.00\xa0% (Full application)</td>" in content
    assert retry.status_code == 302
    [share] = [row for row in Proposal.objects.get(pk=submitted.pk).rules_applied if row["kind"] == "cluster_share"]
    assert share["params"]["max"] == "30"
    assert AuditRecord.objects.filter(action=APPLY_CALL_RULES).count() == 1


def test_eligibility_rules_apply_without_a_reason_says_so_beside_the_field(
    client: Client, call: Call, submitted: Proposal
) -> None:
    _lower(client, call, "35")
    url = reverse("intake:eligibility_rules", args=[submitted.pk])

    response = client.post(url, {**_form_data(client.get(url)), "reason": "  "})

    assert response.status_code == 400
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert Proposal.objects.get(pk=submitted.pk).rules_applied is None


@pytest.fixture
def french_staff(staff: User) -> User:
    staff.preferred_language = "fr"
    staff.save(update_fields=["preferred_language"])
    return staff


def test_eligibility_rules_page_in_french_writes_the_figures_the_french_way(
    french_staff: User, call: Call, submitted: Proposal
) -> None:
    client = client_for(french_staff)
    call_rules_change(call, max_cluster_share=Decimal("35.50"))
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now())

    response = client.get(reverse("intake:eligibility_rules", args=[submitted.pk]))

    content = response.content.decode()
    [row] = re.findall(r'<tr id="rule-cluster_share">.*?</tr>', content)
    assert re.search(r"<td>[^<]*40,00\xa0%[^<]*</td><td>[^<]*35,50\xa0%[^<]*</td>", row), row


@AWAITS_CATALOGUE
def test_eligibility_rules_page_in_french_reads_in_french(french_staff: User, call: Call, submitted: Proposal) -> None:
    client = client_for(french_staff)
    call_rules_change(call, max_cluster_share=Decimal("35.50"))
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now())

    content = client.get(reverse("intake:eligibility_rules", args=[submitted.pk])).content.decode()

    for english in (
        "The call's current rules",
        "Apply the call's current rules",
        "Cluster share of eligible costs",
        "Checked against the rules in force when version 1 was submitted",
    ):
        assert english not in content, english


def test_eligibility_rules_page_is_for_submitted_states_only(client: Client, call: Call, submitted: Proposal) -> None:
    Proposal.objects.filter(pk=submitted.pk).update(state=ProposalState.APPROVED)
    call_rules_change(call, max_cluster_share=Decimal("35"))
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now())

    response = client.get(reverse("intake:eligibility_rules", args=[submitted.pk]))

    assert response.status_code == 200
    assert response.context["comparison"].applicable is False
