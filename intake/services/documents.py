"""The PDFs of a submitted version: its dossier and its submission receipt (docs/pdfs.md).

Both are printed from what the version froze, through the templates of its page
(``intake/_version_header.html``, ``intake/_version_sheet.html``), in the active language, and
both print the version's SHA-256 (``versions.version_digest``). The version never changes, so
printing it again gives the same document: the receipt (one page) is printed when asked for,
and attached to the confirmation email in its recipient's language. The dossier (some 25 pages
for a full application, seconds to lay out) is printed once in each language by the worker
after the submission commits (``version_dossiers_print_on_commit``) and kept in storage under
the proposal's folder (``records.pdf.stored_pdf``); a download that prints the same HTML reads
that file. The retention's disposal deletes the folder (``proposal_dossiers_delete``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from intake.models import ProposalVersion
from intake.services.versions import version_digest, version_sheet
from records.events import Event
from records.models import Notification
from records.pdf import html_to_pdf, stored_pdf, stored_pdfs_delete

logger = logging.getLogger(__name__)

#: The events whose email carries the receipt of the version the submission froze.
RECEIPT_EVENTS = frozenset({Event.LOI_SUBMITTED, Event.APPLICATION_SUBMITTED})


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
    """Return the storage folder of the dossiers printed for proposal ``proposal_id``."""
    return f"dossiers/proposal-{proposal_id}"


def version_dossier_pdf(*, version: ProposalVersion) -> bytes:
    """Return ``version`` (fetched for its reader) as its dossier: everything it froze, as a tagged PDF.

    Read from storage when the worker printed the same document (the same version, language and
    templates); printed and stored otherwise.
    """
    html = render_to_string("intake/version_pdf.html", _context(version))
    return stored_pdf(html=html, folder=dossier_folder(version.proposal_id))


def version_dossiers_print(*, version: ProposalVersion) -> int:
    """Print ``version``'s dossier in each of the site's languages and store them; return how many were printed."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            version_dossier_pdf(version=version)
    return len(settings.LANGUAGES)


#: The task that prints a new version's dossiers (``workflow.tasks``), named: a service imports no task.
PRINT_TASK = "workflow.tasks.print_version_dossiers"


def version_dossiers_print_on_commit(*, proposal_id: int, number: int) -> None:
    """Have the worker print the dossiers of version ``number`` of ``proposal_id`` once this transaction commits.

    If the broker is down, the first download prints it (and stores it) instead.
    """

    def queue() -> None:
        try:
            current_app.send_task(PRINT_TASK, kwargs={"proposal_id": proposal_id, "number": number})
        except Exception:  # A broker outage must not fail the submission: the first download prints it.
            logger.exception("Could not queue the dossiers of proposal %s version %s.", proposal_id, number)

    transaction.on_commit(queue, robust=True)


def proposal_dossiers_delete(*, proposal_ids: Iterable[int]) -> int:
    """Delete the stored dossiers of ``proposal_ids`` (their content is disposed of); return how many files."""
    return sum(stored_pdfs_delete(folder=dossier_folder(pk)) for pk in proposal_ids)


def version_receipt_pdf(*, version: ProposalVersion) -> bytes:
    """Return the receipt of ``version``'s submission: proposal, call, stage, number, server time and hash."""
    return html_to_pdf(html=render_to_string("intake/receipt_pdf.html", _context(version)))


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
