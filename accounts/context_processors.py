"""Template context of the accounts app."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.choices import ROLE_DASHBOARDS, Role


def _dashboards(request: HttpRequest) -> list[tuple[str, str]]:
    user = request.user
    if not user.is_authenticated:
        return []
    return [
        (str(Role(role).label), reverse(url_name)) for role, url_name in ROLE_DASHBOARDS.items() if user.has_role(role)
    ]


def roles(request: HttpRequest) -> dict[str, object]:
    """Expose the dashboards of the user's roles to the navigation."""
    return {"role_dashboards": SimpleLazyObject(lambda: _dashboards(request))}
