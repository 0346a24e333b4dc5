"""The PDFs of a submitted version: its dossier and its submission receipt (docs/pdfs.md).

Both are printed from what the version froze, through the templates of its page
(``intake/_version_header.html``, ``intake/_version_sheet.html``), in the active language, and
both print the version's SHA-256 (``versions.version_digest``). The version never changes, so
printing it again gives the same document. Both are laid out by the task worker only, never in
a web process (issue 23), and kept in storage under the proposal's folder
(``records.pdf.pdf_store``). The receipt attached to the confirmation email is printed, in its
recipient's language, by the worker that sends it, and stored. Nothing else is printed at the
submission: at a deadline, a thousand submissions in an hour would each lay out four documents
(the dossier and the receipt in each language) that few read, and take the processors the
pages need. A download reads the stored file that has its HTML's key
(``version_dossier_download``); the first one of a document not stored yet queues the task
``workflow.tasks.print_version_dossiers`` (the version's dossier and receipt in each language)
and says the document is being prepared. The retention's
disposal deletes the folder (``proposal_dossiers_delete``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from intake.models import ProposalVersion
from intake.services.versions import version_digest, version_sheet
from records.events import Event
from records.models import Notification
from records.pdf import pdf_or_pending, pdf_store, stored_pdfs_delete

logger = logging.getLogger(__name__)

#: The events whose email carries the receipt of the version the submission froze.
RECEIPT_EVENTS = frozenset({Event.LOI_SUBMITTED, Event.APPLICATION_SUBMITTED})
DOSSIER_TEMPLATE = "intake/version_pdf.html"
RECEIPT_TEMPLATE = "intake/receipt_pdf.html"


def _context(version: ProposalVersion) -> dict[str, Any]:
    sheet = version_sheet(data=version.data)
    return {
        "version": version,
        "proposal": version.proposal,
        "call": version.proposal.call,
        "data": version.data,
        "sheet": sheet,
        "attachments": sheet["attachments"],
        "digest": version_digest(data=version.data),
        "created": version.submitted_at,
    }


def dossier_folder(proposal_id: int) -> str:
    """Return the storage folder of the documents printed for proposal ``proposal_id``: its versions' and letters'."""
    return f"dossiers/proposal-{proposal_id}"


def _html(version: ProposalVersion, template: str) -> str:
    return render_to_string(template, _context(version))


def version_dossier_pdf(*, version: ProposalVersion) -> bytes:
    """Return ``version`` as its dossier, everything it froze as a tagged PDF, laid out and stored if it is not yet.

    The task worker's (it lays the document out): a download reads it with ``version_dossier_download``.
    """
    return pdf_store(html=_html(version, DOSSIER_TEMPLATE), folder=dossier_folder(version.proposal_id))


def version_receipt_pdf(*, version: ProposalVersion) -> bytes:
    """Return the receipt of ``version``'s submission (proposal, call, stage, number, server time, hash), stored.

    The task worker's, as ``version_dossier_pdf``.
    """
    return pdf_store(html=_html(version, RECEIPT_TEMPLATE), folder=dossier_folder(version.proposal_id))


def version_documents_print(*, version: ProposalVersion) -> int:
    """Print and store ``version``'s dossier and receipt in each of the site's languages; return how many languages."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            version_dossier_pdf(version=version)
            version_receipt_pdf(version=version)
    return len(settings.LANGUAGES)


#: The task that prints a version's documents (``workflow.tasks``), named: a service imports no task.
PRINT_TASK = "workflow.tasks.print_version_dossiers"


def version_dossier_download(*, request: HttpRequest, version: ProposalVersion) -> HttpResponse:
    """Return the download of ``version``'s stored dossier in the active language, or say it is being prepared."""
    return _download(request, version, DOSSIER_TEMPLATE, dossier_filename(version))


def version_receipt_download(*, request: HttpRequest, version: ProposalVersion) -> HttpResponse:
    """Return the download of ``version``'s stored receipt in the active language, or say it is being prepared."""
    return _download(request, version, RECEIPT_TEMPLATE, receipt_filename(version))


def _download(request: HttpRequest, version: ProposalVersion, template: str, filename: str) -> HttpResponse:
    return pdf_or_pending(
        request=request,
        html=_html(version, template),
        folder=dossier_folder(version.proposal_id),
        filename=filename,
        task=PRINT_TASK,
        kwargs={"proposal_id": version.proposal_id, "number": version.number},
    )


def proposal_dossiers_delete(*, proposal_ids: Iterable[int]) -> int:
    """Delete the stored documents of ``proposal_ids`` (their content is disposed of); return how many files."""
    return sum(stored_pdfs_delete(folder=dossier_folder(pk)) for pk in proposal_ids)


def dossier_filename(version: ProposalVersion) -> str:
    return f"proposal-{version.proposal_id}-version-{version.number}.pdf"


def receipt_filename(version: ProposalVersion) -> str:
    return f"receipt-proposal-{version.proposal_id}-version-{version.number}.pdf"


def notification_receipts(notification: Notification) -> list[tuple[str, bytes, str]]:
    """Return the receipt a submission's confirmation email carries, in its recipient's language; else nothing.

    The submission names the version it froze in the notification's context (``version``);
    a notification written before receipts existed names none and goes without.
    """
    number = notification.context.get("version")
    if notification.event not in RECEIPT_EVENTS or notification.proposal_id is None or not number:
        return []
    version = (
        ProposalVersion.objects.select_related("proposal__call__program", "submitted_by")
        .filter(proposal_id=notification.proposal_id, number=number)
        .first()
    )
    if version is None:
        return []
    with translation.override(notification.recipient.preferred_language):
        pdf = version_receipt_pdf(version=version)
    return [(receipt_filename(version), pdf, "application/pdf")]
