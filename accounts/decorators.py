"""Access checks for views: a view states the role it needs, and is refused with a reason."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request that has passed ``login_required``: its user is a real ``User``."""

    user: User


def role_required(role: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Let only signed-in users holding ``role`` through; others get a 403 that names the role."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not cast(User, request.user).has_role(role):
                raise PermissionDenied(
                    _("This page is for users with the role: %(role)s.") % {"role": Role(role).label}
                )
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
