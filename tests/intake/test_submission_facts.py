"""What an action reads with the proposal's locked row (``intake.selectors``) and keeps for its readers.

Each kept read must answer exactly as the query it replaces, without a query; a row read with
a stale snapshot keeps nothing.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from intake.answers import stage_answers
from intake.choices import AttachmentType, QuestionKind, VersionKind
from intake.models import Answer, Attachment, ProgramMembership, Proposal, ProposalVersion, Question
from intake.selectors import (
    READ_AT,
    RELATED,
    SUBMISSION_FACTS,
    locked_facts_keep,
    submission_facts,
    version_rules_facts,
)
from intake.services.rule_rows import call_rules_write, rules_from_fields
from intake.services.versions import proposal_version_freeze
from intake.states import ProposalState as S
from tests.conftest import MakeProposal
from tests.factories import AttachmentFactory, ProposalFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def _proposal(**fields: Any) -> Proposal:
    return cast(Proposal, ProposalFactory(**fields))


def _question(**fields: Any) -> Question:
    return cast(Question, QuestionFactory(**fields))


def _asked_and_answered(applicant: User) -> Proposal:
    """A draft letter of intent whose call asks questions of every shape, some answered, one with a file."""
    proposal = cast(Proposal, ProposalFactory(lead_applicant=applicant))
    call = proposal.call
    call_rules_write(call=call, rules=rules_from_fields(min_partners=2, required_attachments=["project_plan"]))
    text = _question(call=call, position=3, label_en="Why “now”?", label_fr="Pourquoi « maintenant » ?")
    choice = _question(
        call=call, position=1, kind=QuestionKind.SINGLE_CHOICE, required=False,
        choices=[{"value": "a", "label_en": "Yes", "label_fr": "Oui"},
                 {"value": "b", "label_en": "No", "label_fr": "Non"}],
    )  # fmt: skip
    table = _question(
        call=call, position=1, kind=QuestionKind.TABLE, section_en="Partners", section_fr="Partenaires",
        columns=[{"kind": "text", "label_en": "Name", "label_fr": "Nom"}, {"kind": "money", "label_en": "Sum",
                                                                         "label_fr": "Somme"}],
    )  # fmt: skip
    file = _question(call=call, position=4, kind=QuestionKind.FILE)
    QuestionFactory(call=call, position=5)  # asked, not answered
    QuestionFactory(call=call, position=6, retired_at=timezone.now())  # retired: not asked
    QuestionFactory(call=call, position=7, stage=VersionKind.APPLICATION)  # another stage's
    upload = cast(Attachment, AttachmentFactory(proposal=proposal, kind=AttachmentType.ANSWER, original_name="a.pdf"))
    Answer.objects.bulk_create(
        [
            Answer(proposal=proposal, question=text, value="Because the line stops twice a week."),
            Answer(proposal=proposal, question=choice, value="b"),
            Answer(proposal=proposal, question=table, value=[["Acme", "1200.50"], ["Éole", "0.00"]]),
            Answer(proposal=proposal, question=file, value={"pages": 3}, attachment=upload),
        ]
    )
    other = cast(Proposal, ProposalFactory(call=call))  # another proposal's answer is not this one's
    Answer.objects.create(proposal=other, question=text, value="Theirs.")
    return proposal


def _read_with_facts(pk: int) -> Proposal:
    proposal = Proposal.objects.select_related(*RELATED).annotate(**submission_facts()).get(pk=pk)
    locked_facts_keep(proposal)
    return proposal


def test_kept_questions_answers_and_rules_are_those_their_queries_read(applicant: User) -> None:
    pk = _asked_and_answered(applicant).pk
    kept = _read_with_facts(pk)
    fresh = Proposal.objects.select_related(*RELATED).get(pk=pk)

    with CaptureQueriesContext(connection) as captured:
        kept_answers = stage_answers(kept, VersionKind.LOI)
        kept_rules = [row.as_rule() for row in kept.call.rule_rows()]
        kept_loi_rules = kept.call.eligibility_rules(VersionKind.LOI)

    assert len(captured) == 0
    assert kept_answers == stage_answers(fresh, VersionKind.LOI)
    # In the order of their position, then of their key: the choice and the table share position 1.
    assert [(item.kind, item.answered) for item in kept_answers] == [
        (QuestionKind.SINGLE_CHOICE, True),
        (QuestionKind.TABLE, True),
        (QuestionKind.SHORT_TEXT, True),
        (QuestionKind.FILE, True),
        (QuestionKind.SHORT_TEXT, False),
    ]
    assert [item.value for item in kept_answers[:3]] == [
        "b", [["Acme", "1200.50"], ["Éole", "0.00"]], "Because the line stops twice a week."
    ]  # fmt: skip
    assert kept_answers[0].choices[1] == {"value": "b", "label_en": "No", "label_fr": "Non"}
    assert kept_answers[2].label_fr == "Pourquoi « maintenant » ?"
    assert all(type(item.required) is bool for item in kept_answers)
    assert kept_rules == [row.as_rule() for row in fresh.call.rule_rows()]
    assert kept_loi_rules == fresh.call.eligibility_rules(VersionKind.LOI)


def test_kept_answers_hold_the_file_as_the_query_reads_it(applicant: User) -> None:
    pk = _asked_and_answered(applicant).pk

    [with_file] = [item for item in stage_answers(_read_with_facts(pk), VersionKind.LOI) if item.attachment]

    upload = Attachment.objects.get(proposal_id=pk, kind=AttachmentType.ANSWER)
    assert with_file.attachment == {
        "id": upload.pk, "name": "a.pdf", "size": upload.size, "sha256": upload.sha256,
        "content_type": "application/pdf",
    }  # fmt: skip
    assert with_file.value == {"pages": 3}


def test_a_call_without_questions_or_rules_keeps_none_and_reads_none(applicant: User) -> None:
    proposal = cast(Proposal, ProposalFactory(lead_applicant=applicant))
    proposal.call.rules.all().delete()

    kept = _read_with_facts(proposal.pk)

    with CaptureQueriesContext(connection) as captured:
        assert stage_answers(kept, VersionKind.LOI) == []
        assert kept.call.rule_rows() == []
    assert len(captured) == 0


@pytest.mark.parametrize(
    ("spans", "member"),
    [
        ([], False),
        ([(-400, None)], True),
        ([(-400, -1)], False),  # ended yesterday
        ([(-400, -31), (0, 30)], True),  # a second membership from today
        ([(1, None)], False),  # from tomorrow
        ([(-10, 0)], True),  # its last day is today
    ],
)
def test_kept_memberships_answer_for_the_lead_as_the_query_does(
    applicant: User, spans: list[tuple[int, int | None]], member: bool
) -> None:
    proposal = cast(Proposal, ProposalFactory(lead_applicant=applicant))
    today = timezone.localdate(timezone.now(), proposal.call.zone)
    for starts, ends in spans:
        ProgramMembership.objects.create(
            organization=proposal.lead_organization, program=proposal.call.program,
            starts_on=today + timedelta(days=starts), ends_on=None if ends is None else today + timedelta(days=ends),
        )  # fmt: skip
    # Another program's membership is not this one's.
    ProgramMembership.objects.create(
        organization=proposal.lead_organization, program=_proposal().call.program, starts_on=date(2000, 1, 1)
    )
    lead = proposal.lead_organization_id
    kept = _read_with_facts(proposal.pk)

    with CaptureQueriesContext(connection) as captured:
        answer = kept.members_of_program([lead])
        assert kept.members_of_program([]) == set()
    assert len(captured) == 0
    assert answer == ({lead} if member else set())
    assert answer == Proposal.objects.select_related(*RELATED).get(pk=proposal.pk).members_of_program([lead])


def test_kept_memberships_do_not_answer_for_another_organization(applicant: User) -> None:
    proposal = cast(Proposal, ProposalFactory(lead_applicant=applicant))
    other = _proposal().lead_organization
    ProgramMembership.objects.create(organization=other, program=proposal.call.program, starts_on=date(2000, 1, 1))
    kept = _read_with_facts(proposal.pk)

    with CaptureQueriesContext(connection) as captured:
        assert kept.members_of_program([proposal.lead_organization_id, other.pk]) == {other.pk}
    assert len(captured) == 1


def test_a_row_read_from_another_snapshot_keeps_nothing(applicant: User) -> None:
    proposal = _asked_and_answered(applicant)
    read = Proposal.objects.select_related(*RELATED).annotate(**submission_facts()).get(pk=proposal.pk)
    # As PostgreSQL gives a row changed while its lock was awaited: the row's time is not the snapshot's.
    read.__dict__[READ_AT] = read.updated_at - timedelta(seconds=1)

    locked_facts_keep(read)

    assert not any(name in read.__dict__ for name in SUBMISSION_FACTS)
    with CaptureQueriesContext(connection) as captured:
        stage_answers(read, VersionKind.LOI)
        read.call.rule_rows()
        read.members_of_program([read.lead_organization_id])
    assert len(captured) == 3


def test_the_annotations_are_read_as_json(applicant: User) -> None:
    proposal = _asked_and_answered(applicant)

    read: Any = Proposal.objects.annotate(**submission_facts()).get(pk=proposal.pk)

    assert read.locked_read_at == proposal.updated_at
    assert isinstance(read.submission_rules, list)
    assert isinstance(read.submission_rules[0]["params"], dict)
    assert {type(row["choices"]) for row in read.submission_questions} == {list}
    assert sorted(str(row["answer_value"]) for row in read.submission_answers) == sorted(
        str(value) for value in Answer.objects.filter(proposal=proposal).values_list("value", flat=True)
    )
    assert read.submission_memberships is None


# --- The rules frozen in the last version, for an action whose guards read the rules in force ----------------


def _read_with_version_rules(pk: int) -> Proposal:
    proposal = Proposal.objects.select_related(*RELATED).annotate(**version_rules_facts()).get(pk=pk)
    locked_facts_keep(proposal)
    return proposal


@pytest.mark.parametrize("versions", [0, 1, 2])
def test_kept_version_rules_are_those_the_query_reads(make_proposal: MakeProposal, versions: int) -> None:
    proposal = make_proposal(S.SUBMITTED)
    for _ in range(versions):
        proposal_version_freeze(proposal=proposal, by=proposal.lead_applicant, kind=VersionKind.APPLICATION)
    # Rules of another stage's version are not this stage's.
    proposal_version_freeze(proposal=proposal, by=proposal.lead_applicant, kind=VersionKind.LOI)
    kept = _read_with_version_rules(proposal.pk)
    fresh = Proposal.objects.select_related(*RELATED).get(pk=proposal.pk)

    with CaptureQueriesContext(connection) as captured:
        row = kept.latest_version_rules(VersionKind.APPLICATION)
    assert len(captured) == 0
    assert row == fresh.latest_version_rules(VersionKind.APPLICATION)
    assert (row is None) == (versions == 0)
    if row is not None:  # versions are numbered in turn, whatever their stage
        assert (row[0], type(row[1]), type(row[2])) == (versions, int, str)  # the rules as their JSON text
        latest = ProposalVersion.objects.get(proposal=proposal, number=versions)
        assert json.loads(row[2]) == latest.data["rules"]
    assert kept.rules_in_force(VersionKind.APPLICATION) == fresh.rules_in_force(VersionKind.APPLICATION)
    # Another stage is read as before.
    with CaptureQueriesContext(connection) as captured:
        loi = kept.latest_version_rules(VersionKind.LOI)
    assert len(captured) == 1
    assert loi == fresh.latest_version_rules(VersionKind.LOI)


def test_version_rules_read_from_another_snapshot_are_not_kept(make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.SUBMITTED)
    proposal_version_freeze(proposal=proposal, by=proposal.lead_applicant, kind=VersionKind.APPLICATION)
    read = Proposal.objects.select_related(*RELATED).annotate(**version_rules_facts()).get(pk=proposal.pk)
    read.__dict__[READ_AT] = read.updated_at - timedelta(seconds=1)

    locked_facts_keep(read)

    with CaptureQueriesContext(connection) as captured:
        read.latest_version_rules(VersionKind.APPLICATION)
    assert len(captured) == 1
