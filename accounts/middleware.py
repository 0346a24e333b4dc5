"""Middleware of the accounts app."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from accounts.errors import DomainError


class UserLanguageMiddleware:
    """Speak the signed-in user's preferred language, whatever the browser asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Render a domain error raised by a service as a page that says what happened."""
        if isinstance(exception, DomainError):
            return render(
                request,
                "domain_error.html",
                {
                    "title": exception.title,
                    "message": exception.message,
                    "back_url": exception.back_url,
                    "back_label": exception.back_label,
                },
                status=exception.status,
            )
        return None
