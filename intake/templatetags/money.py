"""Show amounts of money as the active language writes them ($1,000 or 1 000 $)."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def money(value: Decimal | int | None, decimal_places: int = 0) -> str:
    """Format ``value`` in dollars with the language's grouping; empty for None."""
    if value is None or value == "":
        return ""
    amount = number_format(value, decimal_pos=decimal_places, use_l10n=True, force_grouping=True)
    # Translators: where the dollar sign goes around an amount; French writes "%(amount)s $".
    return _("$%(amount)s") % {"amount": amount}
