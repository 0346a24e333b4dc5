"""The text of an uploaded document, for the proposals' search (a leaf).

Where it can be read: a PDF's text layer (pypdf), the text of a Word or OpenDocument text
document (docx, odt), a slide deck's (pptx, odp). Spreadsheets and the legacy binary
formats (doc, xls, ppt) give no text; neither does a scanned PDF without a text layer. What
is read is bounded (pages, bytes of XML, characters kept), so a large or hostile file costs
little: the upload already passed ``intake.filetypes``' checks, and any error while reading
gives no text rather than refusing a file those checks accepted.
"""

from __future__ import annotations

import html
import io
import logging
import re
import zipfile
from typing import TYPE_CHECKING

from intake import filetypes

if TYPE_CHECKING:
    import pypdf

logger = logging.getLogger(__name__)

#: The bytes of a stored file read for its text (uploads are smaller: ``ATTACHMENT_MAX_BYTES``).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The characters of a document kept for the search; the rest is not indexed.
MAX_CHARACTERS = 100_000
#: The pages of a PDF read for its text.
MAX_PDF_PAGES = 60
#: The bytes of a document's XML read for its text.
MAX_XML_BYTES = 8 * 1024 * 1024

#: The XML parts holding the text of each zipped kind (a name, or a pattern of names).
_XML_PARTS = {
    filetypes.DOCX.content_type: re.compile(r"word/document\.xml"),
    filetypes.PPTX.content_type: re.compile(r"ppt/slides/slide\d+\.xml"),
    filetypes.ODT.content_type: re.compile(r"content\.xml"),
    filetypes.ODP.content_type: re.compile(r"content\.xml"),
}
_TAG = re.compile(rb"<[^>]*>")
#: The tags that end a paragraph, a line or a cell: their words must not run together.
_BREAKS = re.compile(rb"</(?:w:p|a:p|text:p|text:h)>|<(?:w:br|w:tab|text:line-break|text:tab|text:s)\b[^>]*/>")


def document_text(data: bytes, *, content_type: str, pdf: pypdf.PdfReader | None = None) -> str:
    """Return the text of the document ``data`` of ``content_type``, at most ``MAX_CHARACTERS``; "" if none.

    ``pdf`` is the reader that checked a PDF's ``data`` (``filetypes.inspect``), if any: the file is not parsed again.
    """
    try:
        if content_type == filetypes.PDF.content_type:
            text = _pdf_text(pdf if pdf is not None else filetypes.pdf_reader(data))
        elif content_type in _XML_PARTS:
            text = _xml_text(data, _XML_PARTS[content_type])
        else:
            return ""
    except Exception:  # a file the checks accepted is kept even if its text cannot be read
        logger.info("No text read from a %s document of %d bytes", content_type, len(data), exc_info=True)
        return ""
    return " ".join(text.split())[:MAX_CHARACTERS]


def _pdf_text(reader: pypdf.PdfReader) -> str:
    parts: list[str] = []
    length = 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        part = page.extract_text() or ""
        parts.append(part)
        length += len(part)
        if length >= MAX_CHARACTERS:
            break
    return "\n".join(parts)


def _xml_text(data: bytes, parts: re.Pattern[str]) -> str:
    texts: list[str] = []
    budget = MAX_XML_BYTES
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist(), key=_natural):
            if budget <= 0 or not parts.fullmatch(name):
                continue
            with archive.open(name) as entry:
                xml = entry.read(budget)
            budget -= len(xml)
            # The tags are dropped, not parsed: no entity or external reference of the file is ever resolved.
            plain = _TAG.sub(b"", _BREAKS.sub(b" ", xml)).decode("utf-8", errors="ignore")
            texts.append(html.unescape(plain))
    return "\n".join(texts)


def _natural(name: str) -> tuple[int, str]:
    """Order ``slide2.xml`` before ``slide10.xml``."""
    number = re.search(r"(\d+)\.xml$", name)
    return (int(number.group(1)) if number else 0, name)
