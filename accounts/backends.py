"""How a request's user is loaded: with its roles, in the query that reads the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class RolesBackend(ModelBackend):
    """Django's own authentication, whose ``get_user`` also reads the user's roles.

    Every page asks which roles its user holds (the menus, the permission checks), so
    reading them with the user saves each request a query.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.with_roles().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
