"""The type of an upload is decided by its bytes, never by its name."""

from __future__ import annotations

import pytest

from intake import filetypes
from tests.intake import samples


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.MINIMAL_PDF, filetypes.PDF),
        (samples.ooxml("docx"), filetypes.DOCX),
        (samples.ooxml("xlsx"), filetypes.XLSX),
        (samples.ooxml("pptx"), filetypes.PPTX),
        (samples.opendocument("application/vnd.oasis.opendocument.text"), filetypes.ODT),
        (samples.opendocument("application/vnd.oasis.opendocument.spreadsheet"), filetypes.ODS),
        (samples.opendocument("application/vnd.oasis.opendocument.presentation"), filetypes.ODP),
        (samples.ole2("WordDocument", "1Table"), filetypes.DOC),
        (samples.ole2("Workbook"), filetypes.XLS),
        (samples.ole2("PowerPoint Document", "Current User"), filetypes.PPT),
    ],
    ids=["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt"],
)
def test_sniff_accepted_kind(data: bytes, expected: filetypes.FileKind) -> None:
    assert filetypes.sniff(data) == expected


def test_sniff_canonical_content_type_and_extension() -> None:
    kind = filetypes.sniff(samples.ooxml("docx"))

    assert kind is not None
    assert (kind.content_type, kind.extension) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        samples.HTML,
        samples.EXE,
        b"just some text, named report.pdf",
        b" %PDF-1.4 preceded by a space",
        samples.zip_of({"readme.txt": b"hello", "setup.exe": samples.EXE}),
        samples.zip_of({"[Content_Types].xml": b"<Types/>", "other/thing.xml": b"<x/>"}),
        samples.opendocument("application/x-shockwave-flash"),
        samples.ooxml("docx", main_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
        samples.zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>", "word/vbaProject.bin": b""}),
        samples.ole2("WordDocument", "Macros"),
        samples.ole2("\x05SummaryInformation", "MsiFileHashes"),
        samples.ole2("WordDocument")[:600],
        bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 10,
        b"PK\x03\x04 truncated zip",
    ],
    ids=[
        "empty",
        "html",
        "exe",
        "text",
        "pdf-not-at-start",
        "plain-zip",
        "ooxml-without-main-part",
        "odf-unknown-mimetype",
        "docm-macros",
        "vba-project",
        "doc-macros",
        "msi-installer",
        "truncated-ole2",
        "ole2-header-only",
        "truncated-zip",
    ],
)
def test_sniff_refuses(data: bytes) -> None:
    assert filetypes.sniff(data) is None


def test_sniff_reads_a_zip_bomb_entry_only_to_its_bound() -> None:
    # A "mimetype" entry that would expand to 50 MB: only its first bytes are read.
    bomb = samples.zip_of({"mimetype": b"application/vnd.oasis.opendocument.text" + b" " * 50_000_000})

    assert len(bomb) < 100_000
    assert filetypes.sniff(bomb) == filetypes.ODT


def test_sniff_refuses_an_encrypted_entry() -> None:
    data = bytearray(samples.opendocument("application/vnd.oasis.opendocument.text"))
    # Set the "encrypted" flag of the first entry in the central directory.
    data[data.find(b"PK\x01\x02") + 8] |= 1

    assert filetypes.sniff(bytes(data)) is None
