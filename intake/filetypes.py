"""Decide what kind of document a file is from its bytes, never from its name (a leaf).

Accepted: PDF, Office Open XML (docx, xlsx, pptx), OpenDocument (odt, ods, odp) and the
legacy OLE2 formats (doc, xls, ppt). Anything else, including documents carrying macros,
is refused. Archives are read through their directories only, with bounded reads, so a
crafted ZIP (a "zip bomb") is never expanded.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

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

#: The input's ``accept`` hint; only a hint, the bytes decide.
ACCEPT_ATTRIBUTE = ",".join(f".{kind.extension}" for kind in (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, DOC, XLS, PPT))

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"

# Bounds on what is read of an archive: real documents stay far below them.
MAX_ZIP_ENTRIES = 10_000
MAX_CONTENT_TYPES_BYTES = 1 << 20
MAX_OLE2_SECTORS = 1 << 16

_OOXML_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF_MIMETYPES = {kind.content_type.encode(): kind for kind in (ODT, ODS, ODP)}
_OLE2_STREAMS = {"WordDocument": DOC, "Workbook": XLS, "Book": XLS, "PowerPoint Document": PPT}
_OLE2_MACRO_STORAGES = {"Macros", "_VBA_PROJECT_CUR", "VBA"}


def sniff(data: bytes) -> FileKind | None:
    """Return the kind of document ``data`` is, or None if it is not one that is accepted."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(ZIP_MAGIC):
        return _sniff_zip(data)
    if data.startswith(OLE2_MAGIC):
        return _sniff_ole2(data)
    return None


def _sniff_zip(data: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
            if "mimetype" in names:
                return _ODF_MIMETYPES.get(_read_bounded(archive, "mimetype", 100).strip())
            if "[Content_Types].xml" not in names:
                return None
            content_types = _read_bounded(archive, "[Content_Types].xml", MAX_CONTENT_TYPES_BYTES)
            if b"macroenabled" in content_types.lower() or any(name.endswith("vbaProject.bin") for name in names):
                return None
            for part, kind in _OOXML_MAIN_PARTS.items():
                if part in names:
                    return kind
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, ValueError, EOFError, OSError):
        # Corrupt, encrypted or oddly compressed: not a document we can vouch for.
        return None


def _read_bounded(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read at most ``limit`` bytes of one entry, whatever its header claims."""
    with archive.open(name) as entry:
        return entry.read(limit)


def _sniff_ole2(data: bytes) -> FileKind | None:
    """Read the compound file's directory and tell the document by its main stream."""
    try:
        names = _ole2_directory_names(data)
    except (struct.error, ValueError, IndexError):
        return None
    if names & _OLE2_MACRO_STORAGES:
        return None
    for stream, kind in _OLE2_STREAMS.items():
        if stream in names:
            return kind
    return None


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
