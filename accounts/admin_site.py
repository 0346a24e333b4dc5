"""The Django admin, open only to sessions that passed the second factor (docs/adr/0023)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _


class SecondFactorAdminSite(admin.AdminSite):
    """The admin site for users with admin access whose session passed the second factor.

    Its own login page would be a second way in beside the site's, with its own throttles
    and screens to keep; it sends to the site's sign-in instead, which asks for the code.
    """

    def has_permission(self, request: HttpRequest) -> bool:
        # As django-otp's OTPAdminSite: an unverified session counts as having no admin access.
        return super().has_permission(request) and request.user.is_verified()  # type: ignore[union-attr]

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return super().login(request, extra_context)  # Django's own: it sends them on.
            raise PermissionDenied(_("Your account has no access to the administration."))
        return redirect_to_login(next_url, reverse("accounts:login"))
