"""Show a notification's dates (ISO strings in its context) in the call's timezone."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.formats import date_format

from intake.formatting import moment_in

register = template.Library()


@register.filter
def call_time(value: str | datetime | None, zone: str) -> str:
    """Format ``value`` (an ISO string or a datetime) in the timezone ``zone``, naming the zone; empty for none."""
    return moment_in(value, zone) if value else ""


@register.filter
def day(value: str | None) -> str:
    """Format an ISO date (``2030-03-01``) in the active language; empty for none."""
    if not value:
        return ""
    return date_format(date.fromisoformat(value), "DATE_FORMAT")
