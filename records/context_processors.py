"""Template context of the workflow app."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from records.notifications import inbox_unread_count


def inbox(request: HttpRequest) -> dict[str, object]:
    """Expose the signed-in user's unread inbox count.

    ``records.backends.InboxBackend`` reads it with the user (None when there is nothing
    unread); a user loaded otherwise is counted only if a template shows the count.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    if hasattr(user, "inbox_unread"):
        return {"inbox_unread_count": user.inbox_unread or 0}
    return {"inbox_unread_count": SimpleLazyObject(lambda: inbox_unread_count(user=user))}
