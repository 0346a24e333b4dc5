"""Minimal real documents of each accepted kind, and a few impostors, built in memory."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

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


def ooxml(
    extension: str,
    *,
    main_type: str | None = None,
    overrides: dict[str, str] | None = None,
    parts: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal Office Open XML package (docx, xlsx or pptx), with extra ``parts`` and content types."""
    part, content_type = _OOXML_MAIN[extension]
    declared = {f"/{part}": main_type or content_type, **(overrides or {})}
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{name}" ContentType="{value}"/>' for name, value in declared.items())
        + "</Types>"
    ).encode()
    return zip_of(
        {
            "[Content_Types].xml": content_types,
            "_rels/.rels": b"<Relationships/>",
            part: b"<document/>",
            **(parts or {}),
        }
    )


def opendocument(
    mimetype: str, *, content: bytes = b"<office:document-content/>", parts: dict[str, bytes] | None = None
) -> bytes:
    """A minimal OpenDocument package: its ``mimetype`` entry first, stored uncompressed, and a manifest."""
    entries = {"content.xml": content, **(parts or {})}
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        + "".join(
            f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="text/xml"/>' for name in entries
        )
        + "</manifest:manifest>"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def pdf(*, catalog: bytes = b"", objects: tuple[bytes, ...] = (), compressed: tuple[bytes, ...] = ()) -> bytes:
    """A well-formed one-page PDF: catalog 1 (with ``catalog`` added), pages 2, page 3, then ``objects``.

    ``compressed`` objects are numbered after ``objects`` and written inside one compressed
    object stream, found through a cross-reference stream as PDF 1.5 writers do.
    """
    plain = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    rows: list[tuple[int, int, int]] = [(0, 0, 65535)]
    for number, body in enumerate(plain, start=1):
        rows.append((1, len(out), 0))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    if not compressed:
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % len(rows)
        out += b"".join(b"%010d 00000 n \n" % offset for _type, offset, _generation in rows[1:])
        out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(rows), xref)
        return bytes(out)
    first_compressed = len(plain) + 1
    stream_number = first_compressed + len(compressed)
    bodies = b""
    offsets = []
    for body in compressed:
        offsets.append(len(bodies))
        bodies += body + b"\n"
    header = b" ".join(b"%d %d" % (first_compressed + index, offset) for index, offset in enumerate(offsets)) + b"\n"
    packed = zlib.compress(header + bodies)
    rows.extend((2, stream_number, index) for index in range(len(compressed)))
    rows.append((1, len(out), 0))
    out += b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n%s\nendstream\nendobj\n" % (
        stream_number,
        len(compressed),
        len(header),
        len(packed),
        packed,
    )
    xref_number = stream_number + 1
    rows.append((1, len(out), 0))
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    xref = rows[-1][1]
    out += b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n%s\nendstream\nendobj\n" % (
        xref_number,
        len(rows),
        len(table),
        table,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


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
