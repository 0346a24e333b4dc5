"""What a token's scope allows: a read token only reads; writing needs a write token (or the signed-in session)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.request import Request

from accounts.models import ApiToken


class TokenScope(permissions.BasePermission):
    """Let a read token through on safe methods only; a write token and a session on every method.

    Which objects a person reads or changes is decided by the access rules and the use cases
    behind each route, never here.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if request.method in permissions.SAFE_METHODS or not isinstance(token, ApiToken):
            return True
        if token.may_write:
            return True
        self.message = _(
            "This token's scope is read: it may only read. Create a token with the write scope to change things."
        )
        return False


class SignedIn(permissions.IsAuthenticated):
    """A person, by token or session; an anonymous request is answered 401 with the way to authenticate."""
