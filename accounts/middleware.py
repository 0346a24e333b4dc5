"""Middleware of the accounts app."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts.errors import DomainError
from accounts.sessions import session_timed_out, session_touch


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


class SessionTimeoutMiddleware:
    """Sign out a user whose session was idle too long, or began too long ago, and ask them to sign in again.

    What they asked for is kept as the sign-in page's ``next``: a page comes back after
    signing in; a form posted after the timeout is not saved, and its page comes back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            if session_timed_out(session=request.session, user=user, now=now):
                return self._sign_in_again(request)
            session_touch(session=request.session, now=now)
        return self.get_response(request)

    def _sign_in_again(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        messages.info(request, _("Your session has expired. Please sign in again to continue."))
        # A POST's page, not its data: the form is shown again, with nothing saved.
        path = request.get_full_path()
        if request.headers.get("HX-Request") == "true":
            # htmx would swap the sign-in page into a fragment: send the whole window there,
            # coming back to the page the fragment belongs to.
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            page = current.path + (f"?{current.query}" if current.query else "") if current.path else path
            return HttpResponseClientRedirect(redirect_to_login(page).url)
        return redirect_to_login(path)


class SignedInNoStoreMiddleware:
    """Forbid caches, the browser's included, to keep any response to a signed-in user.

    Static files never reach it: WhiteNoise answers them before. A page seen while signed
    in is then not shown again from the cache by the back button after signing out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        response = self.get_response(request)
        user = getattr(request, "user", None)  # signing in or out replaces it
        if signed_in or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
