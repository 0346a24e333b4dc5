"""Answers to a call's questions: their stored shape, when one is empty or holds, and how one reads (a leaf).

An answer's value is stored as JSON, by its question's kind (``intake.choices.QuestionKind``):

- short and long text: the text; a date: ``"YYYY-MM-DD"``; yes or no: ``true`` or ``false``;
- a number or an amount of money: the exact decimal as text (``"12500.00"``), never a float;
- one choice: the chosen option's value; several choices: the list of their values;
- a table: a list of rows, each the list of its cells in the order of the columns (text,
  decimals as text, dates as ``"YYYY-MM-DD"``, an empty cell ``null``);
- a file: ``{"pages": n}`` (``n`` counted for a PDF, else ``null``), the file itself being the
  answer's attachment.

An empty answer is stored as SQL ``NULL`` (Python ``None``), so "answered" is a plain test in
SQL. Like ``intake.completeness``, the functions that read a proposal go through its related
managers (``proposal.call.questions``, ``proposal.answers``) and import no model; of the rest of
the project, only ``records.sql``'s compiled reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, FilteredRelation, Q
from django.utils import translation
from django.utils.translation import gettext as _

from intake.choices import ColumnKind, QuestionKind
from records.sql import rows_read_compiled_for

#: The kinds whose answer may carry an answer that must hold (an eligibility questionnaire's).
MUST_HOLD_KINDS = frozenset({QuestionKind.YES_NO, QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
#: The kinds that choose among the question's options.
CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})


def language() -> str:
    """Return the active language, ``en`` or ``fr``."""
    return "fr" if (translation.get_language() or "en")[:2] == "fr" else "en"


def bilingual(item: dict[str, Any] | Any, name: str, lang: str | None = None) -> str:
    """Return ``item``'s ``<name>_<lang>`` (a dict's key or an object's attribute), falling back to English."""
    lang = lang or language()

    def read(key: str) -> str:
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, "")
        return str(value or "")

    return read(f"{name}_{lang}") or read(f"{name}_en")


def answer_is_empty(value: Any, attachment_id: int | None = None) -> bool:
    """Return whether an answer holds nothing: no value (an empty text, list or table counts as none) and no file."""
    if attachment_id is not None:
        return False
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not any(not answer_is_empty(item) for item in value)
    return False


def answer_holds(*, kind: str, must_hold: Any, value: Any) -> bool:
    """Return whether ``value`` is the answer that must hold: that answer, or for several choices, all of them.

    A question with no answer that must hold (``None``) always holds; an empty answer never holds one.
    """
    if must_hold is None:
        return True
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return isinstance(value, list) and set(must_hold) <= set(value)
    return value == must_hold


def answers_for_rules(proposal: Any) -> dict[int, Any]:
    """Return the answers of ``proposal`` that rules read: question id → stored value, empty answers left out.

    One query; the answers to retired questions are left out (those questions are no longer asked).
    """
    rows = proposal.answers.filter(question__retired_at__isnull=True).values_list("question_id", "value")
    return {question_id: value for question_id, value in rows if value is not None}


# --- Reading the answers of one stage -------------------------------------------------------------


@dataclass
class StageAnswer:
    """One question of a stage beside the proposal's answer to it (``value`` ``None`` when unanswered)."""

    question_id: int
    section_en: str
    section_fr: str
    position: int
    kind: str
    label_en: str
    label_fr: str
    required: bool
    choices: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    value: Any = None
    answer_id: int | None = None
    attachment: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        return not answer_is_empty(self.value, self.attachment["id"] if self.attachment else None)

    @property
    def label(self) -> str:
        return bilingual(self.__dict__, "label")

    @property
    def section(self) -> str:
        return bilingual(self.__dict__, "section")


_CACHE = "_stage_answers"


#: The columns of a question that ``stage_answers`` reads.
QUESTION_COLUMNS = ("pk", "section_en", "section_fr", "position", "kind", "label_en", "label_fr", "required", "choices",
                    "columns")  # fmt: skip
#: The columns of its answer by the proposal that ``stage_answers`` reads, each with its path from the answer.
ANSWER_COLUMNS = {
    "answer_id": "pk",
    "answer_value": "value",
    "attachment_pk": "attachment_id",
    "attachment_name": "attachment__original_name",
    "attachment_size": "attachment__size",
    "attachment_sha256": "attachment__sha256",
    "attachment_type": "attachment__content_type",
}


def stage_answers(proposal: Any, stage: str) -> list[StageAnswer]:
    """Return the questions of ``proposal``'s call at ``stage`` (not retired), in order, each with its answer.

    One query (the questions, their answer by this proposal and its file, in one join), kept on
    ``proposal`` for the rest of the request: a submission's completeness check and the version it
    freezes read it once. ``stage_answers_forget`` drops it after a save. The read is compiled once
    per stage and connection and run with the call's and the proposal's keys swapped in
    (``records.sql.rows_read_compiled_for``).
    """
    cache = proposal.__dict__.setdefault(_CACHE, {})
    if stage not in cache:
        question = proposal.call.questions.model

        def read(keys: tuple[int, ...]) -> Any:
            call_id, proposal_id = keys
            return (
                question.objects.filter(call_id=call_id, stage=stage, retired_at__isnull=True)
                .annotate(mine=FilteredRelation("answers", condition=Q(answers__proposal_id=proposal_id)))
                .annotate(**{name: F(f"mine__{path}") for name, path in ANSWER_COLUMNS.items()})
                .order_by("position", "pk")
                .values(*QUESTION_COLUMNS, *ANSWER_COLUMNS)
            )

        rows = rows_read_compiled_for(question, ("stage_answers", stage), read, (proposal.call_id, proposal.pk))
        cache[stage] = [_stage_answer(row) for row in rows]
    return list(cache[stage])


def _stage_answer(row: dict[str, Any]) -> StageAnswer:
    return StageAnswer(
        question_id=row["pk"],
        section_en=row["section_en"],
        section_fr=row["section_fr"],
        position=row["position"],
        kind=row["kind"],
        label_en=row["label_en"],
        label_fr=row["label_fr"],
        required=bool(row["required"]),  # SQLite's JSON gives a boolean as 1 or 0
        choices=row["choices"] or [],
        columns=row["columns"] or [],
        value=row["answer_value"],
        answer_id=row["answer_id"],
        attachment=(
            {
                "id": row["attachment_pk"],
                "name": row["attachment_name"],
                "size": row["attachment_size"],
                "sha256": row["attachment_sha256"],
                "content_type": row["attachment_type"],
            }
            if row["attachment_pk"] is not None
            else None
        ),
    )


def stage_answers_keep(
    proposal: Any, stage: str, questions: Iterable[dict[str, Any]], answers: Iterable[dict[str, Any]]
) -> None:
    """Keep ``stage``'s questions and ``proposal``'s answers, read with its row, as ``stage_answers`` reads them.

    ``questions`` hold ``QUESTION_COLUMNS``, in any order; ``answers`` hold ``ANSWER_COLUMNS``
    and ``question_id`` (``intake.selectors.submission_facts``). ``stage_answers`` then reads
    them from here, in its order, without a query.
    """
    nothing = dict.fromkeys(ANSWER_COLUMNS)
    given = {answer["question_id"]: answer for answer in answers}
    ordered = sorted(questions, key=lambda question: (question["position"], question["pk"]))
    proposal.__dict__.setdefault(_CACHE, {})[stage] = [
        _stage_answer({**question, **given.get(question["pk"], nothing)}) for question in ordered
    ]


def stage_answers_forget(proposal: Any) -> None:
    """Drop what ``stage_answers`` kept on ``proposal``: its answers changed."""
    proposal.__dict__.pop(_CACHE, None)


@dataclass
class Section:
    """The questions of one section, in order."""

    section_en: str
    section_fr: str
    items: list[Any] = field(default_factory=list)

    @property
    def title(self) -> str:
        return bilingual(self.__dict__, "section")


def sections_of(items: Iterable[Any]) -> list[Section]:
    """Group questions (or anything with ``section_en``/``section_fr``), already in order, by section.

    Sections come in the order of their first question; a section is known by its English name.
    """
    sections: dict[str, Section] = {}
    for item in items:
        section = sections.get(item.section_en)
        if section is None:
            section = sections[item.section_en] = Section(item.section_en, item.section_fr)
        section.items.append(item)
    return list(sections.values())


def missing_answers(proposal: Any, stage: str) -> list[str]:
    """Return, for each section of ``stage``'s questions with required questions unanswered, one message."""
    missing = []
    for section in sections_of(stage_answers(proposal, stage)):
        unanswered = [item.label for item in section.items if item.required and not item.answered]
        if unanswered:
            missing.append(
                _("%(section)s: an answer to %(questions)s")
                % {"section": section.title, "questions": ", ".join(f"“{label}”" for label in unanswered)}
            )
    return missing


# --- How an answer reads -----------------------------------------------------------------------


def option_label(options: Sequence[dict[str, Any]], value: Any, lang: str | None = None) -> str:
    """Return the label of the option ``value`` among ``options``, or the value itself if it is not one."""
    for option in options:
        if option.get("value") == value:
            return bilingual(option, "label", lang)
    return str(value)


def _number(value: Any, *, money: bool) -> str:
    amount = Decimal(str(value))
    return f"{amount:,.2f}" if money else str(amount)


def cell_text(kind: str, value: Any) -> str:
    """Return one cell of a table as text."""
    if value is None or value == "":
        return ""
    if kind in (ColumnKind.NUMBER, ColumnKind.MONEY):
        return _number(value, money=kind == ColumnKind.MONEY)
    return str(value)


def answer_text(
    *,
    kind: str,
    value: Any,
    choices: Sequence[dict[str, Any]] = (),
    columns: Sequence[dict[str, Any]] = (),
    attachment: dict[str, Any] | None = None,
    lang: str | None = None,
) -> str:
    """Return an answer as plain text, for an export or a comparison: one line, or one per table row."""
    if kind == QuestionKind.FILE:
        if not attachment:
            return ""
        return f"{attachment['name']} (SHA-256 {str(attachment['sha256'])[:12]})"
    if value is None:
        return ""
    if kind == QuestionKind.YES_NO:
        with translation.override(lang or language()):
            return _("yes") if value else _("no")
    if kind == QuestionKind.SINGLE_CHOICE:
        return option_label(choices, value, lang)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return "; ".join(option_label(choices, item, lang) for item in value)
    if kind in (QuestionKind.NUMBER, QuestionKind.MONEY):
        return _number(value, money=kind == QuestionKind.MONEY)
    if kind == QuestionKind.TABLE:
        kinds = [column.get("kind", ColumnKind.TEXT) for column in columns]
        return "\n".join(
            " | ".join(
                cell_text(kinds[index] if index < len(kinds) else ColumnKind.TEXT, cell)
                for index, cell in enumerate(row)
            )
            for row in value
        )
    return str(value)
