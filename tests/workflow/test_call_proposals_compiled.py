"""Staff's list of a call reads its page's rows compiled once per shape: the same page as the read built each time."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.urls import reverse

from accounts.models import User
from intake.models import Call, EligibilityOverride, Proposal
from intake.services import call_lists
from intake.states import ProposalState as S
from tests.factories import CallFactory, ProposalFactory, state_put
from tests.intake.test_versions import complete_application
from workflow import views

pytestmark = pytest.mark.django_db

#: Every sort both ways, each filter, each page, a page past the last and unknown values.
QUERIES = [
    {},
    *({"sort": sort} for key in call_lists.SORTS for sort in (key, f"-{key}")),
    {"page": 2},
    {"page": 3, "sort": "title"},
    {"page": 99},
    {"stage": "application"},
    {"stage": "loi", "sort": "-funding"},
    {"state": S.SUBMITTED},
    {"state": S.DRAFT, "page": 2},
    {"state": S.WITHDRAWN, "sort": "lead"},
    {"state": S.SUBMITTED, "stage": "loi"},
    {"state": "unknown", "sort": "unknown"},
]


#: Each response's own CSRF token (in the forms and the page's htmx headers).
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _proposals(call: Call, staff: User) -> None:
    """Two pages and more of rows: drafts, letters of intent, submitted applications (one overridden), others."""
    states = [S.DRAFT, S.LOI_SUBMITTED, S.WITHDRAWN, S.CHANGES_REQUESTED, S.INELIGIBLE]
    for index in range(64):
        proposal = ProposalFactory(
            call=call,
            title=f"Proposal {index:02d} <of> {call.pk}",
            estimated_funding_requested=None if index % 7 == 0 else Decimal(1000 + (index * 37) % 500),
        )
        state_put(proposal, states[index % len(states)])
    for index in range(3):
        proposal = complete_application(ProposalFactory(call=call, title=f"Application {index}"))
        state_put(proposal, S.SUBMITTED)
        if index == 0:
            EligibilityOverride.objects.create(
                proposal=proposal, check_code="partner_share", stage="application", reason="Agreed.", by=staff
            )


def _page(client: Client, call: Call, query: dict[str, Any]) -> str:
    response = client.get(reverse("workflow:call_proposals", args=[call.pk]), query)
    assert response.status_code == 200
    return CSRF_TOKEN.sub("", response.content.decode())


def test_call_proposals_compiled_rows_write_the_page_the_built_read_writes(
    staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [CallFactory(), CallFactory()]
    for call in calls:
        _proposals(call, staff)
    pages: dict[bool, dict[tuple[str, int, str], str]] = {True: {}, False: {}}

    for once in (True, False):
        connections[DEFAULT_DB_ALIAS].__dict__.pop("_rows_read_compiled", None)
        listing = functools.partial(call_lists.call_proposals_page, compiled=once)
        monkeypatch.setattr(views, "call_proposals_page", listing)
        for language in ("en", "fr"):
            staff.preferred_language = language
            staff.save(update_fields=["preferred_language"])
            # The first call's pages compile each shape; the second's replay them with its own key.
            for call in calls:
                for query in QUERIES:
                    pages[once][(language, call.pk, str(query))] = _page(staff_client, call, query)
        kept = connections[DEFAULT_DB_ALIAS].__dict__.get("_rows_read_compiled", {})
        assert any(key[0] == "call_proposals_page" and entry for key, entry in kept.items()) is once

    assert pages[True] == pages[False]
    assert len(pages[True]) == 2 * 2 * len(QUERIES)
    assert all(f"Proposal 00 &lt;of&gt; {call.pk}" in "".join(pages[True].values()) for call in calls)
    assert "Propositions" in "".join(pages[True].values())


def test_call_proposals_page_rows_compiled_once_are_those_of_the_read_built(staff: User) -> None:
    call = CallFactory()
    _proposals(call, staff)
    counts = {state: Proposal.objects.filter(call=call, state=state).count() for state in S.values}

    for query in QUERIES:
        arguments = {"page_number": query.get("page", 1), **{k: v for k, v in query.items() if k != "page"}}
        once = call_lists.call_proposals_page(call=call, state_counts=counts, **arguments)
        built = call_lists.call_proposals_page(call=call, state_counts=counts, compiled=False, **arguments)

        assert [_row(proposal) for proposal in once.page.object_list] == [
            _row(proposal) for proposal in built.page.object_list
        ]
        assert (once.page.number, once.state, once.stage, once.sort) == (
            built.page.number,
            built.state,
            built.stage,
            built.sort,
        )


def _row(proposal: Proposal) -> tuple[Any, ...]:
    """Every column of the row and of its joined rows, its annotations and its eligibility summary."""
    fields = tuple(getattr(proposal, field.attname) for field in Proposal._meta.concrete_fields)
    joined = tuple(
        tuple(getattr(related, field.attname) for field in type(related)._meta.concrete_fields)
        for related in (proposal.lead_organization, proposal.lead_applicant, proposal.stage)
        if related is not None
    )
    extra = (proposal.funding_requested, proposal.batch, proposal.state_label, proposal.eligibility_summary)  # type: ignore[attr-defined]
    return (fields, joined, extra)
