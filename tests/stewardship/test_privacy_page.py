"""The public privacy page, in both languages, and its link in every page's footer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_privacy_page_is_public_and_gives_retention_and_rights(settings: Any) -> None:
    settings.SIGN_IN_HISTORY_DAYS = 45
    response = Client().get(reverse("stewardship:privacy"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Sign-in history: 45 days, then deleted." in content
    assert "set by staff" in content
    assert "No call or report collects diversity" in content
    assert f'href="{reverse("stewardship:export")}"' in content
    assert f'href="{reverse("stewardship:close")}"' in content


def test_privacy_page_in_french() -> None:
    response = Client(headers={"accept-language": "fr"}).get(reverse("stewardship:privacy"))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="fr"' in content
    with translation.override("fr"):
        assert gettext("How Clusterflow handles personal data") in content
        assert gettext("Your rights") in content


def test_footer_links_to_the_privacy_page() -> None:
    content = Client().get(reverse("home")).content.decode()

    assert f'href="{reverse("stewardship:privacy")}"' in content


def test_privacy_page_gives_each_programs_retention(settings: Any) -> None:
    settings.RETENTION_UNSUCCESSFUL_DAYS = 730
    ProgramFactory(name_en="Ocean supercluster", name_fr="Supergrappe des océans")
    ProgramFactory(name_en="Protein Industries", name_fr="Industries des protéines", retention_days=365)

    english = Client().get(reverse("stewardship:privacy")).content.decode()
    french = Client(headers={"accept-language": "fr"}).get(reverse("stewardship:privacy")).content.decode()

    assert "Ocean supercluster: 730 days after the decision." in english
    assert "Protein Industries: 365 days after the decision." in english
    assert "Industries des protéines : 365 jours après la décision." in french
