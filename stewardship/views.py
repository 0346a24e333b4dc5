"""Views of stewardship: the privacy page, a person's data export and the closing of their account."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import AuthenticatedRequest
from accounts.errors import DomainError
from stewardship import selectors, services
from stewardship.forms import AccountClosureForm
from workflow.retention import retention_figures

security_log = logging.getLogger("clusterflow.security")


def privacy(request: HttpRequest) -> HttpResponse:
    """The public privacy page: what is collected, why, for how long, and how to exercise one's rights."""
    return render(
        request,
        "stewardship/privacy.html",
        {"sign_in_days": settings.SIGN_IN_HISTORY_DAYS, "retention": retention_figures()},
    )


@login_required
def export(request: AuthenticatedRequest) -> FileResponse:
    """Download the signed-in person's personal data: a ZIP of a JSON file and the files they uploaded."""
    archive = selectors.personal_data_archive(user=request.user)
    security_log.info("Personal data exported by user %s.", request.user.pk)
    name = f"clusterflow-personal-data-{timezone.localdate():%Y-%m-%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


@login_required
@require_http_methods(["GET", "POST"])
def close(request: AuthenticatedRequest) -> HttpResponse:
    """Ask to close one's account: the password again, then a link by email confirms it."""
    refusal = services.account_closure_refusal(user=request.user)
    form = AccountClosureForm(request.POST or None, user=request.user)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            message = services.account_closure_request(user=request.user)
        except DomainError as error:  # a proposal was started meanwhile
            refusal = str(error)
        else:
            from accounts.tasks import send_email  # imported with Celery when a task is queued: not at startup

            transaction.on_commit(
                lambda: send_email.delay(subject=message.subject, body=str(message.body), to=list(message.to))
            )
            return redirect("stewardship:close_sent")
    status = 403 if refusal else (400 if request.method == "POST" else 200)
    return render(request, "stewardship/close.html", {"form": form, "refusal": refusal}, status=status)


@login_required
def close_sent(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "stewardship/close_sent.html", {"hours": settings.ACCOUNT_CLOSURE_TIMEOUT // 3600})


@require_http_methods(["GET", "POST"])
def close_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm closing by the emailed link: a page with one button, so a mail scanner's visit closes nothing."""
    user = services.account_closure_token_read(token=token)
    if user is None:
        return render(request, "stewardship/close_confirm.html", {"validlink": False}, status=404)
    if request.method == "POST":
        try:
            services.account_close(user=user)
        except DomainError as error:
            return render(
                request,
                "stewardship/close_confirm.html",
                {"validlink": True, "refusal": str(error)},
                status=error.status,
            )
        if request.user.is_authenticated and request.user.pk == user.pk:
            logout(request)
        messages.success(request, _("Your account is closed. Thank you for having used Clusterflow."))
        return redirect("home")
    return render(request, "stewardship/close_confirm.html", {"validlink": True, "account": user})
