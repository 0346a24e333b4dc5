"""The harness itself: axe-core and the policy check find what they should, screenshots land in the run's folder."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.harness import AccessibilityError, Journal, Visitor


def test_check_accessible_fails_on_an_image_without_text_and_an_unlabelled_field(
    visitor: Callable[..., Visitor],
) -> None:
    anyone = visitor("anyone")
    anyone.go("/")
    anyone.page.set_content(
        '<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<h1>Broken</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text" name="q">'
        "</main></body></html>"
    )

    with pytest.raises(AccessibilityError) as failure:
        anyone.check_accessible()

    message = str(failure.value)
    assert "- image-alt (critical): Images must have alternative text" in message
    assert "- label (critical): Form elements must have labels" in message
    assert "    img: " in message


def test_home_page_is_shot_and_accessible_in_both_languages(visitor: Callable[..., Visitor], journal: Journal) -> None:
    english, french = visitor("english"), visitor("french", language="fr")
    for person in (english, french):
        person.go("/")
        person.arrive("home")

    assert french.page.locator("html").get_attribute("lang") == "fr"
    assert english.page.locator("html").get_attribute("lang") == "en"
    assert sorted(path.name for path in journal.folder.iterdir()) == ["001-english-home.png", "002-french-home.png"]


def test_check_healthy_fails_on_what_the_content_security_policy_blocks(visitor: Callable[..., Visitor]) -> None:
    anyone = visitor("anyone")
    anyone.go("/")
    anyone.check_healthy()
    # An inline handler, as a template might write one: the site's policy refuses to run it.
    anyone.page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<img alt="" src="data:," onerror="document.title = 1">')"""
    )
    anyone.page.wait_for_timeout(500)

    with pytest.raises(AssertionError) as failure:
        anyone.check_healthy()

    assert "Content Security Policy" in str(failure.value)
    assert anyone.page.title() != "1"
