"""The proposals' search: words in English and French, filters, and each role finding only what it may read.

Runs on either back end: SQLite's FTS5 table, or PostgreSQL's text search (``DATABASE_URL``).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import AssignmentState
from intake.models import Attachment, Call, ConsortiumMember, Program, Proposal
from intake.services.search import proposal_search_refresh, proposals_search_rebuild
from intake.states import ProposalState
from records.search_text import query_words
from tests.conftest import client_for
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    BoardConflictFactory,
    BoardMeetingFactory,
    CallFactory,
    ConflictFactory,
    OrganizationFactory,
    ProgramFactory,
    ProposalFactory,
    UserFactory,
)
from workflow.search import ProposalFilters, proposals_search
from workflow.tasks import refresh_proposal_search

pytestmark = pytest.mark.django_db

URL = reverse("workflow:proposal_search")


@pytest.fixture
def programs() -> tuple[Program, Program]:
    return ProgramFactory(), ProgramFactory()


@pytest.fixture
def call(programs: tuple[Program, Program]) -> Call:
    return CallFactory(program=programs[0])


@pytest.fixture
def other_call(programs: tuple[Program, Program]) -> Call:
    return CallFactory(program=programs[1])


@pytest.fixture
def staff(programs: tuple[Program, Program]) -> User:
    """Staff of the first program only."""
    return UserFactory(role=Role.STAFF, programs=[programs[0]])


def _proposal(call: Call, *, state: str = ProposalState.SUBMITTED, **fields: Any) -> Proposal:
    proposal = ProposalFactory(call=call, state=state, **fields)
    proposal_search_refresh(proposal_id=proposal.pk)
    return Proposal.objects.get(pk=proposal.pk)


def found(user: User, text: str, **filters: Any) -> set[int]:
    rows = proposals_search(user=user, filters=ProposalFilters(words=tuple(query_words(text)), **filters))
    return {proposal.pk for proposal in rows}


# --- What staff find -------------------------------------------------------------------------------


def test_staff_find_a_proposal_by_a_word_of_its_work_plan(staff: User, call: Call) -> None:
    # Without the factory's filled application, whose work plan is its own.
    proposal = _proposal(call, application=False, work_plan="Months 1-6: we calibrate the hydrophones on the pier.")
    _proposal(call, application=False, work_plan="Months 1-6: we survey the bay.")

    response = client_for(staff).get(URL, {"q": "hydrophones"})

    assert response.status_code == 200
    assert [found.pk for found in response.context["page"].object_list] == [proposal.pk]
    assert b"<mark>hydrophones</mark>" in response.content
    assert reverse("workflow:proposal_detail", args=[proposal.pk]).encode() in response.content


def test_a_result_shows_its_title_call_state_and_snippet_escaped(staff: User, call: Call) -> None:
    proposal = _proposal(call, application=False, title="Kelp <b>&</b> co")

    response = client_for(staff).get(URL, {"q": "kelp"})

    page = response.content.decode()
    assert "Kelp &lt;b&gt;&amp;&lt;/b&gt; co</a>" in page
    assert f"{call.program.name} · {call.title} · {proposal.get_state_display()}" in page
    assert '<p class="mb-0"><mark>Kelp</mark> &lt;b&gt;&amp;&lt;/b&gt; co ' in page
    assert "<b>&" not in page


def test_a_word_without_its_accents_finds_the_french_word(staff: User, call: Call) -> None:
    proposal = _proposal(call, summary="Notre équipe réunit trois chantiers navals.")

    assert found(staff, "equipe") == found(staff, "ÉQUIPE chantier") == {proposal.pk}
    assert found(staff, "equipe absent") == set()


def test_english_words_find_the_title_and_summary(staff: User, call: Call) -> None:
    proposal = _proposal(call, title="Autonomous seabed mapping", summary="Robots map the seabed.")

    assert found(staff, "seabed robots") == {proposal.pk}


def test_staff_find_a_proposal_by_a_consortium_organizations_name(staff: User, call: Call) -> None:
    proposal = ProposalFactory(call=call, state=ProposalState.SUBMITTED)
    ConsortiumMember.objects.create(proposal=proposal, organization=OrganizationFactory(legal_name="Chantier Davie"))
    proposals_search_rebuild()

    assert found(staff, "davie") == {proposal.pk}


def test_staff_find_a_proposal_by_its_documents_text(staff: User, call: Call, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    proposal = ProposalFactory(call=call, state=ProposalState.SUBMITTED)
    Attachment.objects.filter(proposal=proposal).update(text="Rapport de bathymétrie du fjord")
    proposals_search_rebuild()

    assert found(staff, "bathymetrie fjord") == {proposal.pk}


def test_a_removed_document_is_not_searched(staff: User, call: Call, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    proposal = ProposalFactory(call=call, state=ProposalState.SUBMITTED)
    Attachment.objects.filter(proposal=proposal).update(text="Fjord", removed_at=timezone.now())
    proposals_search_rebuild()

    assert found(staff, "fjord") == set()


def test_staff_never_find_another_programs_proposal(staff: User, call: Call, other_call: Call) -> None:
    mine = _proposal(call, title="Tidal turbine")
    _proposal(other_call, title="Tidal barrage")

    assert found(staff, "tidal") == {mine.pk}


# --- The filters ---------------------------------------------------------------------------------


def test_filters_narrow_by_call_stage_and_state(staff: User, call: Call, programs: tuple[Program, Program]) -> None:
    second_call = CallFactory(program=programs[0])
    submitted = _proposal(call, title="Kelp")
    assessed = _proposal(call, title="Kelp", state=ProposalState.ASSESSED)
    elsewhere = _proposal(second_call, title="Kelp")
    draft = _proposal(call, title="Kelp", state=ProposalState.DRAFT)

    assert found(staff, "kelp") == {submitted.pk, assessed.pk, elsewhere.pk, draft.pk}
    assert found(staff, "kelp", call=second_call.pk) == {elsewhere.pk}
    assert found(staff, "kelp", state=ProposalState.ASSESSED) == {assessed.pk}
    assert found(staff, "kelp", stage="loi") == {draft.pk}
    assert found(staff, "kelp", stage="application", call=call.pk) == {submitted.pk, assessed.pk}


# --- Assessors ---------------------------------------------------------------------------------


def test_assessor_finds_only_the_proposals_assigned_and_declared_free_of_conflict(call: Call) -> None:
    assessor = UserFactory(role=Role.ASSESSOR)
    assigned = _proposal(call, title="Wave buoy", state=ProposalState.IN_ASSESSMENT)
    undeclared = _proposal(call, title="Wave glider", state=ProposalState.IN_ASSESSMENT)
    _proposal(call, title="Wave farm", state=ProposalState.IN_ASSESSMENT)
    rubric = AssignmentFactory(proposal=assigned, assessor=assessor).rubric
    AssignmentFactory(proposal=undeclared, assessor=assessor, rubric=rubric, state=AssignmentState.OFFERED,
                      no_conflict_declared_at=None, responded_at=None)  # fmt: skip

    assert found(assessor, "wave") == {assigned.pk}


def test_conflicted_assessor_never_gets_a_hit_even_when_assigned(call: Call) -> None:
    assessor = UserFactory(role=Role.ASSESSOR)
    proposal = _proposal(call, title="Wave buoy", state=ProposalState.IN_ASSESSMENT)
    AssignmentFactory(proposal=proposal, assessor=assessor)
    assert found(assessor, "wave") == {proposal.pk}

    ConflictFactory(assessor=assessor, proposal=proposal)

    assert found(assessor, "wave") == set()
    response = client_for(assessor).get(URL, {"q": "wave buoy"})
    assert response.context["page"].paginator.count == 0
    assert b"Wave buoy" not in response.content


def test_assessor_is_sent_to_their_assignment(call: Call) -> None:
    assessor = UserFactory(role=Role.ASSESSOR)
    proposal = _proposal(call, title="Wave buoy", state=ProposalState.IN_ASSESSMENT)
    assignment = AssignmentFactory(proposal=proposal, assessor=assessor)

    response = client_for(assessor).get(URL, {"q": "buoy"})

    assert reverse("assessment:respond", args=[assignment.pk]).encode() in response.content


def test_a_withheld_decision_is_not_found_by_its_state(call: Call) -> None:
    assessor = UserFactory(role=Role.ASSESSOR)
    proposal = _proposal(call, title="Wave buoy", state=ProposalState.APPROVED)
    AssignmentFactory(proposal=proposal, assessor=assessor)

    assert found(assessor, "buoy", state=ProposalState.APPROVED) == set()
    assert found(assessor, "buoy", state=ProposalState.BOARD_REVIEW) == {proposal.pk}


# --- Board members ----------------------------------------------------------------------------


def test_board_member_finds_their_meetings_proposals_and_never_one_they_are_recused_from(
    call: Call, programs: tuple[Program, Program]
) -> None:
    member = UserFactory(role=Role.BOARD_MEMBER, programs=[programs[0]])
    meeting = BoardMeetingFactory(call=call, members=[member])
    on_agenda = AgendaItemFactory(meeting=meeting, proposal__title="Ferry electrification").proposal
    recused = AgendaItemFactory(meeting=meeting, proposal__title="Ferry hydrogen").proposal
    _proposal(call, title="Ferry terminal", state=ProposalState.BOARD_REVIEW)
    BoardConflictFactory(member=member, proposal=recused)
    proposals_search_rebuild()

    assert found(member, "ferry") == {on_agenda.pk}


# --- The page ----------------------------------------------------------------------------------


def test_applicants_may_not_search(applicant: User) -> None:
    assert client_for(applicant).get(URL, {"q": "anything"}).status_code == 403


def test_without_words_the_page_asks_for_them_keeping_the_filters(staff: User, call: Call) -> None:
    response = client_for(staff).get(URL, {"q": "", "state": ProposalState.SUBMITTED})

    assert response.status_code == 400
    assert "Type at least one word to search for." in response.content.decode()
    assert b'<option value="submitted" selected>' in response.content


def test_punctuation_alone_is_refused_keeping_what_was_typed(staff: User) -> None:
    response = client_for(staff).get(URL, {"q": "?! --"})

    assert response.status_code == 400
    assert "punctuation alone finds nothing" in response.content.decode()
    assert b'value="?! --"' in response.content


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("call", "999999", "this one is not among the calls you read"),
        ("stage", "nonsense", "Choose a stage from the list."),
        ("state", "nonsense", "Choose a state from the list."),
    ],
)
def test_unknown_filter_values_are_refused_beside_the_field(staff: User, name: str, value: str, message: str) -> None:
    response = client_for(staff).get(URL, {"q": "kelp", name: value})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert b'value="kelp"' in response.content


def test_a_link_may_preset_the_call_without_searching(staff: User, call: Call) -> None:
    _proposal(call)

    response = client_for(staff).get(URL, {"call": call.pk})

    assert response.status_code == 200
    assert response.context["page"] is None
    assert f'<option value="{call.pk}" selected>'.encode() in response.content


def test_other_programs_calls_are_not_offered(staff: User, call: Call, other_call: Call) -> None:
    _proposal(call)
    _proposal(other_call)

    choices = [value for value, _label in client_for(staff).get(URL).context["form"].fields["call"].choices]

    assert choices == ["", call.pk]


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"q": "kelp"}).status_code == 200
    return len(queries)


def test_a_page_of_results_costs_the_same_queries_whatever_it_holds(staff: User, call: Call) -> None:
    client = client_for(staff)
    _proposal(call, title="Kelp", summary="Kelp farming.")
    client.get(URL)
    one = _page_queries(client)
    for _index in range(8):
        _proposal(call, title="Kelp", summary="Kelp farming.")

    assert _page_queries(client) == one


# --- Keeping the index -------------------------------------------------------------------------


def test_rebuild_command_writes_every_document_and_stale_only_the_outdated(staff: User, call: Call) -> None:
    proposal = ProposalFactory(call=call, state=ProposalState.SUBMITTED, title="Narwhal tags")
    output = io.StringIO()

    call_command("search_index_rebuild", "--stale", stdout=output)
    call_command("search_index_rebuild", "--stale", stdout=output)

    assert output.getvalue() == "Indexed 1 proposals.\nIndexed 0 proposals.\n"
    assert found(staff, "narwhal") == {proposal.pk}
    call_command("search_index_rebuild", stdout=output)
    assert output.getvalue().endswith("Indexed 1 proposals.\n")


def test_beat_runs_the_search_sweep(settings: Any) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["refresh-proposal-search"]["task"] == refresh_proposal_search.name
