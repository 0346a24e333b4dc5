"""Attachments of a proposal: upload, removal from the draft, and the permission-checked reads."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError, StaleAction
from accounts.models import User
from intake import extraction, filetypes
from intake.choices import DOCUMENT_TYPES, AttachmentType
from intake.models import Attachment, Proposal
from intake.services import proposal_lock_for_application
from intake.services.search import proposal_search_refresh

if TYPE_CHECKING:  # pypdf is imported where a PDF is read
    import pypdf

#: The types of document uploaded on the attachments page: every type but a question's file.
DOCUMENT_TYPE_VALUES = frozenset(value for value, _label in DOCUMENT_TYPES)


class Upload(Protocol):
    """What is read of an uploaded file (Django's ``UploadedFile`` is one)."""

    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...


def attachment_display_name(name: str, *, extension: str) -> str:
    """Return ``name`` safe to show and to offer as a download name; never a path.

    Keep only the last part of any path (either separator), drop control characters and
    leading dots, and make the name end with the extension of what the file really is.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip().lstrip(".").strip()
    stem, current = os.path.splitext(name)
    if current.lower() != f".{extension}":
        stem = name
    stem = stem[:200] or _("attachment")
    return f"{stem}.{extension}"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload read and checked by ``upload_checked``: its bytes, its kind, a PDF's reader (``filetypes.inspect``)."""

    data: bytes
    kind: filetypes.FileKind
    pdf: pypdf.PdfReader | None = None


def upload_read(*, upload: Upload, limit: int, field: str = "file") -> tuple[bytes, filetypes.FileKind]:
    """Read ``upload`` and return its bytes and the kind of document they are (``upload_checked``)."""
    checked = upload_checked(upload=upload, limit=limit, field=field)
    return checked.data, checked.kind


def upload_checked(*, upload: Upload, limit: int, field: str = "file") -> CheckedUpload:
    """Read ``upload`` and return its bytes, the kind of document they are and, for a PDF, the reader that checked it.

    Refuse (with the reason beside ``field``) an empty file, one over ``limit`` bytes, one
    whose bytes are not an accepted document, whatever its name says, and one with active
    content (macros, scripts, a PDF's JavaScript or actions) or out of proportion once
    expanded (``filetypes.inspect``).
    """
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            {
                field: _("This file is %(size)s; the limit is %(limit)s per file.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )
    data = upload.read(limit + 1)
    if not data:
        raise ValidationError({field: _("This file is empty.")})
    if len(data) > limit:
        raise ValidationError(
            {field: _("This file is over the limit of %(limit)s.") % {"limit": filesizeformat(limit)}}
        )
    try:
        inspected = filetypes.inspect(data)
    except filetypes.Refused as refused:
        raise ValidationError({field: refused.message}) from None
    return CheckedUpload(data, inspected.kind, inspected.pdf)


def attachment_store(
    *,
    proposal: Proposal,
    by: User,
    kind: str,
    name: str,
    data: bytes,
    kind_of_file: filetypes.FileKind,
    pdf: pypdf.PdfReader | None = None,
) -> Attachment:
    """Store ``data`` (checked by ``upload_checked``) as an attachment of ``proposal``, under a random name.

    ``pdf`` is the reader that checked a PDF, if any: its text is read without parsing the file
    again. Call it inside the transaction that locked ``proposal`` for the change; the file is
    deleted again if the row cannot be saved.
    """
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        original_name=attachment_display_name(name, extension=kind_of_file.extension),
        content_type=kind_of_file.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        text=extraction.document_text(data, content_type=kind_of_file.content_type, pdf=pdf),
    )
    # The name given here is ignored: ``attachment_path`` stores under a random one.
    attachment.file.save(f"upload.{kind_of_file.extension}", ContentFile(data), save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_upload(*, proposal: Proposal, by: User, kind: str, upload: Upload) -> Attachment:
    """Attach ``upload`` to ``proposal`` as a document of type ``kind``.

    Refuse what ``upload_read`` refuses, with the reason beside the file. Refuse like any other
    change of the draft (``proposal_lock_for_editing``) when ``by`` may not edit it, it is
    no longer editable or its deadline has passed. The file is stored under a random name.
    A question's file is uploaded with its answer (``intake.services.questions``), not here.
    """
    if kind not in DOCUMENT_TYPE_VALUES:
        raise ValidationError({"kind": _("Choose the type of the document.")})
    checked = upload_checked(upload=upload, limit=settings.ATTACHMENT_MAX_BYTES)
    with transaction.atomic():
        current = _lock(proposal=proposal, by=by)
        attachment = attachment_store(
            proposal=current, by=by, kind=kind, name=upload.name or "", data=checked.data, kind_of_file=checked.kind,
            pdf=checked.pdf,
        )  # fmt: skip
        proposal_search_refresh(proposal_id=current.pk)
    return attachment


def attachment_remove(*, attachment: Attachment, by: User) -> Attachment:
    """Take ``attachment`` out of the draft; the row and the file stay for the versions that hold it."""
    with transaction.atomic():
        _lock(proposal=attachment.proposal, by=by)
        current = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if current.kind == AttachmentType.ANSWER:
            raise DomainError(
                _("“%(name)s” answers a question: replace or remove it on the question's page.")
                % {"name": current.original_name}
            )
        if current.removed_at is not None:
            raise StaleAction(_("“%(name)s” was already removed.") % {"name": current.original_name})
        current.removed_at = timezone.now()
        current.save(update_fields=["removed_at"])
        proposal_search_refresh(proposal_id=current.proposal_id)
    return current


def _lock(*, proposal: Proposal, by: User) -> Proposal:
    """Lock ``proposal`` for a change of its attachments, with every check of an application's edit.

    An attachment touches no field of the sections' forms, so it neither needs nor bumps the
    ``updated_at`` those forms check: a co-applicant's upload does not void another's open form.
    """
    locked_at = Proposal.objects.select_for_update().values_list("updated_at", flat=True).get(pk=proposal.pk)
    return proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=locked_at)


# --- Reads ------------------------------------------------------------------------------


def attachments_current(*, proposal: Proposal) -> QuerySet[Attachment]:
    """Return the attachments of ``proposal``'s draft (not removed), with who uploaded them."""
    return (
        Attachment.objects.filter(proposal=proposal, removed_at__isnull=True)
        .exclude(kind=AttachmentType.ANSWER)
        .select_related("uploaded_by")
    )


def attachment_kinds_missing(*, proposal: Proposal, attachments: list[Attachment]) -> list[str]:
    """Return the labels of the types ``proposal``'s call requires that ``attachments`` lack."""
    present = {attachment.kind for attachment in attachments}
    return [
        str(AttachmentType(kind).label)
        for kind in proposal.call.required_attachment_kinds()
        if kind in AttachmentType.values and kind not in present
    ]
