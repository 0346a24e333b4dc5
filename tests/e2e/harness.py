"""The browser tests' harness: one person in one browser context, their screenshots and axe-core's verdicts.

A ``Visitor`` drives a Playwright page against the live server. After every page it arrives
at, the test calls ``visitor.arrive(step)``: a full-page screenshot is saved under the
artifacts folder, numbered in the order the test took them, and axe-core checks the page
against WCAG 2.1 A and AA. A server error or a script error on the page fails the test there.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response

ROOT = Path(__file__).resolve().parents[2]
ASSETS = Path(__file__).resolve().parent / "assets"
AXE_SOURCE = ASSETS / "axe.min.js"

#: axe-core's tags for the rules of WCAG 2.0 and 2.1, levels A and AA: the suite fails on any of them.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

#: Chromium's switches: no sandbox (containers), and nothing that reaches out to the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: What the browser sends as Accept-Language for a visitor of each language.
LOCALES = {"en": "en-CA", "fr": "fr-CA"}

_AXE_RUN = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}
"""


#: The two windows every page must fit without scrolling sideways: a laptop's and a phone's.
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

#: What sticks out of the window sideways: the document's width, and the outermost elements past its right edge
#: that no region of their own scrolls (a wide table scrolls inside ``.table-responsive``).
_OVERFLOW = r"""
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const outside = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.right <= width + 1 || box.width === 0) continue;
    let parent = element.parentElement, scrolls = false, counted = false;
    for (; parent && parent !== document.body; parent = parent.parentElement) {
      const overflow = getComputedStyle(parent).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") { scrolls = true; break; }
      if (outside.includes(parent)) { counted = true; break; }
    }
    if (!scrolls && !counted) outside.push(element);
  }
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
  if (!outside.length) {  // all inside scrolling regions: name the widest elements, whatever they are in
    for (const element of document.body.querySelectorAll("*")) {
      const right = element.getBoundingClientRect().right;
      if (right > width + 1 && !element.closest(".table-responsive")) outside.push(element);
    }
  }
  const right = (e) => Math.round(e.getBoundingClientRect().right);
  const chain = [];
  for (let e = outside[0]; e && e !== document.documentElement; e = e.parentElement) {
    chain.push(name(e) + " " + right(e) + " px " + getComputedStyle(e).overflowX);
  }
  return {width, scrollWidth: document.documentElement.scrollWidth,
          elements: outside.slice(0, 6).map((e) => name(e) + " (" + right(e) + " px)"), chain};
}
"""


#: A date and time as a machine writes it ("2027-04-20T17:00"): never what a page shows a person.
ISO_DATETIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
#: A number with an English decimal point ("23.33"), which a French page writes "23,33".
ENGLISH_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


class FormatError(AssertionError):
    """A page shows a value the way its reader does not write it."""


class LayoutError(AssertionError):
    """A page is wider than the window: the reader must scroll sideways."""


@functools.cache
def axe_source() -> str:
    """Return axe-core's script, read once."""
    return AXE_SOURCE.read_text(encoding="utf-8")


def expect(target: Any, message: str | None = None) -> Any:
    """Return Playwright's ``expect`` on ``target``.

    Imported on first use, so that the test modules import without Playwright, and the
    conftest can skip them with its reason instead of failing their collection.
    """
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target, message)


def artifacts_dir() -> Path:
    """Return the folder the run keeps screenshots and failed pages in (``E2E_ARTIFACTS_DIR``)."""
    folder = Path(os.environ.get("E2E_ARTIFACTS_DIR", "var/e2e-artifacts"))
    return folder if folder.is_absolute() else ROOT / folder


def chromium_path() -> Path:
    """Return where Chromium should be: ``CHROMIUM_PATH``, or Debian's package."""
    return Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def slug(text: str) -> str:
    """Return ``text`` as a file name: letters, digits, dots and dashes."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "step"


class AccessibilityError(AssertionError):
    """A page breaks a WCAG 2.1 A or AA rule that axe-core checks."""


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """Return axe-core's violations as a readable list: rule, help and each offending node's selector."""
    lines = [f"{len(violations)} WCAG 2.1 A/AA violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            summary = " ".join(str(node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


@dataclass
class Journal:
    """One test's artifacts: its folder and the count of files saved so far, across all its visitors."""

    folder: Path
    count: int = 0

    def path(self, visitor: str, step: str, suffix: str) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{self.count:03d}-{slug(visitor)}-{slug(step)}{suffix}"


@dataclass
class Visitor:
    """One person in their own browser context (own cookies and language), on the live server at ``base_url``."""

    name: str
    page: Page
    base_url: str
    journal: Journal
    language: str = "en"
    server_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("response", self._on_response)
        self.page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        self.page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        # Chromium reports what the Content-Security-Policy blocked (an inline script, handler or
        # style, a script from elsewhere) as a console error naming the policy.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.script_errors.append(message.text)

    def _on_response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    @property
    def context(self) -> BrowserContext:
        return self.page.context

    def url_of(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    @property
    def path(self) -> str:
        """Return the path (and query) of the page the visitor is on."""
        url = self.page.url
        return url[len(self.base_url.rstrip("/")) :] if url.startswith(self.base_url) else url

    def go(self, path: str, *, status: int = 200) -> Response | None:
        """Open ``path`` on the live server and check the response's status (after redirects)."""
        response = self.page.goto(self.url_of(path))
        assert response is not None, f"{self.name}: no response for {path}"
        assert response.status == status, f"{self.name}: {path} answered {response.status}, expected {status}"
        return response

    def login(self, email: str, password: str) -> None:
        """Log in through the site's login form, in whatever language the page is in."""
        self.go("/accounts/login/")
        self.arrive("login")
        form = self.page.locator("main form").filter(has=self.page.locator("input[name=password]"))
        form.locator("input[name=username]").fill(email)
        form.locator("input[name=password]").fill(password)
        with self.page.expect_navigation():
            form.locator("[type=submit]").click()
        assert "/accounts/login/" not in self.page.url, f"{self.name} could not log in as {email}"
        self.pass_second_factor(email)

    def pass_second_factor(self, email: str) -> None:
        """Type the code of the user's authenticator where the site asks for it after the password.

        Staff must have a second factor: one who has none is sent to set it up, and does so
        as a person would, typing the code an authenticator app makes from the key shown.
        """
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.conftest import totp_code

        if self.path.startswith("/accounts/second-factor/setup/"):
            self.arrive("second factor setup")
            device = TOTPDevice.objects.get(user__email=email, confirmed=False)
            self._type_code(totp_code(device))
            self.arrive("recovery codes")
            with self.page.expect_navigation():
                self.page.locator("main a.btn-primary").click()
        elif self.path.startswith("/accounts/second-factor/code/"):
            self.arrive("second factor code")
            self._type_code(totp_code(TOTPDevice.objects.get(user__email=email, confirmed=True)))
        assert "/accounts/second-factor/" not in self.page.url, f"{self.name} could not pass the second factor"

    def _type_code(self, code: str) -> None:
        form = self.page.locator("main form").filter(has=self.page.locator("input[name=code]"))
        form.locator("input[name=code]").fill(code)
        with self.page.expect_navigation():
            form.locator("[type=submit]").click()

    def shot(self, step: str) -> Path:
        """Save a full-page screenshot as ``<test>/<NN>-<visitor>-<step>.png`` under the artifacts folder."""
        path = self.journal.path(self.name, step, ".png")
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def violations(self) -> list[dict[str, Any]]:
        """Return axe-core's WCAG 2.1 A/AA violations on the current page."""
        # Each context loads axe-core into every document it opens (see ``conftest.visitor``); a page
        # whose document was replaced by a script (``page.set_content``) gets it here, evaluated
        # rather than added as a <script> element, which the site's Content-Security-Policy refuses.
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(axe_source())
        return list(self.page.evaluate(_AXE_RUN, list(WCAG_TAGS)))

    def check_accessible(self) -> None:
        """Fail the test on any WCAG 2.1 A or AA violation axe-core finds on the current page."""
        found = self.violations()
        if found:
            report = self.journal.path(self.name, "axe-violations", ".json")
            report.write_text(json.dumps({"url": self.page.url, "violations": found}, indent=2), encoding="utf-8")
            raise AccessibilityError(describe_violations(self.page.url, found))

    def check_healthy(self) -> None:
        """Fail the test if the server answered with an error, a script failed or the policy blocked something."""
        server, script = self.server_errors[:], self.script_errors[:]
        self.server_errors.clear()
        self.script_errors.clear()
        assert not server, f"{self.name}: the server failed: {server}"
        assert not script, f"{self.name}: a script failed on {self.page.url}: {script}"

    def check_fits(self) -> None:
        """Fail the test if the page is wider than a laptop's window or a phone's, naming what sticks out."""
        try:
            for window in (PHONE, LAPTOP):
                self.page.set_viewport_size(window)
                overflow = self.page.evaluate(_OVERFLOW)
                if overflow:
                    raise LayoutError(
                        f"{self.page.url} is {overflow['scrollWidth']} px wide in a {window['width']} px window: "
                        + ", ".join(overflow["elements"])
                        + "; the first's ancestors: "
                        + " < ".join(overflow["chain"])
                    )
        finally:
            self.page.set_viewport_size(LAPTOP)

    def check_formats(self) -> None:
        """Fail the test if the page shows an ISO datetime, or an English decimal on a French page."""
        text = self.page.locator("body").inner_text()
        found = ISO_DATETIME.findall(text)
        if self.language == "fr":
            found += ENGLISH_DECIMAL.findall(text)
        if found:
            raise FormatError(f"{self.page.url} shows {', '.join(sorted(set(found)))} to a reader of {self.language}")

    def arrive(self, step: str) -> None:
        """Record the page just reached: a screenshot, the server's and the scripts' health, axe, formats, width."""
        self.page.wait_for_load_state("load")
        self.shot(step)
        self.check_healthy()
        self.check_accessible()
        self.check_formats()
        self.check_fits()

    def save_failure(self) -> None:
        """Save what this visitor sees (HTML and a screenshot) beside the failed test's other artifacts."""
        try:
            html = self.page.content()
            self.journal.path(self.name, "failed", ".html").write_text(
                f"<!-- {self.page.url} -->\n{html}", encoding="utf-8"
            )
            self.page.screenshot(path=str(self.journal.path(self.name, "failed", ".png")), full_page=True)
        except Exception as error:  # a page that cannot be saved must not hide the test's failure
            print(f"could not save {self.name}'s page: {error}")
