"""The PDFs of a submitted version: its dossier and its submission receipt (docs/pdfs.md).

Both are printed from what the version froze, through the templates of its page
(``intake/_version_header.html``, ``intake/_version_sheet.html``), in the active language, and
both print the version's SHA-256 (``versions.version_digest``). Nothing is stored: the version
never changes, so printing it again gives the same document; the receipt attached to the
confirmation email is printed when the email is sent, in its recipient's language.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from intake.models import ProposalVersion
from intake.services.versions import version_digest, version_sheet
from records.events import Event
from records.models import Notification
from records.pdf import html_to_pdf

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


def version_dossier_pdf(*, version: ProposalVersion) -> bytes:
    """Return ``version`` (fetched for its reader) as its dossier: everything it froze, as a tagged PDF."""
    return html_to_pdf(html=render_to_string("intake/version_pdf.html", _context(version)))


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
