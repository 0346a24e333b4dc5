"""Decide what kind of document a file is from its bytes, never from its name (a leaf).

Accepted: PDF, Office Open XML (docx, xlsx, pptx), OpenDocument (odt, ods, odp) and the
legacy OLE2 formats (doc, xls, ppt). Anything else is refused, and so is active content:
documents carrying macros, scripts or ActiveX controls, and PDFs with JavaScript, actions
run on opening or on events, launch actions or embedded files. Archives are judged by their
central directory before anything is expanded: too many entries, too large once expanded
or compressed out of proportion (a "zip bomb") is refused; what is read after that is read
in bounded amounts.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pypdf is imported where a PDF is read: a web worker serving pages need not load it
    import pypdf
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    """A document kind: the content type it is served with and its usual extension."""

    content_type: str
    extension: str


PDF = FileKind("application/pdf", "pdf")
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
ODT = FileKind("application/vnd.oasis.opendocument.text", "odt")
ODS = FileKind("application/vnd.oasis.opendocument.spreadsheet", "ods")
ODP = FileKind("application/vnd.oasis.opendocument.presentation", "odp")
DOC = FileKind("application/msword", "doc")
XLS = FileKind("application/vnd.ms-excel", "xls")
PPT = FileKind("application/vnd.ms-powerpoint", "ppt")

#: What an applicant is told is accepted.
ACCEPTED_DESCRIPTION = _(
    "PDF, Word (.docx, .doc), Excel (.xlsx, .xls), PowerPoint (.pptx, .ppt) "
    "and OpenDocument (.odt, .ods, .odp), without macros"
)

#: Every kind accepted, in the order they are offered (a question's file may narrow them, by extension).
ACCEPTED_KINDS = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, DOC, XLS, PPT)
ACCEPTED_EXTENSIONS = tuple(kind.extension for kind in ACCEPTED_KINDS)

#: The input's ``accept`` hint; only a hint, the bytes decide.
ACCEPT_ATTRIBUTE = ",".join(f".{kind.extension}" for kind in ACCEPTED_KINDS)

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"

# Bounds on what is read of an archive: real documents stay far below them. A DOCX of
# 20 MB of photos expands to about 20 MB; its XML compresses ten to thirty times.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_EXPANDED_BYTES = 256 * 1024 * 1024
MAX_ZIP_RATIO = 100
#: Below this expanded size a high ratio is harmless (a page of repeated text compresses well).
ZIP_RATIO_FLOOR_BYTES = 1024 * 1024
MAX_CONTENT_TYPES_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 1 << 20
MAX_OLE2_SECTORS = 1 << 16
MAX_PDF_OBJECTS = 1_000_000

NOT_A_DOCUMENT = _("This file is not a document we accept, whatever its name says. Accepted: %(accepted)s.")
MACROS = _(
    "This document contains macros or other code that runs when it is opened, which we do not accept. "
    "Save a copy without macros (for example as .docx, .xlsx or .odt) and upload that copy."
)
PDF_ACTIVE_CONTENT = _(
    "This PDF contains active content (JavaScript, an action run when it is opened, a launch action "
    "or an embedded file), which we do not accept. Print or export it to a new PDF and upload that."
)
PDF_ENCRYPTED = _("This PDF is protected by a password. Upload a copy without the password.")
PDF_UNREADABLE = _("We could not read this PDF to check it. Print or export it to a new PDF and upload that.")
OUT_OF_PROPORTION = _(
    "This document would expand to far more than a real document does, so we cannot accept it. "
    "Save it again from your office software and upload that copy."
)
TOO_MANY_PARTS = _(
    "This document holds more than %(limit)s parts, far more than a real document does, so we cannot accept it."
)


class Refused(Exception):
    """The bytes are not a document that is accepted; ``message`` tells the applicant why."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


_OOXML_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF_MIMETYPES = {kind.content_type.encode(): kind for kind in (ODT, ODS, ODP)}
_OLE2_STREAMS = {"WordDocument": DOC, "Workbook": XLS, "Book": XLS, "PowerPoint Document": PPT}
_OLE2_MACRO_STORAGES = {"Macros", "_VBA_PROJECT_CUR", "VBA"}
# Parts and content types that hold VBA, Excel 4 macro sheets or ActiveX controls.
_OOXML_CODE_PARTS = ("vbaproject.bin", "vbadata.xml")
_OOXML_CODE_FOLDERS = ("activex", "macrosheets")
_OOXML_CODE_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"vbadata", b"activex", b"macrosheet")
# Folders where OpenDocument keeps Basic libraries and scripts (Python, JavaScript, BeanShell),
# at the top or inside an embedded object ("Object 1/Basic/...").
_ODF_CODE_FOLDERS = ("basic", "scripts")
# Events bound to macros in the document's XML, including macros of the office installation.
_ODF_CODE_MARKERS = (b"vnd.sun.star.script:", b"macro://", b"script:event-listener")
_ODF_XML_PARTS = ("content.xml", "styles.xml")
_MANIFEST_PATH = re.compile(rb'full-path="([^"]*)"')
_MANIFEST_MEDIA_TYPE = re.compile(rb'media-type="([^"]*)"')


@dataclass(frozen=True)
class Inspected:
    """What ``inspect`` found in a document's bytes: its kind and, for a PDF, the reader that checked it.

    ``pdf`` is pypdf's reader of the file with every object already resolved, for whoever
    reads the same bytes next (their pages, their text) without parsing them again; None for
    another kind, and for a PDF pypdf could not read (accepted on the byte scan alone).
    """

    kind: FileKind
    pdf: pypdf.PdfReader | None = None


def inspect(data: bytes) -> Inspected:
    """Return the kind of document ``data`` is and, for a PDF, its reader; or raise ``Refused`` saying why.

    Refused: anything that is not one of the accepted kinds, documents carrying macros or
    scripts, PDFs with active content, and archives out of proportion to a real document.
    """
    if data.startswith(b"%PDF-"):
        return Inspected(PDF, _check_pdf(data))
    if data.startswith(ZIP_MAGIC):
        return Inspected(_identify_zip(data))
    if data.startswith(OLE2_MAGIC):
        return Inspected(_identify_ole2(data))
    raise _not_a_document()


def identify(data: bytes) -> FileKind:
    """Return the kind of document ``data`` is, or raise ``Refused`` saying why it is not accepted (``inspect``)."""
    return inspect(data).kind


def sniff(data: bytes) -> FileKind | None:
    """Return the kind of document ``data`` is, or None if it is not one that is accepted."""
    try:
        return identify(data)
    except Refused:
        return None


def _not_a_document() -> Refused:
    return Refused(NOT_A_DOCUMENT % {"accepted": ACCEPTED_DESCRIPTION})


# --- ZIP packages: Office Open XML and OpenDocument --------------------------------------


def _identify_zip(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_proportions(infos)
            names = {info.filename for info in infos}
            if "mimetype" in names:
                kind = _ODF_MIMETYPES.get(_read_bounded(archive, "mimetype", 100).strip())
                if kind is None:
                    raise _not_a_document()
                _check_opendocument_code(archive, names)
                return kind
            if "[Content_Types].xml" not in names:
                raise _not_a_document()
            content_types = _read_bounded(archive, "[Content_Types].xml", MAX_CONTENT_TYPES_BYTES)
            _check_ooxml_code(content_types, names)
            for part, kind in _OOXML_MAIN_PARTS.items():
                if part in names:
                    return kind
            raise _not_a_document()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, ValueError, EOFError, OSError):
        # Corrupt, encrypted or oddly compressed: not a document we can vouch for.
        raise _not_a_document() from None


def _check_proportions(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive whose central directory promises more than a real document holds.

    Only the directory is read: the sizes it declares are also the most ``zipfile`` ever
    expands an entry to, so what is read afterwards stays within them.
    """
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Refused(TOO_MANY_PARTS % {"limit": number_format(MAX_ZIP_ENTRIES, force_grouping=True)})
    expanded = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos)
    if expanded > MAX_ZIP_EXPANDED_BYTES:
        raise Refused(OUT_OF_PROPORTION)
    if expanded > ZIP_RATIO_FLOOR_BYTES and expanded > MAX_ZIP_RATIO * max(compressed, 1):
        raise Refused(OUT_OF_PROPORTION)


def _check_ooxml_code(content_types: bytes, names: set[str]) -> None:
    lowered = content_types.lower()
    if any(marker in lowered for marker in _OOXML_CODE_CONTENT_TYPES):
        raise Refused(MACROS)
    for name in names:
        parts = name.lower().split("/")
        if parts[-1] in _OOXML_CODE_PARTS or any(folder in parts[:-1] for folder in _OOXML_CODE_FOLDERS):
            raise Refused(MACROS)


def _check_opendocument_code(archive: zipfile.ZipFile, names: set[str]) -> None:
    paths = set(names)
    if "META-INF/manifest.xml" in names:
        manifest = _read_bounded(archive, "META-INF/manifest.xml", MAX_MANIFEST_BYTES)
        paths |= {path.decode("utf-8", errors="replace") for path in _MANIFEST_PATH.findall(manifest)}
        if any(b"script" in media_type.lower() for media_type in _MANIFEST_MEDIA_TYPE.findall(manifest)):
            raise Refused(MACROS)
    for path in paths:
        if any(folder in _ODF_CODE_FOLDERS for folder in path.lower().split("/")[:-1]):
            raise Refused(MACROS)
    for part in _ODF_XML_PARTS:
        if part in names and _entry_contains(archive, part, _ODF_CODE_MARKERS):
            raise Refused(MACROS)


def _entry_contains(archive: zipfile.ZipFile, name: str, markers: tuple[bytes, ...]) -> bool:
    """Tell whether an entry holds any of ``markers``, reading it in chunks (its size is already bounded)."""
    overlap = max(len(marker) for marker in markers) - 1
    tail = b""
    with archive.open(name) as entry:
        while chunk := entry.read(1 << 20):
            window = tail + chunk.lower()
            if any(marker in window for marker in markers):
                return True
            tail = window[-overlap:]
    return False


def _read_bounded(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read at most ``limit`` bytes of one entry, whatever its header claims."""
    with archive.open(name) as entry:
        return entry.read(limit)


# --- Legacy Office (OLE2 compound files) -------------------------------------------------


def _identify_ole2(data: bytes) -> FileKind:
    """Read the compound file's directory and tell the document by its main stream."""
    try:
        names = _ole2_directory_names(data)
    except (struct.error, ValueError, IndexError):
        raise _not_a_document() from None
    if names & _OLE2_MACRO_STORAGES:
        raise Refused(MACROS)
    for stream, kind in _OLE2_STREAMS.items():
        if stream in names:
            return kind
    raise _not_a_document()


_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF


def _ole2_directory_names(data: bytes) -> set[str]:
    """Return the names of the entries of an OLE2 compound file's directory (MS-CFB)."""
    if len(data) < 512:
        raise ValueError("truncated header")
    (sector_shift,) = struct.unpack_from("<H", data, 30)
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << sector_shift
    fat_count, first_directory = struct.unpack_from("<II", data, 44)
    first_difat, difat_count = struct.unpack_from("<II", data, 68)
    per_sector = sector_size // 4

    def sector(number: int) -> bytes:
        start = (number + 1) * sector_size
        if start + sector_size > len(data):
            raise ValueError("sector out of range")
        return data[start : start + sector_size]

    fat_sectors = [n for n in struct.unpack_from("<109I", data, 76) if n != _FREE]
    next_difat = first_difat
    for _step in range(min(difat_count, MAX_OLE2_SECTORS)):
        if next_difat in (_END_OF_CHAIN, _FREE):
            break
        entries = struct.unpack(f"<{per_sector}I", sector(next_difat))
        fat_sectors.extend(n for n in entries[:-1] if n != _FREE)
        next_difat = entries[-1]
    fat_sectors = fat_sectors[:fat_count]
    fat: list[int] = []
    for number in fat_sectors:
        fat.extend(struct.unpack(f"<{per_sector}I", sector(number)))

    names: set[str] = set()
    current = first_directory
    for _step in range(MAX_OLE2_SECTORS):
        if current == _END_OF_CHAIN:
            return names
        block = sector(current)
        for offset in range(0, sector_size, 128):
            (length,) = struct.unpack_from("<H", block, offset + 64)
            object_type = block[offset + 66]
            if object_type in (1, 2, 5) and 2 <= length <= 64:
                names.add(block[offset : offset + length - 2].decode("utf-16-le", errors="replace"))
        current = fat[current]
    raise ValueError("directory chain too long")


# --- PDF --------------------------------------------------------------------------------

#: Names that make a PDF act on its own: scripts, actions run on events, launching
#: programs, files carried inside.
_PDF_ACTIVE_NAMES = frozenset({"JavaScript", "JS", "AA", "Launch", "EmbeddedFile", "EmbeddedFiles"})
#: The catalog's action run on opening. Its value is either an action (a dictionary: refused,
#: whatever it does) or a destination (an array: the page and zoom to open at, which many
#: office suites write and which runs nothing), so it is judged on the resolved object.
_PDF_OPEN_ACTION = "/OpenAction"
_PDF_DELIMITERS = rb"\s/<>\[\]()%{}\x00"
_PDF_NAME = re.compile(rb"/([^" + _PDF_DELIMITERS + rb"]+)")
_PDF_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def pdf_reader(data: bytes) -> pypdf.PdfReader:
    """Return pypdf's lenient reader of the PDF ``data``, reading the bytes where they are.

    pypdf measures a stream that has ``getbuffer`` (a ``BytesIO``) by exporting its buffer,
    which makes the ``BytesIO`` copy the whole file first; behind a ``BufferedReader`` it
    measures by seeking, and the ``BytesIO`` keeps sharing ``data``'s bytes.
    """
    import pypdf

    return pypdf.PdfReader(io.BufferedReader(io.BytesIO(data)), strict=False)


def _check_pdf(data: bytes) -> pypdf.PdfReader | None:
    """Refuse a PDF with active content, looking at its bytes and at every object pypdf resolves.

    The byte scan reads the names outside streams (a stream's bytes are images or page
    contents, where any three bytes may look like ``/JS``); pypdf resolves what the scan
    cannot see: objects inside compressed object streams, and encrypted files. A PDF pypdf
    cannot read is accepted on the byte scan alone only if it has no object streams and no
    encryption, where nothing could hide from the scan. Return the reader of an accepted PDF
    (decrypted if it was, every object resolved), or None if pypdf could not read it.
    """
    import pypdf

    names = _pdf_names_outside_streams(data)
    if names & _PDF_ACTIVE_NAMES:
        raise Refused(PDF_ACTIVE_CONTENT)
    try:
        reader = pdf_reader(data)
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise Refused(PDF_ENCRYPTED)
        active = _pdf_objects_active(reader)
    except (Refused, MemoryError):
        raise
    except Exception:  # pypdf raises many kinds of error on a damaged file
        if names & {"ObjStm", "Encrypt", _PDF_OPEN_ACTION[1:]}:
            raise Refused(PDF_UNREADABLE) from None
        return None
    if active:
        raise Refused(PDF_ACTIVE_CONTENT)
    return reader


def _pdf_names_outside_streams(data: bytes) -> set[str]:
    """Return the PDF names written in ``data`` outside its streams, with ``#xx`` escapes decoded."""
    names: set[str] = set()
    position = 0
    while position < len(data):
        match = _PDF_STREAM_START.search(data, position)
        end = match.start() if match else len(data)
        names.update(_pdf_name(raw) for raw in _PDF_NAME.findall(data, position, end))
        if match is None:
            break
        position = data.find(b"endstream", match.end())
        if position == -1:
            break
        position += len(b"endstream")
    return names


def _pdf_name(raw: bytes) -> str:
    if b"#" in raw:
        raw = _PDF_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), raw)
    return raw.decode("latin-1")


def _pdf_objects_active(reader: pypdf.PdfReader) -> bool:
    """Tell whether any object of the file, object streams included, uses an active name."""
    import pypdf

    references = [(number, 0) for number in reader.xref_objStm]
    references += [(number, generation) for generation, table in reader.xref.items() for number in table]
    if len(references) > MAX_PDF_OBJECTS:
        raise Refused(PDF_UNREADABLE)
    for number, generation in references:
        try:
            found = reader.get_object(pypdf.generic.IndirectObject(number, generation, reader))
        except MemoryError:
            raise
        except Exception:
            # A damaged plain object was read by the byte scan; one inside an object stream was not.
            if number in reader.xref_objStm:
                raise Refused(PDF_UNREADABLE) from None
            continue
        if _pdf_value_active(found):
            return True
    return False


def _pdf_value_active(value: object) -> bool:
    """Walk one object's dictionaries and arrays (not its references: each object is visited)."""
    import pypdf

    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, pypdf.generic.DictionaryObject):
            if any(str(key)[1:] in _PDF_ACTIVE_NAMES for key in current):
                return True
            if _PDF_OPEN_ACTION in current and isinstance(
                current[_PDF_OPEN_ACTION].get_object(), pypdf.generic.DictionaryObject
            ):
                return True
            pending.extend(current.values())
        elif isinstance(current, pypdf.generic.ArrayObject):
            pending.extend(current)
        elif isinstance(current, pypdf.generic.NameObject) and str(current)[1:] in _PDF_ACTIVE_NAMES:
            return True
    return False
