"""Forms of the board members' conflict declarations and votes (the chair's decisions reuse ``workflow.forms``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from board.models import VoteChoice
from board.services.conflicts import ConflictRow


class ConflictForm(forms.Form):
    """A member's declaration of a conflict on one proposal of the agenda, with its nature."""

    proposal = forms.TypedChoiceField(
        label=_("Proposal"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose a proposal of this agenda that you are not recused from.")},
    )
    nature = forms.CharField(
        label=_("Nature of the conflict"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: employment, advice, shares, a close relative, a competing project. Only program staff "
            "read it. You will be recused: you will see only the proposal's title and will not vote on it."
        ),
        error_messages={"required": _("Say what the conflict of interest is.")},
    )

    def __init__(self, *args: Any, rows: list[ConflictRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(row.proposal_pk, row.title) for row in rows if not row.recused and not row.decided]
        field = self.fields["proposal"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose a proposal")), *choices]


class VoteForm(forms.Form):
    """A member's vote on one agenda item; ``seen`` is the version of the vote the page showed."""

    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=VoteChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose approve, decline or abstain.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded with your vote, for the board's minutes."),
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
