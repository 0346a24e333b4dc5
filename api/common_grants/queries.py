"""What a CommonGrants request asks for: its page, its filters and its sort order, checked.

A value the protocol defines but that is malformed is refused with a 400 naming the field
(``ProtocolError``); a filter or sort key the protocol leaves to each implementation and that
Clusterflow does not know is ignored and said in the response's ``errors`` (non-fatal, as the
protocol puts it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from api.common_grants.shapes import CURRENCY

#: The protocol's default page size; Clusterflow serves at most this many items a page.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 100


class ProtocolError(Exception):
    """A request the protocol's rules refuse: rendered as the protocol's error envelope."""

    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []


def bad_request(field_name: str, message: str) -> ProtocolError:
    return ProtocolError(400, _("The request is not valid."), [{"field": field_name, "message": message}])


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def info(self, total: int) -> dict[str, int]:
        """Return the protocol's ``paginationInfo`` for ``total`` items."""
        return {
            "page": self.number,
            "pageSize": self.size,
            "totalItems": total,
            "totalPages": (total + self.size - 1) // self.size,
        }


def _positive_int(value: Any, field_name: str) -> int:
    if isinstance(value, bool):
        raise bad_request(field_name, _("Give a whole number of at least 1."))
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise bad_request(field_name, _("Give a whole number of at least 1."))
        value = int(value)
    if not isinstance(value, int) or value < 1:
        raise bad_request(field_name, _("Give a whole number of at least 1."))
    return value


def page_from(data: Any, prefix: str = "") -> Page:
    """Return the page asked for by ``data`` (the query string, or a body's ``pagination`` object)."""
    if data is None:
        return Page()
    if not hasattr(data, "get"):
        raise bad_request(prefix.rstrip("."), _("Give an object with page and pageSize."))
    number = _positive_int(data.get("page", 1), f"{prefix}page")
    size = _positive_int(data.get("pageSize", PAGE_SIZE), f"{prefix}pageSize")
    if size > MAX_PAGE_SIZE:
        raise bad_request(f"{prefix}pageSize", _("Ask for at most %(count)d items a page.") % {"count": MAX_PAGE_SIZE})
    return Page(number, size)


# --- Filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Among:
    """A string array filter: the field's value is ``in`` or ``notIn`` ``values``."""

    values: frozenset[str]
    negate: bool

    def matches(self, value: str) -> bool:
        return (value in self.values) != self.negate


@dataclass(frozen=True)
class Between:
    """A range filter over dates, moments or amounts: ``between`` (bounds included) or ``outside`` them."""

    low: Any
    high: Any
    outside: bool

    def matches(self, value: Any) -> bool:
        if value is None:
            return False
        inside = self.low <= value <= self.high
        return inside != self.outside


def _object(raw: Any, field_name: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request(field_name, _("Give an object."))
    return raw


def _operator(raw: dict[str, Any], field_name: str, allowed: tuple[str, ...]) -> str:
    operator = raw.get("operator")
    if operator not in allowed:
        raise bad_request(
            f"{field_name}.operator",
            _("Use one of these operators: %(operators)s.") % {"operators": ", ".join(allowed)},
        )
    return str(operator)


def among(raw: Any, field_name: str, allowed: tuple[str, ...] | None = None) -> Among:
    """Read a string array filter (``in``/``notIn`` a list of strings), each value among ``allowed`` if given."""
    raw = _object(raw, field_name)
    operator = _operator(raw, field_name, ("in", "notIn"))
    values = raw.get("value")
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise bad_request(f"{field_name}.value", _("Give a list of strings."))
    if allowed is not None:
        unknown = [value for value in values if value not in allowed]
        if unknown:
            raise bad_request(
                f"{field_name}.value",
                _("Unknown values: %(unknown)s. Use these: %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
            )
    return Among(frozenset(values), operator == "notIn")


def uuids_among(raw: Any, field_name: str) -> Among:
    """Read a string array filter of identifiers, refusing a value that is not a UUID."""
    filtered = among(raw, field_name)
    for value in filtered.values:
        try:
            UUID(value)
        except ValueError:
            raise bad_request(f"{field_name}.value", _("%(value)s is not a UUID.") % {"value": value}) from None
    return Among(frozenset(str(UUID(value)) for value in filtered.values), filtered.negate)


def _day_or_moment(value: Any, field_name: str) -> date | datetime:
    parsed: date | datetime | None = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value) if "T" in value else parse_date(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise bad_request(field_name, _("Give a date (YYYY-MM-DD) or a date and time in ISO 8601."))
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        raise bad_request(field_name, _("Give the time's offset from UTC (for example 2026-01-31T17:00:00Z)."))
    return parsed


def _range_bounds(raw: Any, field_name: str) -> tuple[bool, Any, Any]:
    raw = _object(raw, field_name)
    operator = _operator(raw, field_name, ("between", "outside"))
    value = _object(raw.get("value"), f"{field_name}.value")
    for bound in ("min", "max"):
        if value.get(bound) is None:
            raise bad_request(f"{field_name}.value.{bound}", _("Give both min and max."))
    return operator == "outside", value["min"], value["max"]


def dates_between(raw: Any, field_name: str) -> Between:
    """Read a date range filter over days: a bound given with a time counts by its day in UTC."""
    outside, low, high = _range_bounds(raw, field_name)
    days = []
    for bound, value in (("min", low), ("max", high)):
        parsed = _day_or_moment(value, f"{field_name}.value.{bound}")
        days.append(parsed.astimezone(UTC).date() if isinstance(parsed, datetime) else parsed)
    if days[0] > days[1]:
        raise bad_request(f"{field_name}.value", _("The minimum is after the maximum."))
    return Between(days[0], days[1], outside)


def moments_between(raw: Any, field_name: str) -> Between:
    """Read a date range filter over moments: a day alone runs from its start to its end in UTC."""
    outside, low, high = _range_bounds(raw, field_name)
    low_parsed = _day_or_moment(low, f"{field_name}.value.min")
    high_parsed = _day_or_moment(high, f"{field_name}.value.max")
    start = low_parsed if isinstance(low_parsed, datetime) else datetime.combine(low_parsed, time.min, tzinfo=UTC)
    end = (
        high_parsed
        if isinstance(high_parsed, datetime)
        else datetime.combine(high_parsed + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(microseconds=1)
    )
    if start > end:
        raise bad_request(f"{field_name}.value", _("The minimum is after the maximum."))
    return Between(start, end, outside)


def _amount(raw: Any, field_name: str) -> tuple[Decimal, str]:
    raw = _object(raw, field_name)
    amount, currency = raw.get("amount"), raw.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise bad_request(f"{field_name}.currency", _("Give an ISO 4217 currency code, such as CAD."))
    try:
        if not isinstance(amount, str):
            raise InvalidOperation
        value = Decimal(amount)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        message = _('Give the amount as a decimal string, such as "1000.00".')
        raise bad_request(f"{field_name}.amount", message) from None
    return value, currency.upper()


@dataclass(frozen=True)
class Amounts:
    """A money range filter: ``between`` the bounds or ``outside`` them, in one currency.

    Amounts are all in Canadian dollars: a range in another currency matches none, as the protocol
    says of amounts denominated in another currency.
    """

    range: Between
    currency: str

    def matches(self, amount: Decimal | None) -> bool:
        return self.currency == CURRENCY and self.range.matches(amount)


def amounts_between(raw: Any, field_name: str) -> Amounts:
    """Read a money range filter; its two bounds must share one currency."""
    outside, low, high = _range_bounds(raw, field_name)
    low_amount, low_currency = _amount(low, f"{field_name}.value.min")
    high_amount, high_currency = _amount(high, f"{field_name}.value.max")
    if low_currency != high_currency:
        raise bad_request(f"{field_name}.value", _("Give both bounds in the same currency."))
    if low_amount > high_amount:
        raise bad_request(f"{field_name}.value", _("The minimum is above the maximum."))
    return Amounts(Between(low_amount, high_amount, outside), low_currency)


# --- A search's body ----------------------------------------------------------------------------


@dataclass
class Search:
    """A search request's parts, checked: its words, filters as read, sort order and page."""

    text: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    filters_given: dict[str, Any] = field(default_factory=dict)
    filter_errors: list[str] = field(default_factory=list)
    sort_by: str = "lastModifiedAt"
    sort_order: str = "desc"
    sort_errors: list[str] = field(default_factory=list)
    page: Page = field(default_factory=Page)

    def sort_info(self) -> dict[str, Any]:
        return {"sortBy": self.sort_by, "sortOrder": self.sort_order, "errors": self.sort_errors}

    def filter_info(self) -> dict[str, Any]:
        return {"filters": self.filters_given, "errors": self.filter_errors}


def search_from(body: Any, *, filter_readers: dict[str, Any], sort_keys: tuple[str, ...]) -> Search:
    """Read a search's body: ``search``, ``filters`` (each read by ``filter_readers``), ``sorting``, ``pagination``.

    A filter Clusterflow does not know (at the root or in ``customFilters``), or a ``custom`` sort
    key, is ignored and named in the response's errors; anything else malformed is a 400.
    """
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request("body", _("Send a JSON object."))
    unknown = sorted(set(body) - {"search", "filters", "sorting", "pagination"})
    if unknown:
        raise bad_request(unknown[0], _("Unknown property. Use search, filters, sorting and pagination."))
    search = Search(page=page_from(body.get("pagination"), "pagination."))
    text = body.get("search")
    if text is not None and not isinstance(text, str):
        raise bad_request("search", _("Give the words to search for as a string."))
    search.text = (text or "").strip()

    filters = body.get("filters")
    if filters is not None:
        filters = _object(filters, "filters")
        for name, raw in filters.items():
            if name == "customFilters":
                for custom in _object(raw, "filters.customFilters"):
                    search.filter_errors.append(
                        _("The custom filter %(name)s is not supported: it was not applied.") % {"name": custom}
                    )
                continue
            reader = filter_readers.get(name)
            if reader is None:
                search.filter_errors.append(
                    _("The filter %(name)s is not supported: it was not applied.") % {"name": name}
                )
                continue
            search.filters[name] = reader(raw, f"filters.{name}")
            search.filters_given[name] = raw

    sorting = body.get("sorting")
    if sorting is not None:
        sorting = _object(sorting, "sorting")
        sort_by = sorting.get("sortBy")
        if sort_by == "custom":
            search.sort_errors.append(
                _("The custom sort key %(key)s is not supported: the results are sorted by lastModifiedAt.")
                % {"key": sorting.get("customSortBy") or ""}
            )
        elif sort_by not in sort_keys:
            raise bad_request(
                "sorting.sortBy", _("Sort by one of these: %(keys)s.") % {"keys": ", ".join((*sort_keys, "custom"))}
            )
        else:
            search.sort_by = str(sort_by)
        order = sorting.get("sortOrder", "desc")
        if order not in ("asc", "desc"):
            raise bad_request("sorting.sortOrder", _("Sort in asc or desc order."))
        search.sort_order = str(order)
    return search
