"""How often a client may call the API: per token, per signed-in person, or per address, counted in Django's cache."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    """Count each token's requests (each session's person, each anonymous address) against ``API_RATE``.

    A person's tokens are counted apart: one busy script does not stop another. The rates are
    read from the settings at each request, so a deployment (or a test) may change them.
    """

    scope = "api"

    def get_rate(self) -> str | None:
        return str(settings.API_RATE)

    def allow_request(self, request: Request, view: Any) -> bool:
        anonymous = not (request.user and request.user.is_authenticated)
        self.rate = str(settings.API_ANONYMOUS_RATE if anonymous else settings.API_RATE)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
