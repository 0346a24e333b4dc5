"""The proposals' search form: words and the call, stage and state filters (docs/search.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from intake.choices import VersionKind
from intake.models import Call
from intake.states import ProposalState
from records.search_text import query_words


class ProposalSearchForm(forms.Form):
    """What a search asks for. The words are required; each filter may stay at "any"."""

    q = forms.CharField(
        label=_("Words (English or French)"),
        max_length=200,
        help_text=_(
            "Every word must appear in the proposal: its title, summary, sections, answers, organizations or "
            "documents. Accents do not matter, and a word also finds the longer words it begins."
        ),
        error_messages={"required": _("Type at least one word to search for.")},
    )
    call = forms.TypedChoiceField(
        label=_("Call"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a call from the list: this one is not among the calls you read.")},
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("Any stage")), *VersionKind.choices],
        error_messages={"invalid_choice": _("Choose a stage from the list.")},
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), *ProposalState.choices],
        error_messages={"invalid_choice": _("Choose a state from the list.")},
    )

    def __init__(self, *args: Any, calls: QuerySet[Call], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["call"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Any call")), *((call.pk, f"{call} ({call.program})") for call in calls)]

    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"]
        if not query_words(text):
            raise forms.ValidationError(
                _("Type at least one word of letters or digits: punctuation alone finds nothing."), code="no_words"
            )
        return text

    def words(self) -> tuple[str, ...]:
        """Return the folded words searched (``records.search_text.query_words``), once the form is valid."""
        return tuple(query_words(self.cleaned_data["q"]))
