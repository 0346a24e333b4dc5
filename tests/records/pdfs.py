"""Reading the PDFs the application prints, for the tests: their text, their tags, their language and title."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import BooleanObject


def text_of(pdf: bytes) -> str:
    """Return the text of every page of ``pdf``, each run of spaces and line breaks as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def squeezed(text: str) -> str:
    """Return ``text`` without any space: a hash the layout broke across lines reads whole again."""
    return "".join(text.split())


def assert_tagged(pdf: bytes, *, language: str, title: str | None = None) -> None:
    """Assert that ``pdf`` is tagged for accessibility (PDF/UA-1) in ``language``, titled ``title`` if given."""
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert catalog["/Lang"] == language
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title
    if title is not None:
        assert metadata.title == title
    # The PDF/UA identification in the XMP metadata: part 1.
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp
    assert b"1" in xmp.split(b"pdfuaid:part")[1][:20]
