"""Translations looked up once per language (``accounts.i18n``) are Django's, in whichever language is active."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from accounts import i18n
from accounts.choices import Role


@pytest.mark.parametrize("language", ["en", "fr"])
def test_gettext_is_django_s_in_the_active_language(language: str) -> None:
    with translation.override(language):
        looked_up = [i18n.gettext(message) for message in ("Passed", "Failed", "Passed", "A message no catalogue has")]

        assert looked_up == [
            translation.gettext(m) for m in ("Passed", "Failed", "Passed", "A message no catalogue has")
        ]


def test_gettext_follows_the_language_from_one_call_to_the_next() -> None:
    said = []
    for language in ("fr", "en", "fr"):
        with translation.override(language):
            said.append(i18n.gettext("Passed"))

    assert said == ["Respecté", "Passed", "Respecté"]


def test_gettext_keeps_a_safe_message_safe_and_a_plain_one_plain() -> None:
    with translation.override("en"):
        plain = i18n.gettext("Passed")
        safe = i18n.gettext(mark_safe("Passed"))

    assert not isinstance(plain, SafeString)
    assert isinstance(safe, SafeString)


def test_per_language_builds_once_per_language() -> None:
    built: list[str | None] = []

    @i18n.per_language
    def labels() -> dict[str, str]:
        built.append(translation.get_language())
        return {role.value: str(role.label) for role in Role}

    with translation.override("fr"):
        french = labels()
        assert labels() is french
    with translation.override("en"):
        english = labels()

    assert built == ["fr", "en"]
    assert english[Role.STAFF] == "Program staff"
    assert french != english


def test_a_changed_setting_forgets_what_was_kept() -> None:
    built = []

    @i18n.per_language
    def labels() -> list[str]:
        built.append("built")
        return [i18n.gettext("Passed")]

    with translation.override("en"):
        labels()
        with override_settings(LANGUAGES=[("en", "English"), ("fr", "French")]):
            labels()

    assert built == ["built", "built"]
