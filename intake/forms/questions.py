"""Staff's forms of a call's questions: one question of a chosen kind, a reason, and copying from another call.

A question's form shows the fields its kind uses: the limits of a long text, the options of a
choice (one per line, ``code | English | French``), the columns of a table (one per line,
``kind | English | French``), the types and size of a file, the answer that must hold.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intake.answers import CHOICE_KINDS, MUST_HOLD_KINDS
from intake.choices import ColumnKind, QuestionKind
from intake.filetypes import ACCEPTED_EXTENSIONS
from intake.models import Call, Question

#: The fields each kind adds to the common ones (section, wording, guidance, required).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    QuestionKind.LONG_TEXT: ("word_limit", "page_limit"),
    QuestionKind.SINGLE_CHOICE: ("choices", "must_hold"),
    QuestionKind.MULTIPLE_CHOICE: ("choices", "must_hold"),
    QuestionKind.YES_NO: ("must_hold_yes_no",),
    QuestionKind.TABLE: ("columns", "max_rows"),
    QuestionKind.FILE: ("file_types", "max_size_mb", "page_limit"),
}
COMMON_FIELDS = ("section_en", "section_fr", "label_en", "label_fr", "guidance_en", "guidance_fr", "required")


def _lines(text: str) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in (text or "").splitlines() if line.strip()]


def _limit(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, help_text=help_text)


class QuestionForm(forms.Form):
    """A question of ``kind``: its place in a section, its wording in both languages and what its kind needs."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    section_en = forms.CharField(label=_("Section (English)"), max_length=200)
    section_fr = forms.CharField(label=_("Section (French)"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    label_fr = forms.CharField(
        label=_("Question (French)"),
        max_length=500,
        required=False,
        help_text=_("Required for a required question."),
    )
    guidance_en = forms.CharField(
        label=_("Guidance (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    guidance_fr = forms.CharField(
        label=_("Guidance (French)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=_("An answer is required to submit"), required=False, initial=True)
    word_limit = _limit(_("Word limit"))
    page_limit = _limit(_("Page limit"))
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One option a line: a short code (letters, digits, - or _), then the English and the French label, "
            "separated by |. For example: member | Member of the cluster | Membre de la grappe"
        ),
    )
    must_hold = forms.CharField(
        label=_("Answer that must hold (eligibility questionnaire)"),
        required=False,
        help_text=_("The code of the option a proposal must choose; for several choices, codes separated by commas."),
    )
    must_hold_yes_no = forms.ChoiceField(
        label=_("Answer that must hold (eligibility questionnaire)"),
        required=False,
        choices=[("", _("None")), ("yes", _("Yes")), ("no", _("No"))],
    )
    columns = forms.CharField(
        label=_("Columns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One column a line: its kind (text, number, money or date), then its English and French names, "
            "separated by |. For example: money | Amount | Montant"
        ),
    )
    max_rows = _limit(_("Most rows"))
    file_types = forms.MultipleChoiceField(
        label=_("File types accepted"),
        required=False,
        choices=[(extension, extension.upper()) for extension in ACCEPTED_EXTENSIONS],
        widget=forms.CheckboxSelectMultiple,
    )
    max_size_mb = _limit(_("Largest file (MB)"))
    reason = forms.CharField(
        label=_("Why this change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the history of every proposal submitted at this stage."),
    )

    def __init__(self, *args: Any, kind: str, question: Question | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        used = {*COMMON_FIELDS, *KIND_FIELDS.get(kind, ()), "loaded_at", "reason"}
        for name in list(self.fields):
            if name not in used:
                del self.fields[name]
        self.fields["section_en"].widget.attrs["list"] = "sections-en"
        self.fields["section_fr"].widget.attrs["list"] = "sections-fr"
        if kind == QuestionKind.FILE and "page_limit" in self.fields:
            self.fields["page_limit"].help_text = _("Pages are counted in a PDF: accept PDF alone to set it.")
        if question is not None and not self.is_bound:
            self.initial.update(self._initial_of(question))

    @staticmethod
    def _initial_of(question: Question) -> dict[str, Any]:
        initial = {name: getattr(question, name) for name in (*COMMON_FIELDS, "word_limit", "page_limit", "max_rows")}
        initial.update(
            loaded_at=question.updated_at.isoformat(),
            choices="\n".join(
                f"{option.get('value')} | {option.get('label_en')} | {option.get('label_fr')}"
                for option in question.choices or []
            ),
            columns="\n".join(
                f"{column.get('kind')} | {column.get('name_en')} | {column.get('name_fr')}"
                for column in question.columns or []
            ),
            file_types=question.file_types,
            max_size_mb=question.max_size_mb,
        )
        must = question.must_hold
        if question.kind == QuestionKind.YES_NO:
            initial["must_hold_yes_no"] = "" if must is None else "yes" if must else "no"
        elif isinstance(must, list):
            initial["must_hold"] = ", ".join(map(str, must))
        elif must is not None:
            initial["must_hold"] = str(must)
        return initial

    def clean_choices(self) -> list[dict[str, str]]:
        options = []
        for number, parts in enumerate(_lines(self.cleaned_data.get("choices", "")), start=1):
            if len(parts) != 3:
                raise ValidationError(
                    _("Line %(number)s: write a code, the English label and the French label, separated by |.")
                    % {"number": number}
                )
            options.append({"value": parts[0], "label_en": parts[1], "label_fr": parts[2]})
        return options

    def clean_columns(self) -> list[dict[str, str]]:
        columns = []
        for number, parts in enumerate(_lines(self.cleaned_data.get("columns", "")), start=1):
            if len(parts) != 3 or parts[0].lower() not in ColumnKind.values:
                raise ValidationError(
                    _(
                        "Line %(number)s: write the column's kind (text, number, money or date), its English name "
                        "and its French name, separated by |."
                    )
                    % {"number": number}
                )
            columns.append({"kind": parts[0].lower(), "name_en": parts[1], "name_fr": parts[2]})
        return columns

    def _must_hold(self) -> Any:
        if self.kind == QuestionKind.YES_NO:
            chosen = self.cleaned_data.get("must_hold_yes_no")
            return None if not chosen else chosen == "yes"
        text = (self.cleaned_data.get("must_hold") or "").strip()
        if not text or self.kind not in MUST_HOLD_KINDS:
            return None
        if self.kind == QuestionKind.MULTIPLE_CHOICE:
            return [part.strip() for part in text.split(",") if part.strip()]
        return text

    def model_fields(self) -> dict[str, Any]:
        """Return the question's fields as the services take them; what the kind does not use is emptied."""
        data = self.cleaned_data
        used = KIND_FIELDS.get(self.kind, ())
        return {
            **{name: data.get(name, "") for name in COMMON_FIELDS},
            "required": bool(data.get("required")),
            "word_limit": data.get("word_limit") if "word_limit" in used else None,
            "page_limit": data.get("page_limit") if "page_limit" in used else None,
            "choices": data.get("choices") or [] if self.kind in CHOICE_KINDS else [],
            "columns": data.get("columns") or [] if self.kind == QuestionKind.TABLE else [],
            "max_rows": data.get("max_rows") if self.kind == QuestionKind.TABLE else None,
            "file_types": list(data.get("file_types") or []) if self.kind == QuestionKind.FILE else [],
            "max_size_mb": data.get("max_size_mb") if self.kind == QuestionKind.FILE else None,
            "must_hold": self._must_hold(),
        }


class KindForm(forms.Form):
    """Choose the kind of a new question, or the new kind of one (a GET: the next page shows its fields)."""

    kind = forms.ChoiceField(
        label=_("Kind of question"), choices=QuestionKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )


class ReasonForm(forms.Form):
    """Why staff retire or remove a question of a call with submissions (audited)."""

    reason = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _call_label(call: Call) -> str:
    return f"{call.program.name} · {call.title}"


class CopyQuestionsForm(forms.Form):
    """Choose the call whose questions to copy, among those of programs the staff member acts in."""

    source = forms.ModelChoiceField(label=_("Copy the questions of"), queryset=Call.objects.none())

    def __init__(self, *args: Any, calls: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = calls
        field.label_from_instance = _call_label  # type: ignore[method-assign,assignment]
