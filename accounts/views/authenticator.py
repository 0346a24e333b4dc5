"""Screens of the second factor: set it up, pass it at sign-in, new recovery codes, switch it off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from accounts import login_throttle, second_factor
from accounts.decorators import AuthenticatedRequest
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from accounts.forms import SecondFactorCodeForm, SecondFactorDisableForm


def _next_url(request: AuthenticatedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:dashboard")


def _recovery_codes_page(request: AuthenticatedRequest, codes: list[str], *, first: bool) -> HttpResponse:
    """Show the recovery codes, the only time they are shown; no cache keeps them."""
    response = render(
        request,
        "accounts/second_factor_recovery_codes.html",
        {"codes": codes, "first": first, "next": _next_url(request)},
    )
    add_never_cache_headers(response)
    return response


@never_cache
@login_required
def second_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Show a new authenticator's key (as text and as a QR code) and confirm it with a code it shows."""
    if second_factor.user_has_second_factor(request.user):
        messages.info(request, _("Your second factor is already on. Switch it off first to move it to another app."))
        return redirect("accounts:profile")
    device = second_factor.authenticator_for_setup(user=request.user)
    form = SecondFactorCodeForm(request.POST if request.method == "POST" else None, recovery=False)
    # A wrong code answers 400, too many of them 429 (the errors' own statuses).
    done = form_submit(
        request,
        form,
        lambda: second_factor.authenticator_confirm(
            user=request.user,
            device=device,
            token=form.cleaned_data["code"],
            address=login_throttle.client_address(request),
        ),
        field="code",
        raised=lambda error: False,
    )
    if done.saved and done.result is not None:
        device.refresh_from_db()
        otp_login(request, device)
        request.session.cycle_key()
        messages.success(request, _("Your second factor is on. You will type a code each time you sign in."))
        return _recovery_codes_page(request, done.result, first=True)
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "config_url": device.config_url,
            "key_text": second_factor.authenticator_key_text(device),
            "qr_svg": second_factor.authenticator_qr_svg(device),
            "required": request.user.second_factor_required,
            "next": _next_url(request),
        },
        status=done.status,
    )


@never_cache
@login_required
def second_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    """Ask a signed-in user with an authenticator for its code (or a recovery code) before any other page."""
    if not second_factor.user_has_second_factor(request.user):
        return redirect(_next_url(request))
    if second_factor.session_verified(user=request.user, device_id=request.session.get(DEVICE_ID_SESSION_KEY)):
        return redirect(_next_url(request))
    form = SecondFactorCodeForm(request.POST if request.method == "POST" else None)
    done = form_submit(
        request,
        form,
        lambda: second_factor.second_factor_check(
            user=request.user, token=form.cleaned_data["code"], address=login_throttle.client_address(request)
        ),
        field="code",
        raised=lambda error: False,
    )
    if done.saved and done.result is not None:
        device, recovery_code = done.result
        otp_login(request, device)
        # A new session key for the verified session: one seen before the code proves nothing.
        request.session.cycle_key()
        if recovery_code:
            left = second_factor.recovery_codes_left(user=request.user)
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code, which is now used up (%(left)d left). "
                    "Make new ones in your profile if you lost your authenticator app."
                )
                % {"left": left},
            )
        return redirect(_next_url(request))
    return render(
        request, "accounts/second_factor_verify.html", {"form": form, "next": _next_url(request)}, status=done.status
    )


@require_POST
@login_required
def second_factor_recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Replace the recovery codes with new ones, shown once; the old ones stop working."""
    if not second_factor.user_has_second_factor(request.user):
        messages.error(request, _("Set up your second factor first: recovery codes come with it."))
        return redirect("accounts:profile")
    codes = second_factor.recovery_codes_generate(user=request.user)
    return _recovery_codes_page(request, codes, first=False)


@never_cache
@login_required
def second_factor_disable(request: AuthenticatedRequest) -> HttpResponse:
    """Switch the second factor off, with the password and a code."""
    if not second_factor.user_has_second_factor(request.user):
        return redirect("accounts:profile")
    form = SecondFactorDisableForm(request.POST if request.method == "POST" else None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        address = login_throttle.client_address(request)
        if login_throttle.code_throttled(user_pk=request.user.pk):
            form.is_valid()
            form.add_error(None, str(second_factor.throttled_error().message))
            status = 429
        elif form.is_valid():
            try:
                second_factor.second_factor_check(user=request.user, token=form.cleaned_data["code"], address=address)
            except DomainError as error:
                form.add_error("code", error.message)
            else:
                second_factor.second_factor_disable(user=request.user)
                request.session.pop(DEVICE_ID_SESSION_KEY, None)
                if request.user.second_factor_required:
                    messages.success(request, _("Your second factor is off. Set up a new one to go on."))
                    return redirect("accounts:second_factor_setup")
                messages.success(request, _("Your second factor is off. You sign in with your password alone."))
                return redirect("accounts:profile")
        elif "password" in form.errors:
            login_throttle.code_failure_record(user_pk=request.user.pk, email=request.user.email, address=address)
    return render(
        request,
        "accounts/second_factor_disable.html",
        {"form": form, "required": request.user.second_factor_required},
        status=status,
    )
