"""Time clicks in a real browser against the embedded default (``make run``), end to end.

Start ``make run`` first (the development server, SQLite, the Celery worker on the
file-system broker, the demo's data), then, in the same environment (so this reads the
same database)::

    .venv/bin/python -m bench.embedded_click --url http://127.0.0.1:8000 --rounds 5

It drives Debian's Chromium through Playwright, signed in as the demo's program staff (past
the second factor with the demo's public key), and times from the click to the next page's
``load`` event:

- ``read``: the staff dashboard's link to the inbox;
- ``write``: extending the deadline of the demo's invited proposal, a state change that
  audits, notifies the applicant and queues their email on commit, with the browser's
  motion as the machine's settings leave it (Bootstrap then scrolls smoothly) and again
  with reduced motion (no smooth scrolling).

Each ``write`` line also gives when the browser dispatched the click event and when it sent
the POST, from the click's start: the time before them is the browser scrolling the button
into view, not the server. One JSON line per measurement on stdout.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

STAFF = "staff@demo.clusterflow.ca"


def _invited_proposal() -> int:
    """Return the key of an invited proposal of the demo, read from the server's own database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from intake.models import Proposal
    from intake.states import ProposalState

    pk = Proposal.objects.filter(state=ProposalState.INVITED).values_list("pk", flat=True).first()
    if pk is None:
        raise SystemExit("bench: no invited proposal; run `make run` (it loads the demo) first.")
    return int(pk)


def _code() -> str:
    from django_otp.oath import totp

    from demo.seed import DEMO_TOTP_KEY

    return f"{totp(base64.b32decode(DEMO_TOTP_KEY)):06d}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embedded_click", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server (http://127.0.0.1:8000)")
    parser.add_argument("--rounds", type=int, default=5, help="clicks of each kind (5)")
    args = parser.parse_args(argv)
    proposal = _invited_proposal()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for motion in ("no-preference", "reduce"):
            page = browser.new_page(reduced_motion=motion)  # type: ignore[arg-type]
            _sign_in(page, args.url)
            _measure(page, args.url, proposal, rounds=args.rounds, motion=motion)
            page.close()
            time.sleep(31)  # a second factor's code is good once: the next sign-in waits for the next
        browser.close()
    return 0


def _sign_in(page: Any, url: str) -> None:
    from demo.seed import DEMO_PASSWORD

    page.goto(url + "/accounts/login/")
    page.fill("#id_username", STAFF)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if "second-factor" in page.url:
        page.fill("#id_code", _code())
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    if "second-factor" in page.url or "login" in page.url:
        raise SystemExit(f"bench: could not sign in as {STAFF} (at {page.url})")


def _measure(page: Any, url: str, proposal: int, *, rounds: int, motion: str) -> None:
    requests: list[Any] = []
    clicked: list[float] = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.on("console", lambda message: _clicked_at(message.text, clicked))
    action = f"/proposals/{proposal}/act/extend_deadline/"
    reads, writes, before_click, before_post, post = [], [], [], [], []
    for round_ in range(rounds):
        page.goto(url + "/staff/")
        reads.append(_click(page, "a[href='/inbox/']", requests, clicked)[0])
        page.goto(url + f"/manage/proposals/{proposal}/")
        page.fill("input[name='extend_deadline-until']", f"2030-01-{10 + round_ % 18:02d}T09:00")
        page.fill("textarea[name='extend_deadline-reason']", f"Bench round {round_}.")
        took, started = _click(page, f"form[action='{action}'] button[type=submit]", requests, clicked)
        writes.append(took)
        before_click.append(clicked[-1] - started)
        posted = next(r for r in requests if r.method == "POST")
        before_post.append(posted.timing["startTime"] - started)
        post.append(posted.timing["responseEnd"])
    measured = {
        "embedded_read": {"median_ms": reads},
        "embedded_write": {
            "median_ms": writes,
            "click_event_at_ms": before_click,
            "post_sent_at_ms": before_post,
            "post_answered_in_ms": post,
        },
    }
    for case, figures in measured.items():
        if case == "embedded_read" and motion == "reduce":
            continue
        line = {"case": case, "motion": motion, "n": rounds}
        line.update({key: round(statistics.median(values), 1) for key, values in figures.items()})
        print(json.dumps(line), flush=True)


def _clicked_at(text: str, clicked: list[float]) -> None:
    if text.startswith("clicked "):
        clicked.append(float(text.split()[1]))


def _click(page: Any, selector: str, requests: list[Any], clicked: list[float]) -> tuple[float, float]:
    """Click ``selector``; return the milliseconds to the next page's load, and the click's start (epoch ms)."""
    page.wait_for_load_state("load")
    page.evaluate(
        "document.addEventListener('click', () => console.log('clicked ' + Date.now()), {capture: true, once: true})"
    )
    requests.clear()
    started_at = time.time() * 1000
    started = time.perf_counter()
    with page.expect_navigation(wait_until="load", timeout=20000):
        page.locator(selector).first.click()
    return (time.perf_counter() - started) * 1000, started_at


if __name__ == "__main__":
    sys.exit(main())
