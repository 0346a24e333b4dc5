"""HTML to tagged PDF: the one place documents are printed (docs/pdfs.md, ADR 0041).

Every PDF the application gives out (a version's dossier, a submission's receipt, a decision
letter, an agreement) is a page's template rendered to HTML, then laid out here by WeasyPrint
as PDF/UA-1: tagged, its language the ``<html lang>``, its title the ``<title>``. WeasyPrint
needs Debian's Pango, so it is imported only when a document is printed: without Pango the
application runs, and only its PDFs fail.

The layout fetches nothing: the print stylesheet is read from the static files here, and
every URL in the HTML (there should be none to fetch) is refused, so what an applicant typed
can never make the server read a file or the network. The same HTML gives the same bytes:
the file's identifier is derived from its content and its date is the document's own.

Laying out a long document takes seconds (a full application's dossier runs to some 25 pages),
so the PDF is kept in the cache under the SHA-256 of the HTML and the stylesheet it was made
from: a document downloaded again is not laid out again, and any change to what it prints
(its data, its language, a template, the stylesheet) is another HTML and so another key.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import cache
from pathlib import Path
from typing import Any, cast

from django.contrib.staticfiles import finders
from django.core.cache import cache as django_cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError
from records.queue import current_app

logger = logging.getLogger(__name__)

#: The print stylesheet every document uses (page size, margins, page numbers).
STYLESHEET = "css/pdf.css"
#: PDF/UA-1: a tagged PDF with its language and title (ISO 14289-1).
VARIANT = "pdf/ua-1"
CONTENT_TYPE = "application/pdf"
#: How long a laid-out document stays in the cache.
CACHE_SECONDS = 7 * 24 * 3600


class PrintingUnavailable(DomainError):
    """The server cannot lay PDFs out: WeasyPrint could not load Debian's Pango (503)."""

    status = 503
    title = gettext_lazy("PDFs are unavailable")


@cache
def _stylesheet() -> str:
    found = finders.find(STYLESHEET)
    if not found:
        raise FileNotFoundError(STYLESHEET)
    return Path(str(found)).read_text(encoding="utf-8")


def html_to_pdf(*, html: str) -> bytes:
    """Return ``html`` laid out as a tagged PDF/UA-1 document with the print stylesheet, from the cache if it is there.

    The HTML must give its language (``<html lang>``) and a ``<title>``: PDF/UA requires both.
    The cache only saves time: when it cannot be read or written, the document is laid out.
    """
    stylesheet = _stylesheet()
    key = "pdf:" + _key(html)
    try:
        cached = django_cache.get(key)
    except Exception:  # An unreachable cache must not refuse a document.
        logger.warning("The cache could not be read; laying the document out.", exc_info=True)
        cached = None
    if isinstance(cached, bytes):
        return cached
    pdf = _lay_out(html=html, stylesheet=stylesheet)
    try:
        django_cache.set(key, pdf, CACHE_SECONDS)
    except Exception:
        logger.warning("The cache could not keep the document.", exc_info=True)
    return pdf


def _key(html: str) -> str:
    return sha256_hex(f"{VARIANT}\n{_stylesheet()}\n{html}".encode())


def _stored_name(*, html: str, folder: str) -> str:
    return f"{folder}/{_key(html)}.pdf"


def stored_pdf(*, html: str, folder: str) -> bytes | None:
    """Return the PDF of ``html`` kept in the uploads' storage under ``folder``; None when it is not there yet.

    What a download serves: the web process never lays a document out (issue 23). The file is
    named by the SHA-256 of the HTML and the stylesheet, so any change to what it prints (its
    data, its language, a template) is another file, and a stored file is served only for the
    document it is. An unreadable storage counts as a document not there yet.
    """
    name = _stored_name(html=html, folder=folder)
    try:
        with default_storage.open(name, "rb") as kept:
            return cast(bytes, kept.read())
    except FileNotFoundError:
        return None
    except Exception:
        logger.warning("The stored document %s could not be read.", name, exc_info=True)
        return None


def pdf_store(*, html: str, folder: str) -> bytes:
    """Lay ``html`` out and keep it under ``folder`` unless it is there already; return the PDF. The task worker's.

    Idempotent: a document stored already is read, not laid out again. Raises
    ``PrintingUnavailable`` when WeasyPrint cannot load Pango, and the storage's own error when
    the file cannot be kept, so that the task fails and can be queued again.
    """
    kept = stored_pdf(html=html, folder=folder)
    if kept is not None:
        return kept
    pdf = html_to_pdf(html=html)
    name = _stored_name(html=html, folder=folder)
    if not default_storage.exists(name):  # another worker may have stored it meanwhile
        default_storage.save(name, ContentFile(pdf))
    return pdf


#: How long a queued print is not queued again for the same document (a task lost or failed is queued anew after).
QUEUED_SECONDS = 10 * 60


def pdf_print_queue(*, html: str, task: str, kwargs: dict[str, Any]) -> None:
    """Have the task worker print the document ``html`` (the task ``task`` with ``kwargs``), once.

    For a download whose document is not stored yet (data older than its printing, a task that
    failed, a template changed since). Queued once per document every ``QUEUED_SECONDS``: the
    readers who reload the page meanwhile queue nothing more, and the task itself stores nothing
    twice. Queued after the transaction commits; a broker outage is logged, and the next
    download after ``QUEUED_SECONDS`` queues it again.
    """
    marker = f"pdf:queued:{task}:{_key(html)}"
    try:
        first = django_cache.add(marker, True, QUEUED_SECONDS)
    except Exception:  # An unreachable cache must not stop the printing: queued again, the task stores once.
        logger.warning("The cache could not mark the document as queued.", exc_info=True)
        first = True
    if first:
        task_send_on_commit(task=task, kwargs=kwargs)


def task_send_on_commit(*, task: str, kwargs: dict[str, Any]) -> None:
    """Queue ``task`` with ``kwargs`` once the transaction commits (at once outside one); a broker outage is logged."""

    def send() -> None:
        try:
            current_app.send_task(task, kwargs=kwargs)
        except Exception:  # A broker outage must not fail the page: the document is queued again later.
            logger.exception("Could not queue %s with %s.", task, kwargs)

    transaction.on_commit(send, robust=True)


def pdf_or_pending(*, request: HttpRequest, html: str, folder: str, filename: str, task: str,
                   kwargs: dict[str, Any]) -> HttpResponse:  # fmt: skip
    """Return the download of the stored PDF of ``html``; when it is not stored yet, queue its printing and say so.

    The page that answers meanwhile (202, ``Retry-After``) tells the reader the document is
    being prepared and to come back in a moment; nothing is laid out in the request.
    """
    pdf = stored_pdf(html=html, folder=folder)
    if pdf is not None:
        return pdf_response(pdf=pdf, filename=filename)
    pdf_print_queue(html=html, task=task, kwargs=kwargs)
    response = render(request, "records/pdf_pending.html", {"filename": filename}, status=202)
    response["Retry-After"] = str(PENDING_RETRY_SECONDS)
    return response


#: When the reader of a document being prepared is asked to try again (the worker takes seconds per document).
PENDING_RETRY_SECONDS = 15


def stored_pdfs_delete(*, folder: str) -> int:
    """Delete every document stored under ``folder`` (``stored_pdf``); return how many. A missing folder has none."""
    try:
        _folders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    for name in names:
        default_storage.delete(f"{folder}/{name}")
    return len(names)


def _lay_out(*, html: str, stylesheet: str) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, and only printing needs it.
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:  # cffi could not open Pango's library, or WeasyPrint is not installed
        logger.exception("WeasyPrint cannot load Pango: install libpango-1.0-0 and libpangoft2-1.0-0.")
        raise PrintingUnavailable(
            _("This server cannot make PDFs at the moment. The page itself shows the same document; try again later.")
        ) from error

    refuse_all = URLFetcher(allowed_protocols=())
    document = HTML(string=html, url_fetcher=refuse_all)
    css = CSS(string=stylesheet, url_fetcher=refuse_all)
    pdf: bytes = document.write_pdf(stylesheets=[css], pdf_variant=VARIANT, pdf_identifier=True)
    return pdf


def sha256_hex(content: bytes) -> str:
    """Return the SHA-256 of ``content`` in hexadecimal, as the documents print it."""
    return hashlib.sha256(content).hexdigest()


def repr_digest(content: bytes) -> str:
    """Return the ``Repr-Digest`` field value of ``content`` (RFC 9530): its SHA-256 in base64 between colons."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode('ascii')}:"


def pdf_response(*, pdf: bytes, filename: str) -> HttpResponse:
    """Return ``pdf`` as a download named ``filename``, with its own SHA-256 in ``Repr-Digest``.

    A PDF cannot print its own hash; the header gives it, so a reader can check the file they
    received, and the document prints the hash of what it states (docs/pdfs.md).
    """
    response = HttpResponse(pdf, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Repr-Digest"] = repr_digest(pdf)
    return response
