"""The profile's personal access tokens of the REST API: list them, create one (its secret shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import selectors, services
from accounts.decorators import AuthenticatedRequest
from accounts.form_handling import form_submit
from accounts.forms import ApiTokenForm


@never_cache
@login_required
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    """List the person's tokens and create one; a new token's secret is shown on this answer only, never stored."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    done = form_submit(
        request,
        form,
        lambda: services.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
        ),
    )
    created = done.result if done.saved else None
    if created is not None:
        form = ApiTokenForm()
    response = render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": selectors.api_tokens_of(user=request.user),
            "created": created,
            "now": timezone.now(),
        },
        status=201 if created is not None else done.status,
    )
    add_never_cache_headers(response)
    return response


@login_required
def api_token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask to confirm, then revoke the person's token ``pk`` (another's answers 404)."""
    token = selectors.api_token_of(user=request.user, pk=pk)
    if request.method == "POST":
        services.api_token_revoke(token=token, by=request.user)
        messages.success(
            request, _("The token “%(name)s” is revoked: it no longer opens the API.") % {"name": token.name}
        )
        return redirect("accounts:api_tokens")
    return render(request, "accounts/api_token_revoke.html", {"token": token})
