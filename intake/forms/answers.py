"""The applicant's form of one section of a call's questions: a typed field per question, a row formset per table.

Each field reads what a person types (a number ``1 234,5`` in French, ``1,234.5`` in English;
an amount with at most its cents; a date) into the shape ``intake.answers`` stores, and each
answer is then checked by its question (``Question.answer_check``: limits of words, pages,
rows, options), the message beside the field and nothing typed lost. Nothing is required on
save: a draft may be incomplete, and completeness counts the required questions unanswered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from intake.answers import bilingual
from intake.choices import ColumnKind, QuestionKind
from intake.forms.application import MoneyField, WordLimitedField
from intake.models import Answer, Call, Question
from intake.models.questions import MAX_ROWS, SHORT_TEXT_LENGTH

_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d+)(?:\.\d+)?$")
_NUMBER_FR = re.compile(r"^-?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.]\d+)?$")


class NumberField(forms.CharField):
    """A number typed by a person, kept exact as a ``Decimal``: ``-12``, ``1,234.5``; in French ``1 234,5``."""

    default_error_messages = {"invalid": _("Enter a number, such as 1250 or 12.5.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "text-end"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        french = get_language() == "fr"
        if not (_NUMBER_FR if french else _NUMBER).match(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        digits = re.sub(r"[ \u00a0\u202f]", "", text)
        try:
            return Decimal(digits.replace(",", ".") if french else digits.replace(",", ""))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only digits
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


def _date_field(**kwargs: Any) -> forms.DateField:
    kwargs["required"] = False
    return forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date, such as 2027-03-31.")},
        **kwargs,
    )


def _cell_field(kind: str, label: str) -> forms.Field:
    if kind == ColumnKind.NUMBER:
        return NumberField(label=label)
    if kind == ColumnKind.MONEY:
        return MoneyField(label=label)
    if kind == ColumnKind.DATE:
        return _date_field(label=label)
    return forms.CharField(label=label, required=False, max_length=SHORT_TEXT_LENGTH)


def _stored(kind: str, value: Any) -> Any:
    """Return a cleaned field's value as ``intake.answers`` stores it (``None`` for nothing)."""
    if value is None or value == "" or value == []:
        return None
    if kind == QuestionKind.MONEY or kind == ColumnKind.MONEY:
        return f"{value:.2f}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if kind == QuestionKind.YES_NO:
        return value == "yes"
    if isinstance(value, str):
        return value.strip() or None
    return list(value) if isinstance(value, list | tuple) else value


def _shown(kind: str, value: Any) -> Any:
    """Return a stored value as its field shows it."""
    if value is None:
        return None
    if kind == QuestionKind.YES_NO:
        return "yes" if value else "no"
    return value


class TableRowsForm(BaseFormSet):
    """The rows of a table question: empty rows are dropped, the row limit said plainly."""

    question: Question

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        count = len(self.rows())
        limit = self.question.max_rows
        if limit is not None and count > limit:
            raise ValidationError(
                ngettext(
                    "This table takes at most %(limit)s row; it has %(count)s. Remove a row.",
                    "This table takes at most %(limit)s rows; it has %(count)s. Remove rows to keep %(limit)s.",
                    limit,
                )
                % {"limit": limit, "count": count},
                code="max_rows",
            )

    def rows(self) -> list[list[Any]]:
        """Return the rows filled in and not marked for removal, each the list of its cells as stored."""
        kinds = [column.get("kind") for column in self.question.columns]
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            cells = [_stored(kind, data.get(f"c{index}")) for index, kind in enumerate(kinds)]
            if any(cell is not None for cell in cells):
                rows.append(cells)
        return rows


def table_formset(question: Question, *, data: Any = None, rows: list[list[Any]] | None = None) -> TableRowsForm:
    """Return the row formset of the table ``question``, bound to ``data`` or showing ``rows``, one empty row more.

    An empty row is offered while the table is under its limit; without script, saving offers the next.
    """
    columns = question.columns or []
    fields = {
        f"c{index}": _cell_field(column.get("kind", ColumnKind.TEXT), bilingual(column, "name"))
        for index, column in enumerate(columns)
    }
    row_form = type("TableRowForm", (forms.Form,), fields)
    rows = [row for row in rows or [] if isinstance(row, list)]
    limit = question.max_rows or MAX_ROWS
    formset_class = formset_factory(
        row_form,
        formset=TableRowsForm,
        extra=1 if len(rows) < limit else 0,
        can_delete=True,
        max_num=limit,
        absolute_max=limit + 50,
    )
    initial = [{f"c{index}": cell for index, cell in enumerate(row)} for row in rows]
    prefix = f"q{question.pk}"
    formset = formset_class(data, prefix=prefix) if data is not None else formset_class(prefix=prefix, initial=initial)
    assert isinstance(formset, TableRowsForm)
    formset.question = question
    return formset


def _help(question: Question) -> str:
    parts = [question.guidance]
    if question.word_limit:
        parts.append(str(_("Up to %(limit)s words.") % {"limit": question.word_limit}))
    if question.page_limit and question.kind == QuestionKind.LONG_TEXT:
        parts.append(
            str(
                _("Up to %(limit)s pages laid out on %(layout)s.")
                % {"limit": question.page_limit, "layout": Call.page_layout.name}
            )
        )
    if question.kind == QuestionKind.FILE:
        parts.append(str(_("Accepted: %(types)s.") % {"types": ", ".join(t.upper() for t in question.file_types)}))
        if question.max_size_mb:
            parts.append(str(_("At most %(size)s MB.") % {"size": question.max_size_mb}))
        if question.page_limit:
            parts.append(str(_("At most %(limit)s pages.") % {"limit": question.page_limit}))
    if question.kind == QuestionKind.TABLE and question.max_rows:
        parts.append(str(_("At most %(limit)s rows.") % {"limit": question.max_rows}))
    return " ".join(part for part in parts if part)


def answer_field(question: Question) -> forms.Field:
    """Return the form field of ``question``'s answer, labelled and explained in the active language."""
    label = question.label
    if question.required:
        label = _("%(question)s (required)") % {"question": label}
    options: dict[str, Any] = {"label": label, "required": False, "help_text": _help(question)}
    kind = question.kind
    if kind == QuestionKind.LONG_TEXT:
        return WordLimitedField(word_limit=question.word_limit or 0, **options)
    if kind == QuestionKind.NUMBER:
        return NumberField(**options)
    if kind == QuestionKind.MONEY:
        return MoneyField(**options)
    if kind == QuestionKind.DATE:
        return _date_field(**options)
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **options)
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        choices = [(option["value"], bilingual(option, "label")) for option in question.choices]
        if kind == QuestionKind.SINGLE_CHOICE:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **options)
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **options)
    if kind == QuestionKind.FILE:
        field = forms.FileField(
            error_messages={"empty": _("This file is empty."), "invalid": _("No file was received: choose it again.")},
            **options,
        )
        field.widget.attrs["accept"] = ",".join(f".{extension}" for extension in question.file_types)
        return field
    return forms.CharField(max_length=SHORT_TEXT_LENGTH, **options)


@dataclass
class Item:
    """One question of the section as the page shows it: its field, its table or file, and its answer."""

    question: Question
    field: forms.BoundField
    answer: Answer | None
    clear: forms.BoundField | None = None
    table: TableRowsForm | None = None


class AnswersForm(forms.Form):
    """The answers to one section's questions; ``loaded_at`` carries the proposal's time the applicant started from."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        questions: list[Question],
        answers: dict[int, Answer],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, files, **kwargs)
        self.questions = questions
        self.answers = answers
        self.tables: dict[int, TableRowsForm] = {}
        for question in questions:
            name = f"q{question.pk}"
            answer = answers.get(question.pk)
            value = answer.value if answer else None
            if question.kind == QuestionKind.TABLE:
                # Carries the table's own errors (its rows' limit) beside it; the rows are the formset's.
                self.fields[name] = forms.Field(label=question.label, required=False, widget=forms.HiddenInput)
                self.tables[question.pk] = table_formset(question, data=data, rows=value if data is None else None)
                continue
            self.fields[name] = answer_field(question)
            self.initial[name] = _shown(question.kind, value)
            if question.kind == QuestionKind.FILE:
                self.fields[f"{name}_clear"] = forms.BooleanField(label=_("Remove the file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind in (QuestionKind.TABLE, QuestionKind.FILE) or name not in data:
                continue
            try:
                question.answer_check(_stored(question.kind, data[name]))
            except ValidationError as error:
                self.add_error(name, error)
        return data

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for pk, table in self.tables.items():
            if not table.is_valid():
                self.add_error(f"q{pk}", _("This table needs correcting: see the messages below."))
                valid = False
                continue
            question = table.question
            try:
                question.answer_check(table.rows() or None)
            except ValidationError as error:
                self.add_error(f"q{pk}", error)
                valid = False
        return valid and not self.errors

    def values(self) -> dict[int, Any]:
        """Return each answer (but files) as stored, by question id; call it on a valid form."""
        values = {}
        for question in self.questions:
            if question.kind == QuestionKind.TABLE:
                values[question.pk] = self.tables[question.pk].rows() or None
            elif question.kind != QuestionKind.FILE:
                values[question.pk] = _stored(question.kind, self.cleaned_data.get(f"q{question.pk}"))
        return values

    def uploads(self) -> dict[int, Any]:
        """Return the files uploaded, by question id."""
        return {
            question.pk: self.cleaned_data[f"q{question.pk}"]
            for question in self.questions
            if question.kind == QuestionKind.FILE and self.cleaned_data.get(f"q{question.pk}")
        }

    def cleared(self) -> set[int]:
        """Return the file questions whose file the applicant removes (and uploaded none in its place)."""
        return {
            question.pk
            for question in self.questions
            if question.kind == QuestionKind.FILE and self.cleaned_data.get(f"q{question.pk}_clear")
        }

    def answer_items(self) -> list[Item]:
        """Return what the page shows of each question, in order."""
        return [
            Item(
                question=question,
                field=self[f"q{question.pk}"],
                answer=self.answers.get(question.pk),
                clear=self[f"q{question.pk}_clear"] if question.kind == QuestionKind.FILE else None,
                table=self.tables.get(question.pk),
            )
            for question in self.questions
        ]
