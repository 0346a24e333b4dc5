"""An agreement as PDF: the page's sheet, tagged, in the language asked for, printing the hash that is signed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from projects.models import AgreementKind
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.making import contracting
from tests.records.pdfs import assert_tagged, squeezed, text_of

pytestmark = pytest.mark.django_db


def test_agreement_pdf_in_french_prints_the_signed_hash(staff: User) -> None:
    project = contracting(staff)
    agreement = project.agreements.get(kind=AgreementKind.FUNDING)
    applicant = project.proposal.lead_applicant
    url = reverse("projects:agreement_pdf", kwargs={"pk": project.pk, "agreement_pk": agreement.pk})

    response = client_for(applicant).get(url, {"lang": "fr"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="agreement-project-{project.pk}-funding-v1-fr.pdf"'
    )
    assert_tagged(response.content, language="fr")
    text = text_of(response.content)
    assert "ENTENTE DE FINANCEMENT" in text
    assert "750 000,00 $" in text
    assert "FUNDING AGREEMENT" not in text
    assert agreement.sha256 in squeezed(text)


def test_agreement_pdf_in_the_readers_language_by_default(staff: User) -> None:
    project = contracting(staff)
    agreement = project.agreements.get(kind=AgreementKind.IP)
    url = reverse("projects:agreement_pdf", kwargs={"pk": project.pk, "agreement_pk": agreement.pk})

    response = client_for(project.proposal.lead_applicant).get(url)

    assert_tagged(response.content, language="en")
    assert agreement.text_en.splitlines()[0].strip() in text_of(response.content)


def test_agreement_pdf_refused_to_whoever_cannot_read_the_project(staff: User) -> None:
    project = contracting(staff)
    agreement = project.agreements.get(kind=AgreementKind.FUNDING)
    url = reverse("projects:agreement_pdf", kwargs={"pk": project.pk, "agreement_pk": agreement.pk})

    assert client_for(UserFactory()).get(url).status_code == 404
