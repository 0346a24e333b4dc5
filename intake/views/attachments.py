"""The applicant's attachments page, the removal of an attachment, and the permission-checked download."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError
from accounts.form_handling import form_submit
from intake import filetypes
from intake.choices import BuiltInSection
from intake.forms.attachments import AttachmentForm
from intake.models import Proposal
from intake.services import attachments as service
from intake.views.application import application_nav, section_page_check
from records.downloads import stored_file_download
from workflow import access


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
        **application_nav(proposal, "attachments"),
    }
    return render(request, "intake/application/attachments.html", context, status=status)


class UploadSizeLimit(FileUploadHandler):
    """Keep an upload in memory up to the limit, and count it all so the refusal can say its size.

    Its services read each file whole to check it (``upload_checked``), so a file within the
    limit is kept as its chunks arrive and handed to the view in memory, joined once: it is
    never written to a temporary file, read back and deleted. Past the limit the chunks go
    nowhere, and the file handed to the view is an empty stand-in that carries the size seen:
    the service refuses it for its size. It is the request's one handler (``limited``), so
    its chunks can be larger than Django's 64 KiB: fewer of them for the parser to pass on.
    """

    chunk_size = 1024 * 1024

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.seen = 0
        self.parts: list[bytes] = []

    @classmethod
    def limited(cls, request: HttpRequest, *, limit: int) -> None:
        """Make ``request``'s uploads go to this handler alone, before its body is read."""
        request.upload_handlers = [cls(request, limit=limit)]

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.seen = 0
        self.parts = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.seen += len(raw_data)
        if self.seen <= self.limit:
            self.parts.append(raw_data)
        else:
            self.parts = []

    def file_complete(self, file_size: int) -> UploadedFile:
        data = b"".join(self.parts) if self.seen <= self.limit else b""
        self.parts = []
        return InMemoryUploadedFile(
            io.BytesIO(data), self.field_name, self.file_name, self.content_type, self.seen, self.charset
        )


@csrf_exempt
def application_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """List the draft's attachments and the required types missing; upload one (POST).

    The size limit applies while the upload is received, before the CSRF check reads the
    body (hence the exemption here and the protection just below, as Django documents).
    """
    UploadSizeLimit.limited(request, limit=settings.ATTACHMENT_MAX_BYTES)
    return _application_attachments(request, pk)


@csrf_protect
@role_required(Role.APPLICANT)
def _application_attachments(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    section_page_check(proposal, BuiltInSection.ATTACHMENTS)
    required = proposal.call.required_attachment_kinds()
    if request.method != "POST":
        return _page(request, proposal, AttachmentForm(required_kinds=required))
    form = AttachmentForm(request.POST, request.FILES, required_kinds=required)
    done = form_submit(
        request,
        form,
        lambda: service.attachment_upload(
            proposal=proposal, by=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
        ),
    )
    if done.saved and done.result is not None:
        messages.success(
            request,
            _("“%(name)s” is attached as %(kind)s.")
            % {"name": done.result.original_name, "kind": done.result.get_kind_display()},
        )
        return redirect("intake:application_attachments", pk=pk)
    return _page(request, proposal, form, status=done.status)


@role_required(Role.APPLICANT)
@require_POST
def attachment_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Take an attachment out of the draft (the submitted versions keep it)."""
    attachment = access.attachment_for_user(user=request.user, pk=pk)
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
    attachment = access.attachment_for_user(user=request.user, pk=pk)
    return stored_file_download(
        attachment.file,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        missing=_("The file of this attachment is missing."),
    )
