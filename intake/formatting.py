"""How every page and email shows money, shares and ratios, in the active language (a leaf).

One rule for any figure checked against a limit (``shown``): to the cent, rounded half up,
unless that would show it equal to a limit it is not equal to; it is then rounded away from
that limit, so a share 1¢ above 50 % reads 50.01 %, never 50.00 %. Every page, email and
explanation formats through here, so the same figure reads the same everywhere: English
"23.33 %", "1.43 to 1", "$1,234.50"; French "23,33 %", "1,43 pour 1", "1 234,50 $", with
a non-breaking space before the percent sign and between the thousands.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.template.defaultfilters import floatformat
from django.utils import numberformat, timezone
from django.utils.formats import date_format, get_format, number_format

from accounts.i18n import gettext as _

NBSP = "\u00a0"
HUNDRED = Decimal("100")
#: The digits after the point a figure is shown with, unless a limit needs more to be told apart.
PLACES = 2
#: The most digits a figure ever takes to be told apart from its limits.
MAX_PLACES = 12


def _digits(value: Decimal) -> int:
    """Return how many digits after the point ``value`` needs (``50.00`` needs none, ``44.445`` three)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@lru_cache(maxsize=256)
def _limit_digits(limit: Decimal) -> int:
    """``_digits`` of a limit: a list shows many figures beside the few limits of its rules."""
    return _digits(limit)


def _digits_of(figure: Decimal) -> int:
    """Return how many digits after the point ``figure`` is written with (``50.00`` two)."""
    exponent = figure.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def plain(value: Decimal) -> str:
    """Return ``value`` unlocalized, to the cent or to every digit it has beyond ("45.00", "300000.00", "44.445").

    The canonical form of a limit or an amount, the same in every language (an override binds to it).
    """
    return _plain_of(str(value))


@lru_cache(maxsize=4096)
def _plain_of(text: str) -> str:
    """``plain`` of the decimal written ``text``, kept for each text: a list's rows repeat the same limits.

    Keyed by the decimal's text, which tells apart what equal numbers do not (``-0`` and ``0``).
    """
    value = Decimal(text)
    return str(value.quantize(Decimal(1).scaleb(-max(PLACES, _digits(value)))))


def shown(value: Decimal, *limits: Decimal, places: int = PLACES) -> Decimal:
    """Return ``value`` as shown beside ``limits``: never equal to a limit it differs from, never past it.

    ``places`` digits (or as many as a limit has), half up; where that would make the value
    read as equal to one of ``limits`` it is not equal to, rounded away from that limit, with
    more digits if even that meets another limit. The same value and limits always give the
    same result, so the canonical figure an override binds to is ``str(shown(...))``.
    """
    start = max([places, *(_limit_digits(limit) for limit in limits)])
    for digits in range(start, MAX_PLACES + 1):
        step = Decimal(1).scaleb(-digits)
        result = value.quantize(step, rounding=ROUND_HALF_UP)
        for limit in limits:
            if result == limit and value != limit:
                result = value.quantize(step, rounding=ROUND_CEILING if value > limit else ROUND_FLOOR)
        if all(result != limit for limit in limits if limit != value):
            return result
    return value


def number(value: Decimal | int, places: int = 0) -> str:
    """Return ``value`` with ``places`` digits after the point, grouped as the active language groups thousands."""
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


#: Below this, a figure has no thousands to group, so it is written without ``number_format``.
_UNGROUPED = Decimal(1000)


def decimals(places: int) -> Callable[[float | Decimal | None], str]:
    """Return a function writing a number with ``places`` digits after the point, as ``floatformat:places`` does.

    For the many figures of a page's rows (a results page shows some 500): the same
    digits as the template filter, rounded half up from the number's shortest decimal form
    (2.675 reads "2.68"), with the active language's decimal separator looked up once
    rather than once a figure ("3.33", "3,33" in French). A figure of a thousand or more,
    which may take the language's grouping, goes through the filter itself. None reads as
    an empty string. Call it with the language of the page active.
    """
    separator = get_format("DECIMAL_SEPARATOR")
    step = Decimal(1).scaleb(-places)

    def write(value: float | Decimal | None) -> str:
        if value is None:
            return ""
        figure = Decimal(str(value))
        if not figure.is_finite() or abs(figure) >= _UNGROUPED:
            return str(floatformat(value, places))
        figure = figure.quantize(step, rounding=ROUND_HALF_UP)
        # The filter never writes a minus before a figure that rounds to zero.
        text = f"{figure if figure else abs(figure):f}"
        return text.replace(".", separator) if places > 0 else text

    return write


def numbers() -> Callable[[Decimal | int, int], str]:
    """Return ``number`` with the active language's separators and grouping looked up once, for a page's figures.

    The same text as ``number`` (Django's ``numberformat.format``, grouped), without asking for
    the language and its three formats again at every figure. Call it with the page's language
    active; ``write(value, places)`` is ``number(value, places)``.
    """
    separator = get_format("DECIMAL_SEPARATOR")
    grouping = get_format("NUMBER_GROUPING")
    thousands = get_format("THOUSAND_SEPARATOR")

    def write(value: Decimal | int, places: int = 0) -> str:
        return str(
            numberformat.format(value, separator, places, grouping, thousands, force_grouping=True, use_l10n=True)
        )

    return write


def moneys(decimal_places: int = 0) -> Callable[[Decimal | int | None], str]:
    """Return ``money`` with its translation and the language's formats looked up once, for a page's amounts."""
    template = _("$%(amount)s")
    number_of = numbers()

    def write(value: Decimal | int | None) -> str:
        if value is None or value == "":
            return ""
        return template % {"amount": number_of(value, decimal_places)}

    return write


def ratios() -> Callable[..., str]:
    """Return ``ratio`` with its translation and the language's formats looked up once, for a page's ratios."""
    template = _("%(ratio)s to 1")
    number_of = numbers()

    def write(value: Decimal | None, *limits: Decimal) -> str:
        if value is None:
            return ""
        figure = shown(value, *limits)
        return template % {"ratio": number_of(figure, _digits_of(figure))}

    return write


def _shown_number(value: Decimal, limits: tuple[Decimal, ...]) -> str:
    figure = shown(value, *limits)
    return number(figure, _digits_of(figure))


def money(value: Decimal | int | None, decimal_places: int = 0) -> str:
    """Return ``value`` in dollars with the language's grouping ("$1,234.50", "1 234,50 $"); empty for None."""
    if value is None or value == "":
        return ""
    # Translators: where the dollar sign goes around an amount; French writes "%(amount)s $".
    return _("$%(amount)s") % {"amount": number(value, decimal_places)}


def percent(value: Decimal | None, *limits: Decimal) -> str:
    """Return the share ``value`` (in percent) as shown beside ``limits`` ("23.33 %", "23,33 %"); empty for None."""
    if value is None:
        return ""
    return f"{_shown_number(value, limits)}{NBSP}%"


def ratio(value: Decimal | None, *limits: Decimal) -> str:
    """Return the ratio ``value`` as shown beside ``limits`` ("1.43 to 1", "1,43 pour 1"); empty for None."""
    if value is None:
        return ""
    return _("%(ratio)s to 1") % {"ratio": _shown_number(value, limits)}


def share_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """Return ``part`` as an exact percent of ``whole`` (unrounded), or None when ``whole`` is zero."""
    if not whole:
        return None
    return part * HUNDRED / whole


def ratio_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """Return ``part`` per unit of ``whole`` (unrounded), or None when ``whole`` is zero."""
    if not whole:
        return None
    return part / whole


def _canonical_number(text: str) -> str:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return text
    if not value.is_finite() or not text.replace(".", "", 1).lstrip("-").isdigit():
        return text
    return number(value, _digits_of(value))


def canonical_shown(text: str) -> str:
    """Show a check's canonical figure or limit (``intake.eligibility.Check.figure``) in the active language.

    "45.01" reads "45,01" in French, a range "500000.00..5000000.00" reads with a dash between
    its ends, a list of offenders as it is, and an empty figure (nothing measured) as a dash.
    """
    if not text:
        return "—"
    if ".." in text:
        low, _sep, high = text.partition("..")
        return f"{_canonical_number(low)} \u2013 {_canonical_number(high)}"
    return _canonical_number(text)


def moment_in(value: str | datetime, zone: str) -> str:
    """Return ``value`` (an ISO string or a datetime) in the timezone ``zone``, in the long format, naming the zone."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return f"{date_format(timezone.localtime(moment, zoneinfo.ZoneInfo(zone)), 'DATETIME_FORMAT')} ({zone})"
