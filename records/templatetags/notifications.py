"""Show a notification's dates (ISO strings in its context) in the call's timezone."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def call_time(value: str | datetime | None, zone: str) -> str:
    """Format ``value`` (an ISO string or a datetime) in the timezone ``zone``, naming the zone; empty for none."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone))
    return f"{date_format(local, 'DATETIME_FORMAT')} ({zone})"
