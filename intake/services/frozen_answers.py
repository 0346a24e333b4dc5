"""The answers to a call's questions in a submitted version: frozen with their wording, then read.

A version's document (``intake.services.versions``, schema 2 on) holds ``answers``: one entry
per question of the version's stage not retired at submission, answered or not, with the
question's wording of that moment, so a later change to the question never changes what was
submitted. Versions of schema 1 have no ``answers`` and read as having none.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from intake.answers import (
    CHOICE_KINDS,
    Section,
    answer_text,
    bilingual,
    cell_text,
    option_label,
    sections_of,
    stage_answers,
)
from intake.choices import ColumnKind, QuestionKind
from intake.models import Answer, Proposal


def answers_freeze(*, proposal: Proposal, stage: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Return the frozen answers of ``proposal`` at ``stage`` and the ids of the files they hold.

    Reads what ``intake.answers.stage_answers`` kept from the submission's completeness check
    (or one query), and marks the answers given as submitted (one update, if any was given).
    """
    frozen = []
    given = []
    files = []
    for item in stage_answers(proposal, stage):
        entry: dict[str, Any] = {
            "question": item.question_id,
            "stage": stage,
            "section_en": item.section_en,
            "section_fr": item.section_fr,
            "position": item.position,
            "kind": item.kind,
            "label_en": item.label_en,
            "label_fr": item.label_fr,
            "required": item.required,
            "value": item.value,
            "attachment": item.attachment,
        }
        if item.kind in CHOICE_KINDS:
            entry["choices"] = item.choices
        if item.kind == QuestionKind.TABLE:
            entry["columns"] = item.columns
        frozen.append(entry)
        if item.answered and item.answer_id is not None:
            given.append(item.answer_id)
        if item.attachment:
            files.append(item.attachment["id"])
    if given:
        Answer.objects.filter(pk__in=given, submitted_at__isnull=True).update(submitted_at=timezone.now())
    return frozen, files


def _heading(entry: dict[str, Any]) -> str:
    return f"{bilingual(entry, 'section')}: {bilingual(entry, 'label')}"


def answers_flat(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Flatten a version's answers for the comparison: ``answers.<question id>`` → (section and question, text)."""
    return {
        f"answers.{entry['question']}": (
            _heading(entry),
            answer_text(
                kind=entry["kind"],
                value=entry.get("value"),
                choices=entry.get("choices") or [],
                columns=entry.get("columns") or [],
                attachment=entry.get("attachment"),
            ),
        )
        for entry in data.get("answers") or []
    }


def _sheet_item(entry: dict[str, Any]) -> dict[str, Any]:
    kind = entry["kind"]
    value = entry.get("value")
    item: dict[str, Any] = {
        "question": entry["question"],
        "label": bilingual(entry, "label"),
        "kind": kind,
        "required": entry.get("required", False),
        "answered": value is not None or bool(entry.get("attachment")),
        "text": "",
        "options": [],
        "table": None,
        "file": entry.get("attachment"),
    }
    if kind == QuestionKind.MULTIPLE_CHOICE and value:
        item["options"] = [option_label(entry.get("choices") or [], option) for option in value]
    elif kind == QuestionKind.TABLE and value:
        columns = entry.get("columns") or []
        # A draft's rows may be longer than the columns staff later removed: such cells read as text.
        width = max([len(columns), *(len(row) for row in value)])
        kinds = [column.get("kind", ColumnKind.TEXT) for column in columns] + [ColumnKind.TEXT] * (width - len(columns))
        numeric = [kind in (ColumnKind.NUMBER, ColumnKind.MONEY) for kind in kinds]
        item["table"] = {
            "headers": [bilingual(column, "name") for column in columns],
            "rows": [
                [{"text": cell_text(kinds[index], cell), "numeric": numeric[index]} for index, cell in enumerate(row)]
                for row in value
            ],
        }
    elif kind != QuestionKind.FILE:
        item["text"] = answer_text(kind=kind, value=value, choices=entry.get("choices") or [])
    return item


def answers_sheet(data: dict[str, Any]) -> list[Section]:
    """Arrange a version's answers for reading: by section, each question's wording as frozen and its answer."""
    entries = sorted(data.get("answers") or [], key=lambda entry: (entry.get("position", 0), entry["question"]))
    sections = sections_of(_Entry(entry) for entry in entries)
    for section in sections:
        section.items = [_sheet_item(entry.entry) for entry in section.items]
    return sections


class _Entry:
    """A frozen answer seen as ``sections_of`` groups items: by its section's names."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.section_en = entry.get("section_en") or _("Questions")
        self.section_fr = entry.get("section_fr") or ""
