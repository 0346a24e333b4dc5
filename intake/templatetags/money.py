"""Show money, shares and ratios as the active language writes them, through ``intake.formatting``.

``{{ amount|money:2 }}`` ("$1,000.00", "1 000,00 $"), ``{{ share|percent:limit }}`` ("23.33 %")
and ``{{ value|ratio:limit }}`` ("1.43 to 1", "1,43 pour 1"): the limit is optional, and
given, the figure is never shown equal to it unless it is (``intake.formatting.shown``).
"""

from decimal import Decimal

from django import template

from intake import formatting

register = template.Library()


@register.filter
def money(value: Decimal | int | None, decimal_places: int = 0) -> str:
    """Format ``value`` in dollars with the language's grouping; empty for None."""
    return formatting.money(value, decimal_places)


def _limits(limit: Decimal | None) -> tuple[Decimal, ...]:
    return () if limit is None or limit == "" else (Decimal(str(limit)),)


@register.filter
def percent(value: Decimal | None, limit: Decimal | None = None) -> str:
    """Format the share ``value`` (in percent) beside its ``limit``; empty for None."""
    return formatting.percent(None if value is None or value == "" else Decimal(str(value)), *_limits(limit))


@register.filter
def ratio(value: Decimal | None, limit: Decimal | None = None) -> str:
    """Format the ratio ``value`` (per 1) beside its ``limit``; empty for None."""
    return formatting.ratio(None if value is None or value == "" else Decimal(str(value)), *_limits(limit))


@register.filter
def figure(value: str) -> str:
    """Show a check's canonical figure or limit ("45.01", "500000.00..5000000.00") in the active language.

    A number is grouped and pointed as the language writes it, a range joined by a dash; a
    list of offenders is shown as it is, and nothing measured as a dash.
    """
    return formatting.canonical_shown(value)
