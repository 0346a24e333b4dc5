"""Who calls the API: a personal access token (``Authorization: Bearer <secret>``), or the browser's session."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts import selectors, services
from accounts.models import ApiToken, User


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Read ``Authorization: Bearer <secret>``: a token of ``accounts.models.ApiToken``, looked up by its hash.

    A request without the header is left to the next class (the session). A header naming an
    unknown, expired or revoked token, or one of a closed account, is refused with 401 and says
    which. Its use is recorded at most once a minute (``accounts.services.api_token_use``).
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer” and a single space."))
        try:
            secret = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = selectors.api_token_by_hash(key_hash=services.api_token_hash(secret))
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked. Create a new one on your profile."))
        if now >= token.expires_at:
            raise exceptions.AuthenticationFailed(_("This token has expired. Create a new one on your profile."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token's account is closed."))
        services.api_token_use(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Named first, so an anonymous request to a route that needs a person is answered 401, not 403.
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describe the personal access token in the OpenAPI schema (an HTTP bearer scheme)."""

    target_class = BearerTokenAuthentication
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _("A personal access token, created on your profile's API tokens page."),
        }
