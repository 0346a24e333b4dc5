"""How a request's user is loaded, with its roles, and how sign-ins are throttled."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import login_throttle
from accounts.models import User

# A key no user has, in place of the user's in the compiled read (``RolesBackend._user_read``).
_STAND_IN = -(10**15)


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
        never changes: it is compiled once per backend class and per connection (each thread has
        its own) with a stand-in for the key, then run with the key swapped in (ADR 0047).
        The row becomes a ``User`` as the queryset would make it: the compiler's converters,
        ``from_db`` and each annotation set as an attribute.
        """
        connection = connections[User.objects.db]
        cache: dict[type, tuple[Any, str, tuple[Any, ...]]] = connection.__dict__.setdefault("_user_read_compiled", {})
        if type(self) not in cache:
            compiler = self.users().filter(pk=_STAND_IN)[:1].query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            cache[type(self)] = (compiler, sql, tuple(params))
        compiler, sql, params = cache[type(self)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk if type(param) is int and param == _STAND_IN else param for param in params])
            found = cursor.fetchall()
        if not found:
            return None
        start, end = compiler.klass_info["select_fields"][0], compiler.klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        row = next(iter(compiler.results_iter(results=[found])))
        user = User.from_db(connection.alias, names, row[start:end])
        for name, position in compiler.annotation_col_map.items():
            setattr(user, name, row[position])
        return user
