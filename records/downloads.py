"""Stored files sent to the people who may read them: always as a download, never rendered inline.

The views that send a proposal's attachments, a claim's or a milestone's evidence and a signed
licence each check who may read the file, then hand it here.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def stored_file_download(file: FieldFile, *, filename: str, content_type: str, missing: str) -> FileResponse:
    """Send ``file`` as an attachment named ``filename``; a file gone from storage is a 404 that says ``missing``.

    The browser is told not to guess the type, to run nothing of it, and not to keep it.
    """
    try:
        handle = file.open("rb")
    except FileNotFoundError as error:
        raise Http404(missing) from error
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
