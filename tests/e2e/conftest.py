"""Browser tests: Debian's Chromium driven by Playwright against a live server of the project.

Every test in this folder carries the ``e2e`` marker and is skipped, with the reason printed,
when Playwright cannot be imported or Chromium is missing. Screenshots go to the artifacts
folder (``E2E_ARTIFACTS_DIR``, by default ``var/e2e-artifacts``); a failing test also leaves
there the HTML and a screenshot of every visitor's page.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    CHROMIUM_ARGS,
    LAPTOP,
    LOCALES,
    Journal,
    Visitor,
    artifacts_dir,
    axe_source,
    chromium_path,
    slug,
)

HERE = Path(__file__).resolve().parent
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def why_not_runnable() -> str | None:
    """Return why the browser tests cannot run here, or ``None`` if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    chromium = chromium_path()
    if not chromium.exists():
        return f"Chromium is missing at {chromium} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = why_not_runnable()
    if reason and os.environ.get("E2E_REQUIRED") == "1" and any(HERE in item.path.parents for item in items):
        # Continuous integration installs what the browser tests need: a skip there would hide it.
        raise pytest.UsageError(f"The browser tests are required (E2E_REQUIRED=1) but cannot run: {reason}.")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            # Notification emails are queued by task name, which eager mode leaves to the broker; the
            # journeys read the in-app inbox, written with the change itself, so the warning says nothing.
            item.add_marker(pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"))
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so its fixtures can tell at teardown whether it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Return Chromium, started once for this folder's tests, headless.

    Playwright's sync API keeps an event loop running in the tests' thread while it is started;
    Django would then refuse the tests' own synchronous database work (seeding, checks), so it
    is allowed for as long as the browser runs, and the browser stops with the last browser
    test, before the rest of the suite, whose async-safety checks stay as they were.
    """
    from playwright.sync_api import sync_playwright

    allowed = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path()), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if allowed is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = allowed


@pytest.fixture
def site(live_server: Any, settings: Any, tmp_path: Path) -> Iterator[Any]:
    """Return the live server (``site.url``), with tasks run at once and uploads in a temporary folder.

    Notifications are queued through Celery after each commit; run eagerly, they are in the
    inbox by the time the page that caused them has answered.
    """
    from config.celery import app as celery_app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield live_server
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def journal(request: pytest.FixtureRequest) -> Journal:
    """Return this test's artifacts folder, emptied of an earlier run's files."""
    folder = artifacts_dir() / slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    return Journal(folder)


@pytest.fixture
def visitor(
    browser: Any, site: Any, journal: Journal, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Visitor]]:
    """Return a maker of visitors: ``visitor("applicant", language="fr")``, each in its own browser context.

    If the test fails, every visitor's page is saved (HTML and screenshot) before the contexts close.
    """
    visitors: list[Visitor] = []

    def make(name: str, language: str = "en") -> Visitor:
        context = browser.new_context(
            base_url=site.url,
            locale=LOCALES[language],
            viewport=LAPTOP,
            # The site's Content-Security-Policy stays on (Playwright's bypass_csp=True would turn it
            # off): the pages are tested as people get them, and a violation fails the test
            # (``Visitor.check_healthy``). The test tooling needs no exemption: init scripts and
            # ``page.evaluate`` come in through the DevTools protocol, which the policy does not govern.
            bypass_csp=False,
        )
        context.set_default_timeout(10_000)
        # Loaded by Chromium into each new document, axe-core costs no transfer per page checked.
        context.add_init_script(script=axe_source())
        made = Visitor(name=name, page=context.new_page(), base_url=site.url, journal=journal, language=language)
        visitors.append(made)
        return made

    yield make
    failed = any(
        getattr(request.node, f"rep_{when}", None) is not None and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    for each in visitors:
        if failed:
            each.save_failure()
        each.context.close()
