"""HTML to tagged PDF (records.pdf): PDF/UA-1 with its language and title, nothing fetched, kept in the cache."""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from records import pdf as printing
from records.pdf import PrintingUnavailable, html_to_pdf, pdf_response, repr_digest
from tests.records.pdfs import assert_tagged, text_of


def page(body: str, *, lang: str = "en", title: str = "A document", head: str = "") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body><main>{body}</main></body></html>"
    )


def test_html_to_pdf_is_tagged_in_the_documents_language_and_title() -> None:
    pdf = html_to_pdf(html=page("<h1>Reçu</h1><p>Votre dépôt est reçu.</p>", lang="fr", title="Reçu de dépôt"))

    assert pdf.startswith(b"%PDF-1.7")
    assert_tagged(pdf, language="fr", title="Reçu de dépôt")
    assert text_of(pdf) == "Reçu Votre dépôt est reçu. 1 / 1"


def test_html_to_pdf_fetches_nothing(tmp_path: Path) -> None:
    stylesheet = tmp_path / "leak.css"
    stylesheet.write_text('main::after { content: "FETCHED"; }')
    image = tmp_path / "leak.png"
    image.write_bytes(b"not read")
    head = f'<link rel="stylesheet" href="{stylesheet.as_uri()}">'

    pdf = html_to_pdf(html=page(f'<p>Text</p><img src="{image.as_uri()}" alt="Image">', head=head))

    assert "FETCHED" not in text_of(pdf)
    assert "Text" in text_of(pdf)


def test_html_to_pdf_gives_the_same_bytes_for_the_same_html() -> None:
    html = page("<p>Same</p>")
    first = html_to_pdf(html=html)
    cache.clear()

    assert html_to_pdf(html=html) == first


def test_html_to_pdf_lays_out_once_then_reads_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    laid_out: list[str] = []
    real = printing._lay_out

    def counting(*, html: str, stylesheet: str) -> bytes:
        laid_out.append(html)
        return real(html=html, stylesheet=stylesheet)

    monkeypatch.setattr(printing, "_lay_out", counting)
    first = html_to_pdf(html=page("<p>Once</p>"))
    second = html_to_pdf(html=page("<p>Once</p>"))
    other = html_to_pdf(html=page("<p>Once</p>", lang="fr"))

    assert first == second
    assert other != first
    assert len(laid_out) == 2


def test_html_to_pdf_lays_out_when_the_cache_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def get(self, key: str) -> bytes:
            raise ConnectionError("cache down")

        def set(self, key: str, value: bytes, timeout: int) -> None:
            raise ConnectionError("cache down")

    monkeypatch.setattr(printing, "django_cache", Broken())

    assert text_of(html_to_pdf(html=page("<p>Still printed</p>"))).startswith("Still printed")


def test_pdf_response_gives_the_files_own_sha256() -> None:
    content = b"%PDF-1.7 example"

    response = pdf_response(pdf=content, filename="receipt.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="receipt.pdf"'
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
    assert response["Repr-Digest"] == repr_digest(content) == f"sha-256=:{digest}:"
    assert response.content == content


def test_html_to_pdf_without_weasyprint_says_pdfs_are_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as when Pango cannot be loaded: the import fails

    with pytest.raises(PrintingUnavailable) as refused:
        html_to_pdf(html=page("<p>Not printed</p>"))

    assert refused.value.status == 503
