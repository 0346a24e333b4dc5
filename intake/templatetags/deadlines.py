"""Show a deadline in its call's timezone with the time left, by the server's clock."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def time_left(deadline: datetime | None) -> str:
    """Say how long remains before ``deadline``, or that it has passed; empty for None."""
    if deadline is None:
        return ""
    if deadline <= timezone.now():
        return _("passed")
    return _("%(duration)s left") % {"duration": timeuntil(deadline, depth=2)}
