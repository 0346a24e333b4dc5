"""Count the pages of an answer: a long text laid out at the call's page layout, or a PDF (a leaf).

A long text's pages are counted on a fixed layout rather than in a browser or a PDF
renderer, so the count is the same on every machine and for every reader: the text is
wrapped word by word into lines of ``chars_per_line`` characters, each paragraph (each line
break the applicant typed) starting a new line and a blank line taking one, and the lines
filled into pages of ``lines_per_page``. ``A4_LAYOUT`` is what a page of A4 holds in an
11-point proportional font, single spaced, with 2.5 cm margins: about 90 characters a line
and 46 lines a page, some 600 words of plain prose (docs/questions.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intake import filetypes

if TYPE_CHECKING:
    import pypdf


@dataclass(frozen=True)
class PageLayout:
    """The page an answer is laid out on to count its pages."""

    name: str
    chars_per_line: int
    lines_per_page: int


A4_LAYOUT = PageLayout(name="A4, 11 pt, single spaced, 2.5 cm margins", chars_per_line=90, lines_per_page=46)


def _paragraph_lines(paragraph: str, width: int) -> int:
    """Return how many lines ``paragraph`` takes once wrapped at ``width`` characters; a blank one takes one."""
    lines, used = 1, 0
    for word in paragraph.split():
        length = len(word)
        if used and used + 1 + length <= width:
            used += 1 + length
            continue
        if used:
            lines += 1
        # A word longer than a line is broken over as many lines as it needs.
        lines += (length - 1) // width
        used = (length - 1) % width + 1
    return lines


def text_pages(text: str, layout: PageLayout = A4_LAYOUT) -> int:
    """Return how many pages ``text`` fills at ``layout``; an empty text fills none."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return 0
    lines = sum(_paragraph_lines(paragraph, layout.chars_per_line) for paragraph in text.split("\n"))
    return math.ceil(lines / layout.lines_per_page)


class UnreadablePDF(ValueError):
    """The PDF's pages could not be counted."""


def pdf_pages(data: bytes, *, reader: pypdf.PdfReader | None = None) -> int:
    """Return the number of pages of the PDF ``data`` (already accepted by ``filetypes.identify``).

    ``reader`` is the one that checked ``data`` (``filetypes.inspect``), if any: the file is not parsed again.
    """
    try:
        if reader is None:
            reader = filetypes.pdf_reader(data)
            if reader.is_encrypted:
                reader.decrypt("")
        return len(reader.pages)
    except Exception as error:  # pypdf raises many kinds of error on a damaged file
        raise UnreadablePDF(str(error)) from error
