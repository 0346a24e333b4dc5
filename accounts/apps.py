from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import session_started_on_sign_in

        user_logged_in.connect(session_started_on_sign_in, dispatch_uid="accounts.session_started_on_sign_in")
        user_logged_in.connect(_sign_in_recorded, dispatch_uid="accounts.sign_in_recorded")


def _sign_in_recorded(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Write the sign-in history's row of every successful sign-in (docs/privacy.md)."""
    from accounts.login_throttle import client_address
    from accounts.services import sign_in_record

    sign_in_record(user=user, address=client_address(request) if request is not None else "")
