"""Minimal real documents of each accepted kind, and a few impostors, built in memory."""

from __future__ import annotations

import io
import struct
import zipfile

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program cannot be run in DOS mode."

_OOXML_MAIN = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def ooxml(extension: str, *, main_type: str | None = None) -> bytes:
    """A minimal Office Open XML package (docx, xlsx or pptx)."""
    part, content_type = _OOXML_MAIN[extension]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main_type or content_type}"/></Types>'
    ).encode()
    return zip_of({"[Content_Types].xml": content_types, "_rels/.rels": b"<Relationships/>", part: b"<document/>"})


def opendocument(mimetype: str) -> bytes:
    """A minimal OpenDocument package: its ``mimetype`` entry first, stored uncompressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _directory_entry(name: str, object_type: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    struct.pack_into("<HB", entry, 64, len(encoded), object_type)
    return bytes(entry)


def ole2(*streams: str) -> bytes:
    """A minimal OLE2 compound file (version 3) whose directory holds ``streams``."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    # One FAT sector (sector 0) and the directory in sector 1; no DIFAT sectors.
    struct.pack_into("<II", header, 44, 1, 1)
    struct.pack_into("<IIII", header, 56, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 72, 0)
    struct.pack_into("<109I", header, 76, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    entries = [_directory_entry("Root Entry", 5)] + [_directory_entry(name, 2) for name in streams]
    directory = b"".join(entries).ljust(512, b"\x00")
    return bytes(header) + fat + directory
