"""Application questions: what a call asks at each stage, typed and bilingual, and the proposals' answers.

Staff build each stage's form from questions (``intake.choices.QuestionKind``), grouped in
sections and ordered by ``position``. A stage is a value of ``intake.choices.QuestionStage``
(a stage of the path, ``VersionKind``, or the funded project's reports),
as for ``assessment.models.Rubric``. An answer's stored shape is ``intake.answers``'s.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from intake.answers import CHOICE_KINDS, MUST_HOLD_KINDS
from intake.choices import ColumnKind, QuestionKind, QuestionStage
from intake.eligibility import word_count
from intake.filetypes import ACCEPTED_EXTENSIONS, PDF
from intake.models.attachments import Attachment
from intake.models.base import BilingualMixin
from intake.models.calls import Call
from intake.models.proposals import Proposal
from intake.pagecount import text_pages

#: An option's value: what an answer stores, so staff can reword the option's labels later.
OPTION_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
#: The most rows a table question may allow, and options a choice may offer.
MAX_ROWS = 200
MAX_OPTIONS = 100
MAX_COLUMNS = 12
#: The kinds that may carry each limit.
WORD_LIMITED = frozenset({QuestionKind.LONG_TEXT})
PAGE_LIMITED = frozenset({QuestionKind.LONG_TEXT, QuestionKind.FILE})


#: The longest answers kept, in characters: a short text's, and any text's (whatever its limits).
SHORT_TEXT_LENGTH = 500
LONG_TEXT_LENGTH = 100_000
#: The largest number or amount an answer holds: 14 digits before the point, as amounts elsewhere.
MAX_DIGITS_BEFORE_POINT = 14
MAX_DECIMALS = 6


def _decimal_check(value: Any, *, money: bool) -> None:
    """Refuse ``value`` unless it is an exact decimal as text (never a float), in range; money: cents, not negative."""
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(_("Enter a number."), code="invalid")
    sign, digits, exponent = amount.as_tuple()
    decimals = -int(exponent) if isinstance(exponent, int) and exponent < 0 else 0
    if len(digits) - decimals > MAX_DIGITS_BEFORE_POINT:
        raise ValidationError(_("This number is too large."), code="too_large")
    if money and sign:
        raise ValidationError(_("An amount cannot be negative."), code="negative")
    if decimals > (2 if money else MAX_DECIMALS):
        raise ValidationError(
            _("An amount has at most two decimals (the cents).")
            if money
            else _("A number has at most %(places)s decimals.") % {"places": MAX_DECIMALS},
            code="decimals",
        )


def _date_check(value: Any) -> None:
    """Refuse ``value`` unless it is a date written ``YYYY-MM-DD``."""
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Enter a date, such as 2027-03-31."), code="invalid") from None


def _max_size_mb() -> int:
    return max(1, settings.ATTACHMENT_MAX_BYTES // (1024 * 1024))


class Question(BilingualMixin, models.Model):
    """One question of a call at one stage: its wording in both languages, its kind and its limits."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions", verbose_name=_("call"))
    stage = models.CharField(_("stage"), max_length=16, choices=QuestionStage.choices)
    section_en = models.CharField(_("section (English)"), max_length=200)
    section_fr = models.CharField(_("section (French)"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    label_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    label_fr = models.CharField(_("question (French)"), max_length=500, blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    guidance_fr = models.TextField(_("guidance (French)"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    word_limit = models.PositiveIntegerField(_("word limit"), null=True, blank=True, validators=[MinValueValidator(1)])
    page_limit = models.PositiveIntegerField(
        _("page limit"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    choices = models.JSONField(_("options"), default=list, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    max_rows = models.PositiveIntegerField(
        _("most rows"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_ROWS)]
    )
    file_types = models.JSONField(_("file types accepted"), default=list, blank=True)
    max_size_mb = models.PositiveIntegerField(
        _("largest file (MB)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    must_hold = models.JSONField(
        _("answer that must hold"),
        null=True,
        blank=True,
        help_text=_("For an eligibility questionnaire: the answer a proposal must give to go on."),
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["call", "stage", "position", "pk"]
        indexes = [models.Index(fields=["call", "stage", "position"], name="question_call_stage_order")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="question_kind_known"),
            models.CheckConstraint(
                condition=Q(word_limit__isnull=True) | Q(word_limit__gte=1, kind=QuestionKind.LONG_TEXT),
                name="question_word_limit_on_long_text",
            ),
            models.CheckConstraint(
                condition=Q(page_limit__isnull=True) | Q(page_limit__gte=1, kind__in=sorted(PAGE_LIMITED)),
                name="question_page_limit_on_long_text_or_file",
            ),
        ]

    def __str__(self) -> str:
        return self.label or str(_("Question %(number)s") % {"number": self.pk})

    @property
    def label(self) -> str:
        return self.localized("label")

    @property
    def section(self) -> str:
        return self.localized("section")

    @property
    def guidance(self) -> str:
        return self.localized("guidance")

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def option_values(self) -> list[str]:
        return [str(option.get("value")) for option in self.choices or []]

    def answer_check(self, value: Any) -> None:
        """Refuse ``value`` as this question's answer (stored as ``intake.answers`` says), saying why.

        ``None`` (no answer) is always accepted: a draft may be incomplete, and completeness
        counts the required questions left unanswered.
        """
        if value is None:
            return
        kind = self.kind
        if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            if not isinstance(value, str):
                raise ValidationError(_("Enter text."), code="invalid")
            self._text_check(value)
        elif kind in (QuestionKind.NUMBER, QuestionKind.MONEY):
            _decimal_check(value, money=kind == QuestionKind.MONEY)
        elif kind == QuestionKind.DATE:
            _date_check(value)
        elif kind == QuestionKind.YES_NO:
            if not isinstance(value, bool):
                raise ValidationError(_("Answer yes or no."), code="invalid")
        elif kind == QuestionKind.SINGLE_CHOICE:
            if value not in self.option_values():
                raise ValidationError(_("Choose one of the options."), code="invalid_choice")
        elif kind == QuestionKind.MULTIPLE_CHOICE:
            if (
                not isinstance(value, list)
                or not set(value) <= set(self.option_values())
                or len(set(value)) != len(value)
            ):
                raise ValidationError(_("Choose among the options, each once."), code="invalid_choice")
        elif kind == QuestionKind.TABLE:
            self._table_check(value)
        elif kind == QuestionKind.FILE and not isinstance(value, dict):
            raise ValidationError(_("Upload the file again."), code="invalid")

    def _text_check(self, value: str) -> None:
        if self.kind == QuestionKind.SHORT_TEXT and len(value) > SHORT_TEXT_LENGTH:
            raise ValidationError(
                _("Keep this answer under %(limit)s characters; it has %(count)s.")
                % {"limit": SHORT_TEXT_LENGTH, "count": len(value)},
                code="max_length",
            )
        if len(value) > LONG_TEXT_LENGTH:
            raise ValidationError(
                _("This text is too long: keep it under %(limit)s characters.") % {"limit": LONG_TEXT_LENGTH},
                code="max_length",
            )
        words = word_count(value)
        if self.word_limit and words > self.word_limit:
            raise ValidationError(
                ngettext(
                    "This text has %(count)s words; the limit is %(limit)s. Shorten it by %(over)s word.",
                    "This text has %(count)s words; the limit is %(limit)s. Shorten it by %(over)s words.",
                    words - self.word_limit,
                )
                % {"count": words, "limit": self.word_limit, "over": words - self.word_limit},
                code="word_limit",
            )
        if self.page_limit:
            layout = Call.page_layout
            pages = text_pages(value, layout)
            if pages > self.page_limit:
                raise ValidationError(
                    _(
                        "This text fills %(pages)s pages laid out on %(layout)s; the limit is %(limit)s. "
                        "Shorten it (blank lines count as lines)."
                    )
                    % {"pages": pages, "layout": layout.name, "limit": self.page_limit},
                    code="page_limit",
                )

    def _table_check(self, value: Any) -> None:
        columns = self.columns or []
        if not isinstance(value, list) or any(not isinstance(row, list) or len(row) != len(columns) for row in value):
            raise ValidationError(_("This table's rows do not match its columns: fill it in again."), code="invalid")
        if self.max_rows is not None and len(value) > self.max_rows:
            raise ValidationError(
                ngettext(
                    "This table takes at most %(limit)s row; it has %(count)s.",
                    "This table takes at most %(limit)s rows; it has %(count)s.",
                    self.max_rows,
                )
                % {"limit": self.max_rows, "count": len(value)},
                code="max_rows",
            )
        for row in value:
            for column, cell in zip(columns, row, strict=True):
                if cell is None:
                    continue
                kind = column.get("kind")
                if kind == ColumnKind.TEXT and (not isinstance(cell, str) or len(cell) > SHORT_TEXT_LENGTH):
                    raise ValidationError(
                        _("Keep each cell under %(limit)s characters.") % {"limit": SHORT_TEXT_LENGTH}, code="invalid"
                    )
                if kind in (ColumnKind.NUMBER, ColumnKind.MONEY):
                    _decimal_check(cell, money=kind == ColumnKind.MONEY)
                if kind == ColumnKind.DATE:
                    _date_check(cell)

    def clean(self) -> None:
        """Refuse a question that cannot be asked, with a message beside the field at fault."""
        errors: dict[str, list[str]] = {}

        def refuse(name: str, message: Any) -> None:
            errors.setdefault(name, []).append(str(message))

        if self.kind not in QuestionKind.values:
            refuse("kind", _("Unknown kind of question: %(kind)s.") % {"kind": self.kind})
        if self.stage not in QuestionStage.values:
            refuse("stage", _("Unknown stage: %(stage)s.") % {"stage": self.stage})
        if self.stage == QuestionStage.REPORT and self.kind == QuestionKind.FILE:
            refuse("kind", _("A report question cannot ask for a file: the milestones take the evidence."))
        if self.stage == QuestionStage.REPORT and self.must_hold is not None:
            refuse("must_hold", _("A report question has no answer that must hold."))
        if not (self.section_en or "").strip():
            refuse("section_en", _("Name the section in English."))
        if not (self.label_en or "").strip():
            refuse("label_en", _("Write the question in English."))
        if self.required and not (self.label_fr or "").strip():
            refuse("label_fr", _("A required question needs its wording in French too."))
        if self.word_limit is not None and self.kind not in WORD_LIMITED:
            refuse("word_limit", _("Only a long text has a word limit."))
        if self.page_limit is not None and self.kind not in PAGE_LIMITED:
            refuse("page_limit", _("Only a long text or a file has a page limit."))
        if self.word_limit is not None and self.page_limit is not None:
            refuse("page_limit", _("Limit a long text by words or by pages, not both."))
        self._clean_choices(refuse)
        self._clean_columns(refuse)
        self._clean_file(refuse)
        self._clean_must_hold(refuse)
        if errors:
            raise ValidationError(errors)

    def _clean_choices(self, refuse: Any) -> None:
        options = self.choices or []
        if self.kind not in CHOICE_KINDS:
            if options:
                refuse("choices", _("Only a choice question has options."))
            return
        if not isinstance(options, list) or not options:
            refuse("choices", _("Give the options to choose from."))
            return
        if len(options) > MAX_OPTIONS:
            refuse("choices", _("Offer at most %(limit)s options.") % {"limit": MAX_OPTIONS})
        values: list[str] = []
        for number, option in enumerate(options, start=1):
            if not isinstance(option, dict):
                refuse("choices", _("Option %(number)s is not an option.") % {"number": number})
                continue
            value = str(option.get("value") or "")
            if not OPTION_VALUE.match(value):
                refuse(
                    "choices",
                    _("Option %(number)s needs a short code of letters, digits, - or _ (e.g. member).")
                    % {"number": number},
                )
            values.append(value)
            if not str(option.get("label_en") or "").strip() or not str(option.get("label_fr") or "").strip():
                refuse("choices", _("Option %(number)s needs a label in English and in French.") % {"number": number})
        if len(set(values)) != len(values):
            refuse("choices", _("Two options have the same code: give each its own."))

    def _clean_columns(self, refuse: Any) -> None:
        columns = self.columns or []
        if self.kind != QuestionKind.TABLE:
            if columns:
                refuse("columns", _("Only a table has columns."))
            if self.max_rows is not None:
                refuse("max_rows", _("Only a table has a row limit."))
            return
        if not isinstance(columns, list) or not columns:
            refuse("columns", _("Give the table its columns."))
            return
        if len(columns) > MAX_COLUMNS:
            refuse("columns", _("A table has at most %(limit)s columns.") % {"limit": MAX_COLUMNS})
        for number, column in enumerate(columns, start=1):
            if not isinstance(column, dict) or column.get("kind") not in ColumnKind.values:
                refuse(
                    "columns",
                    _("Column %(number)s needs a kind: text, number, money or date.") % {"number": number},
                )
                continue
            if not str(column.get("name_en") or "").strip() or not str(column.get("name_fr") or "").strip():
                refuse("columns", _("Column %(number)s needs a name in English and in French.") % {"number": number})
        if self.max_rows is None:
            refuse("max_rows", _("Say how many rows the table may have."))

    def _clean_file(self, refuse: Any) -> None:
        types = self.file_types or []
        if self.kind != QuestionKind.FILE:
            if types:
                refuse("file_types", _("Only a file question accepts file types."))
            if self.max_size_mb is not None:
                refuse("max_size_mb", _("Only a file question has a size limit."))
            return
        if not isinstance(types, list) or not types:
            refuse("file_types", _("Choose the types of file accepted."))
        else:
            unknown = sorted(set(map(str, types)) - set(ACCEPTED_EXTENSIONS))
            if unknown:
                refuse("file_types", _("Unknown file types: %(types)s.") % {"types": ", ".join(unknown)})
            if self.page_limit is not None and list(types) != [PDF.extension]:
                refuse("page_limit", _("Pages are counted in a PDF only: accept PDF alone to limit the pages."))
        largest = _max_size_mb()
        if self.max_size_mb is not None and self.max_size_mb > largest:
            refuse("max_size_mb", _("No file may be larger than %(limit)s MB.") % {"limit": largest})

    def _clean_must_hold(self, refuse: Any) -> None:
        must = self.must_hold
        if must is None:
            return
        if self.kind not in MUST_HOLD_KINDS:
            refuse("must_hold", _("Only a yes-or-no or a choice question can have an answer that must hold."))
        elif self.kind == QuestionKind.YES_NO and not isinstance(must, bool):
            refuse("must_hold", _("The answer that must hold is yes or no."))
        elif self.kind == QuestionKind.SINGLE_CHOICE and must not in self.option_values():
            refuse("must_hold", _("The answer that must hold must be one of the options."))
        elif self.kind == QuestionKind.MULTIPLE_CHOICE and (
            not isinstance(must, list) or not must or not set(map(str, must)) <= set(self.option_values())
        ):
            refuse("must_hold", _("The answers that must hold must be among the options."))


class Answer(models.Model):
    """A proposal's answer to one question: its value as ``intake.answers`` stores it, or its file.

    ``submitted_at`` is set when a submitted version first freezes a non-empty answer, and
    never cleared: from then on the question may be retired, not removed or retyped.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="answers", verbose_name=_("proposal"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question"))
    value = models.JSONField(_("answer"), null=True, blank=True)
    attachment = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, null=True, blank=True, related_name="answers",
        verbose_name=_("file"),
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["proposal", "question__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "question"], name="answer_one_per_question"),
        ]
        indexes = [models.Index(fields=["question", "submitted_at"], name="answer_question_submitted")]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.question_id}"
