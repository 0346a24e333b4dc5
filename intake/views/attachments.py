"""The applicant's attachments page, the removal of an attachment, and the permission-checked download."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError
from intake import filetypes, selectors
from intake.forms.attachments import AttachmentForm
from intake.models import Proposal
from intake.services import attachments as service


def _page(
    request: AuthenticatedRequest, proposal: Proposal, form: AttachmentForm, *, status: int = 200
) -> HttpResponse:
    current = list(service.attachments_current(proposal=proposal))
    context: dict[str, Any] = {
        "proposal": proposal,
        "call": proposal.call,
        "form": form,
        "attachments": current,
        "missing_kinds": service.attachment_kinds_missing(proposal=proposal, attachments=current),
        "required_kinds": proposal.call.required_attachment_labels(),
        "accepted": filetypes.ACCEPTED_DESCRIPTION,
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "can_edit": proposal.is_editable,
    }
    return render(request, "intake/application/attachments.html", context, status=status)


@role_required(Role.APPLICANT)
def application_attachments(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the draft's attachments and the required types missing; upload one (POST)."""
    proposal = selectors.proposal_for_user(user=request.user, pk=pk)
    required = list(proposal.call.required_attachments)
    if request.method != "POST":
        return _page(request, proposal, AttachmentForm(required_kinds=required))
    form = AttachmentForm(request.POST, request.FILES, required_kinds=required)
    status = 400
    if form.is_valid():
        try:
            attachment = service.attachment_upload(
                proposal=proposal, by=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except ActionForbidden:
            raise
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(
                request,
                _("“%(name)s” is attached as %(kind)s.")
                % {"name": attachment.original_name, "kind": attachment.get_kind_display()},
            )
            return redirect("intake:application_attachments", pk=pk)
    return _page(request, proposal, form, status=status)


@role_required(Role.APPLICANT)
@require_POST
def attachment_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Take an attachment out of the draft (the submitted versions keep it)."""
    attachment = service.attachment_for_user(user=request.user, pk=pk)
    proposal_pk = attachment.proposal_id
    try:
        service.attachment_remove(attachment=attachment, by=request.user)
    except ActionForbidden:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” is removed from the application.") % {"name": attachment.original_name})
    return redirect("intake:application_attachments", pk=proposal_pk)


@login_required
def attachment_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """Send an attachment to a user who may read its proposal, as a download never rendered inline."""
    attachment = service.attachment_for_user(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The file of this attachment is missing.")) from missing
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
