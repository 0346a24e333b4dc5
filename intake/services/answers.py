"""The applicant's answers to a call's questions: the sections of a stage, saving one, and staff's export.

A stage's questions are grouped in sections (``intake.answers.sections_of``); the applicant
saves one section at a time, all its answers in one transaction over the proposal's lock
(``proposal_lock_for_editing``: a stale form is refused with 409). A file is checked as the
attachments page checks one (``attachments.upload_read``), then against the question's types,
size and pages, and stored as the answer's attachment.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.errors import StaleAction
from accounts.models import User
from intake.answers import Section, answer_text, answers_for_rules, sections_of, stage_answers_forget
from intake.choices import AttachmentType, QuestionKind, VersionKind
from intake.completeness import proposal_stage
from intake.filetypes import PDF
from intake.models import Answer, Call, Proposal, ProposalVersion, Question
from intake.pagecount import UnreadablePDF, pdf_pages
from intake.services import proposal_lock_for_editing
from intake.services.attachments import CheckedUpload, Upload, attachment_store, upload_checked
from intake.services.search import proposal_search_refresh_on_commit

__all__ = ["answers_for_rules"]  # re-exported: the eligibility rules read answers by question id

MEGABYTE = 1024 * 1024


def field_name(question: Question | int) -> str:
    """Return the form field (and error key) of ``question``'s answer."""
    return f"q{question if isinstance(question, int) else question.pk}"


def question_sections(*, proposal: Proposal, stage: str) -> list[Section]:
    """Return the questions of ``proposal``'s call at ``stage`` that are asked (not retired), by section (1 query)."""
    questions = Question.objects.filter(call_id=proposal.call_id, stage=stage, retired_at__isnull=True)
    return sections_of(questions.order_by("position", "pk"))


def question_section(*, proposal: Proposal, stage: str, number: int) -> tuple[Section, list[Section]]:
    """Return section ``number`` (from 1) of ``stage``'s questions and all the sections; 404 if there is none."""
    sections = question_sections(proposal=proposal, stage=stage)
    if not 1 <= number <= len(sections):
        raise Http404(_("This call asks no such section of questions at this stage."))
    return sections[number - 1], sections


def answers_of(*, proposal: Proposal, questions: list[Question]) -> dict[int, Answer]:
    """Return ``proposal``'s answers to ``questions`` by question id, with their files (1 query)."""
    answers = Answer.objects.filter(proposal=proposal, question__in=[q.pk for q in questions]).select_related(
        "attachment"
    )
    return {answer.question_id: answer for answer in answers}


# --- Saving a section ------------------------------------------------------------------------------


def _file_checked(question: Question, upload: Upload) -> tuple[CheckedUpload, int | None]:
    """Read and check ``upload`` as ``question``'s file; return it checked and its pages (a PDF's)."""
    name = field_name(question)
    limit = min(question.max_size_mb * MEGABYTE, settings.ATTACHMENT_MAX_BYTES) if question.max_size_mb else None
    checked = upload_checked(upload=upload, limit=limit or settings.ATTACHMENT_MAX_BYTES, field=name)
    kind = checked.kind
    if kind.extension not in question.file_types:
        raise ValidationError(
            {
                name: _("This is a %(type)s file; this question accepts only: %(accepted)s.")
                % {"type": kind.extension.upper(), "accepted": ", ".join(t.upper() for t in question.file_types)}
            }
        )
    pages = None
    if kind == PDF:
        try:
            pages = pdf_pages(checked.data, reader=checked.pdf)
        except UnreadablePDF:
            raise ValidationError(
                {name: _("We could not count the pages of this PDF. Export it to a new PDF.")}
            ) from None
    if question.page_limit and pages is not None and pages > question.page_limit:
        raise ValidationError(
            {
                name: ngettext(
                    "This PDF has %(pages)s pages; the limit is %(limit)s page.",
                    "This PDF has %(pages)s pages; the limit is %(limit)s pages.",
                    question.page_limit,
                )
                % {"pages": pages, "limit": question.page_limit}
            }
        )
    return checked, pages


def answers_save(
    *,
    proposal: Proposal,
    by: User,
    expected_updated_at: datetime | None,
    questions: list[Question],
    values: dict[int, Any],
    uploads: dict[int, Upload] | None = None,
    cleared: set[int] | frozenset[int] = frozenset(),
) -> Proposal:
    """Save the answers to ``questions`` (one section of the proposal's current stage) together.

    ``values`` holds each answer as ``intake.answers`` stores it (``None`` for none) by
    question id; a file question takes its ``uploads`` or is in ``cleared``, else keeps its
    file. Every answer is checked (``Question.answer_check``) and every file read first, so a
    refusal names each answer at fault and saves nothing. Then, in one transaction: the
    proposal locked as for any edit (refused if somebody saved it since ``expected_updated_at``),
    the answers written in one statement, the files stored, the proposal's time bumped.
    """
    uploads = uploads or {}
    by_id = {question.pk: question for question in questions}
    unknown = (set(values) | set(uploads) | set(cleared)) - set(by_id)
    if unknown:
        raise TypeError(f"answers to questions not saved here: {sorted(unknown)}")
    not_files = {pk for pk in (*uploads, *cleared) if by_id[pk].kind != QuestionKind.FILE}
    if not_files:
        raise TypeError(f"files for questions that take none: {sorted(not_files)}")
    errors: dict[str, list[str]] = {}
    files = {}
    for pk, value in values.items():
        try:
            by_id[pk].answer_check(value)
        except ValidationError as error:
            errors[field_name(pk)] = error.messages
    for pk, upload in uploads.items():
        try:
            files[pk] = _file_checked(by_id[pk], upload)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = proposal_lock_for_editing(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        stage = proposal_stage(current)
        if any(question.call_id != current.call_id or question.stage != stage for question in questions):
            raise StaleAction(
                _("This proposal moved to another stage while you were answering: these questions are no longer asked.")
            )
        rows = [
            Answer(proposal=current, question=by_id[pk], value=value)
            for pk, value in values.items()
            if by_id[pk].kind != QuestionKind.FILE
        ]
        for pk in sorted(set(cleared) - set(files)):
            rows.append(Answer(proposal=current, question=by_id[pk], value=None, attachment=None))
        for pk, (checked, pages) in sorted(files.items()):
            attachment = attachment_store(
                proposal=current, by=by, kind=AttachmentType.ANSWER, name=uploads[pk].name or "", data=checked.data,
                kind_of_file=checked.kind, pdf=checked.pdf,
            )  # fmt: skip
            rows.append(Answer(proposal=current, question=by_id[pk], value={"pages": pages}, attachment=attachment))
        if rows:
            Answer.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["proposal", "question"],
                update_fields=["value", "attachment", "updated_at"],
            )
        current.save(update_fields=["updated_at"])
        proposal_search_refresh_on_commit(proposal_id=current.pk)
    stage_answers_forget(proposal)
    return current


# --- Staff's export ----------------------------------------------------------------------------------


#: Characters that make a spreadsheet read a cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file that hands back what is written, for ``csv.writer`` to feed a streamed response."""

    def write(self, value: str) -> str:
        return value


def _answer_cells(latest: dict[str, dict[str, Any]], columns: list[int]) -> list[str]:
    answers = {entry["question"]: entry for version in latest.values() for entry in (version.get("answers") or [])}
    cells = []
    for pk in columns:
        entry = answers.get(pk)
        cells.append(
            answer_text(
                kind=entry["kind"],
                value=entry.get("value"),
                choices=entry.get("choices") or [],
                columns=entry.get("columns") or [],
                attachment=entry.get("attachment"),
            )
            if entry
            else ""
        )
    return cells


def call_answers_csv(*, call: Call) -> Iterator[str]:
    """Yield the CSV of the answers ``call``'s proposals submitted: one row per proposal with a version.

    A column per question of the call (by stage, then in order; retired ones too), holding each
    proposal's answer as its last version of that stage froze it. Two queries, the versions read
    in chunks.
    """
    writer = csv.writer(_Echo())
    stage_order = {stage: index for index, stage in enumerate(VersionKind.values)}
    questions = sorted(
        Question.objects.filter(call=call), key=lambda q: (stage_order.get(q.stage, 99), q.position, q.pk)
    )
    stage_labels = dict(VersionKind.choices)
    yield writer.writerow(
        [
            _("proposal"), _("title"), _("lead organization"), _("state"), _("last submitted"),
            *(
                _csv_safe(f"{stage_labels.get(q.stage, q.stage)} · {q.section} · {q.label}"
                          + (" (" + _('retired') + ")" if q.retired_at else ""))
                for q in questions
            ),
        ]
    )  # fmt: skip
    columns = [question.pk for question in questions]
    versions = (
        ProposalVersion.objects.filter(proposal__call=call)
        .order_by("proposal_id", "number")
        .values_list("proposal_id", "kind", "data", "submitted_at", "proposal__state")
    )
    current: int | None = None
    latest: dict[str, dict[str, Any]] = {}
    row: list[Any] = []
    for proposal_id, kind, data, submitted_at, state in versions.iterator(chunk_size=500):
        if proposal_id != current and current is not None:
            yield writer.writerow([_csv_safe(cell) for cell in row + _answer_cells(latest, columns)])
            latest = {}
        current = proposal_id
        latest[kind] = data
        row = [proposal_id, data.get("title", ""), data.get("lead_organization", ""), state,
               timezone.localtime(submitted_at, call.zone).isoformat()]  # fmt: skip
    if current is not None:
        yield writer.writerow([_csv_safe(cell) for cell in row + _answer_cells(latest, columns)])
