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
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import second_factor
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


# The pages a signed-in user may open before passing the second factor.
_OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:second_factor_verify",
        "accounts:second_factor_setup",
        "accounts:logout",
        "accounts:set_language",
    }
)


class SecondFactorMiddleware:
    """Hold a signed-in user at the second factor until their session has passed it (docs/adr/0023).

    A user with an authenticator is asked for its code after the password; a user who must
    have one (``User.second_factor_required``) and has none is sent to set it up, with a
    message that says why. Either way, no other page opens until then.

    Like django-otp's ``OTPMiddleware``, it gives the user ``is_verified()`` (which
    ``accounts.admin_site`` asks), but reads whether the user has an authenticator from the
    user's own query (``RolesBackend.users``) and compares it with the device the session
    passed (``django_otp.login``), so a page costs no extra query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        verified = has_factor = False
        if user.is_authenticated:
            has_factor = second_factor.user_has_second_factor(user)
            verified = second_factor.session_verified(user=user, device_id=request.session.get(DEVICE_ID_SESSION_KEY))
            if not verified:
                request.session.pop(DEVICE_ID_SESSION_KEY, None)
        user.is_verified = lambda: verified  # type: ignore[union-attr]
        if user.is_authenticated and not verified and not self._open(request):
            if has_factor:
                return self._redirect(request, "accounts:second_factor_verify")
            if user.second_factor_required:
                messages.warning(
                    request,
                    _(
                        "Program staff and administrators sign in with a second factor. Set up an authenticator "
                        "app now: it takes a minute, and keeps the applications in your care safe."
                    ),
                )
                return self._redirect(request, "accounts:second_factor_setup")
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # Not a page: the 404 says so.
        return match.view_name in _OPEN_BEFORE_SECOND_FACTOR

    @staticmethod
    def _redirect(request: HttpRequest, url_name: str) -> HttpResponse:
        redirect = redirect_to_login(request.get_full_path(), reverse(url_name))
        if request.headers.get("HX-Request"):
            # htmx would swap the next page into a fragment of this one; send the whole window.
            return HttpResponse(status=204, headers={"HX-Redirect": redirect.url})
        return redirect
