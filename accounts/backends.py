"""How a request's user is loaded, with its roles, and how sign-ins are throttled."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import login_throttle
from accounts.models import User
from records.sql import row_read_compiled


class RolesBackend(ModelBackend):
    """Django's own authentication, whose ``get_user`` also reads the user's roles.

    Every page asks which roles its user holds (the menus, the permission checks), so
    reading them with the user saves each request a query.

    ``authenticate`` counts failures and refuses, without checking the password, an email
    address or a client that failed too often (``accounts.login_throttle``); a browser whose
    device cookie shows its owner signed in from it before is counted on its own. It does so
    here rather than in one form so that every way in (the site's login, the admin's)
    is throttled alike.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None:
            username = kwargs.pop(User.USERNAME_FIELD, None)
        if username is None or password is None:
            return None
        address = login_throttle.client_address(request) if request is not None else ""
        device = login_throttle.device_for(request, email=username)
        if login_throttle.login_throttled(email=username, address=address, device=device):
            # Stops ``django.contrib.auth.authenticate`` from asking any other backend.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_throttle.login_failure_record(email=username, address=address, device=device)
        else:
            login_throttle.login_success_record(email=username, device=device)
        return user

    def users(self) -> QuerySet[User]:
        """The users as ``get_user`` reads them: each with its roles (a subclass may read more in the same query).

        Each also knows the id of its authenticator, if any (``accounts.second_factor``),
        which every page of a signed-in user asks.
        """
        authenticator = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True).order_by("pk").values("pk")[:1]
        return User.objects.with_roles().annotate(authenticator_id=Subquery(authenticator))

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = self._user_read(pk)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _user_read(self, pk: int) -> User | None:
        """Return the user ``pk`` as ``users`` reads it, or None: every signed-in request's first query.

        Building and compiling ``users()`` (the roles' aggregate, the grants' and the
        authenticator's subqueries) cost more than the database took to run it, and its text
        never changes: it is compiled once per backend class and per connection, then run with
        the key swapped in (``records.sql.row_read_compiled``, ADR 0047 and 0051).
        """
        try:
            return row_read_compiled(User, ("user", type(self)), lambda key: self.users().filter(pk=key), pk)
        except User.DoesNotExist:
            return None
