"""Forms of the meeting's lottery: the value its seed is made from, and the draw."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from board.services.lottery import VALUE_MAX


class LotterySeedForm(forms.Form):
    """The value staff commit: the seed made from it is shown on the agenda before the draw."""

    value = forms.CharField(
        label=_("Value the seed is made from"),
        max_length=VALUE_MAX,
        help_text=_(
            "A value staff choose, such as a published lottery number: the seed made from it is shown on the "
            "agenda before the draw."
        ),
        error_messages={
            "required": _("Enter the value the lottery's seed is made from."),
            "max_length": _("Enter a value of at most %(limit_value)s characters (it has %(show_value)s)."),
        },
    )


class LotteryDrawForm(forms.Form):
    """The draw among the band: no field, only the button; a refusal is said at the top of the form."""
