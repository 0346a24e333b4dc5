"""Template context of the workflow app."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from workflow.notifications import inbox_unread_count


def inbox(request: HttpRequest) -> dict[str, object]:
    """Expose the signed-in user's unread inbox count, counted only if a template shows it."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {"inbox_unread_count": SimpleLazyObject(lambda: inbox_unread_count(user=user))}
