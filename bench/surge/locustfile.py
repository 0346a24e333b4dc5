"""The deadline surge as locust runs it: every applicant signs in, works on their draft, some submit.

Run by ``python -m bench.surge``, which writes the plan this file reads (``SURGE_PLAN``, a
JSON file): the server's address, the deadline (a wall-clock time: the server decides by
its own clock), the shared password, and each applicant's email, proposal, role and when
they submit relative to the deadline, from ``bench.surge.profile.Surge.roles``, and when
they upload a file (``upload_at``, relative to the deadline; None if they do not).

- ``SurgeShape`` signs everyone in before the simulated hour, at the server's pace, holds
  them through the hour and the late minutes after the deadline, then ends the run. Each tick prints how
  many submissions the profile planned and how many were made, per simulated minute.
- An applicant signs in through the login form, reads their dashboard and their proposal,
  then waits for the hour. Those who submit in time do only that, at their time. The
  others (the late ones until they try) keep working: every ``think`` wall seconds on
  average (the first time spread over one think time), each reads the dashboard or saves the draft
  through its form (not within ``guard`` seconds of the deadline, nor after it). An
  on-time applicant opens their proposal and posts its submit form at their time; a late
  one posts, after the deadline, the form they loaded before it (as a browser left open
  would). Every form is read from the page, CSRF token included, and posted as a browser
  would.
- An applicant with an upload opens the letter of intent's file question at their time (before
  the guard, and before their submission) and posts its form, multipart, with a PDF of the
  plan's size (``bench.surge.profile.attachment_pdf``), as a browser would: locust's "upload",
  302 expected.
- Each submission's post is a line of ``SURGE_OUTCOMES`` (JSON): the proposal, the role,
  the client's wall times of sending and of the answer, the status and the milliseconds.
  A submission posted before the deadline is locust's "submit" (302 expected), one posted
  from the deadline on "submit (late)" (409 expected), whoever posts it. An applicant whose
  page no longer offers to submit is recorded with status 0.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import LoadTestShape, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's root, for bench.surge.profile
from bench.surge.profile import attachment_image, attachment_pdf

PLAN: dict[str, Any] = json.loads(Path(os.environ["SURGE_PLAN"]).read_text(encoding="utf-8"))
WORK = Path(os.environ["SURGE_PLAN"]).parent
GUARD: float = PLAN["guard_seconds"]
THINK: float = PLAN["think_wall_seconds"]
#: How often an applicant's action, before the deadline, is saving the draft rather than reading the dashboard.
SAVE_SHARE = 0.4
#: Sign-ins in flight at most: the server checks passwords at its own pace, the rest wait their turn.
SIGN_IN_WINDOW = 8
#: When an applicant with nothing left to do would act next: never, within the run.
IDLE = float("inf")
#: The deadline and the hour, once the runner has set them (``deadline.json``, after every sign-in).
TIMES: dict[str, float] = {}

# Applicants in the order they sign in: the earliest to submit first, then the late, then the rest.
_ORDER = {"on_time": 0, "late": 1, "drafter": 2}
_IDENTITIES = iter(
    sorted(PLAN["applicants"], key=lambda row: (_ORDER[row["role"]], row["at"] if row["at"] is not None else 0))
)
_OUTCOMES = Path(os.environ["SURGE_OUTCOMES"]).open("a", encoding="utf-8")  # noqa: SIM115
_SUBMITTED: Counter[int] = Counter()  # per simulated minute, for the shape's progress
_SIGNED_IN = [0]  # sign-ins answered, successful or not
_revisions = count(1)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: The pixels of every uploaded PDF (made once: each file differs only by its title).
IMAGE = attachment_image(PLAN["attachment_bytes"]) if PLAN.get("attachment_bytes") else b""


def _think() -> float:
    return random.uniform(0.5, 1.5) * THINK  # noqa: S311 - a think time, not a secret


def _before_guard(now: float) -> bool:
    """Whether a save may start: the deadline is unknown yet or more than the guard away."""
    return "deadline" not in TIMES or now < TIMES["deadline"] - GUARD


class _Forms(HTMLParser):
    """The forms of a page with the fields a browser would send (no submit buttons, checked boxes only)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._textarea: list[Any] | None = None
        self._select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            fields.append([a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None and self.forms:
            chosen = self._select["chosen"] or ([self._select["first"]] if self._select["first"] is not None else [])
            self.forms[-1]["fields"] += [[self._select["name"], value] for value in chosen]
            self._select = None


def form_on(html: str, action_pattern: str) -> dict[str, Any] | None:
    """Return the first POST form of ``html`` whose action matches ``action_pattern``, or None."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and re.search(action_pattern, form["action"]):
            return form
    return None


class Applicant(FastHttpUser):
    """One applicant with one draft letter of intent in the surge's call."""

    host = PLAN["host"]

    def on_start(self) -> None:
        try:
            self.me = next(_IDENTITIES)
        except StopIteration:
            raise StopUser() from None
        self.proposal = self.me["proposal"]
        self.submitted = False
        self.uploaded = self.me.get("upload_at") is None
        self.submit_form: dict[str, Any] | None = None
        try:
            self.sign_in()
        finally:
            _SIGNED_IN[0] += 1
        self.dashboard()
        # The page the applicant keeps open; a late applicant will post its form after the deadline.
        self.submit_form = self.proposal_page()
        self.next_at: float | None = None  # the next dashboard or save, once the hour is set

    def due(self) -> float | None:
        """When this applicant submits, once the deadline is known; None if never or done."""
        if self.submitted or self.me["at"] is None or "deadline" not in TIMES:
            return None
        return TIMES["deadline"] + self.me["at"]

    def upload_due(self) -> float | None:
        """When this applicant uploads their file, once the deadline is known; None if never or done."""
        if self.uploaded or "deadline" not in TIMES:
            return None
        return TIMES["deadline"] + self.me["upload_at"]

    def wait_time(self) -> float:
        if self.next_at is None:
            return 0.5  # look again soon: the hour may be set meanwhile
        times = [self.next_at, time.time() + 60] + [at for at in (self.due(), self.upload_due()) if at is not None]
        return max(0.0, min(times) - time.time())

    @task
    def act(self) -> None:
        if self.next_at is None:
            if "deadline" not in TIMES:
                return  # signed in before the hour: nothing to do until it starts
            # Those who submit in time do only that; the others' first actions of the hour are
            # spread over one think time.
            if self.me["role"] == "on_time":
                self.next_at = IDLE
            else:
                self.next_at = TIMES["hour_start"] + random.uniform(0, THINK)  # noqa: S311
            return
        now = time.time()
        due = self.due()
        upload = self.upload_due()
        if upload is not None and now >= upload:
            self.upload()
        elif due is not None and now >= due:
            self.submit()
            self.next_at = IDLE
        elif now >= self.next_at:
            if not self.submitted and _before_guard(now) and random.random() < SAVE_SHARE:  # noqa: S311
                self.save_draft()
            else:
                self.dashboard()
            self.next_at = time.time() + _think()

    # --- The pages ---------------------------------------------------------------------------

    def sign_in(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        form = form_on(page.text or "", r"^(/accounts/login/.*)?$") or {"action": "/accounts/login/", "fields": []}
        fields = [[name, value] for name, value in form["fields"] if name not in ("username", "password")]
        fields += [["username", self.me["email"]], ["password", PLAN["password"]]]
        with self.client.post(
            form["action"] or "/accounts/login/",
            data=_encode(fields),
            headers=FORM,
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign in answered {response.status_code}")

    def dashboard(self) -> None:
        self.client.get("/applicant/", name="dashboard")

    def proposal_page(self) -> dict[str, Any] | None:
        page = self.client.get(f"/proposals/{self.proposal}/", name="proposal page")
        return form_on(page.text or "", r"/act/submit_loi/$")

    def save_draft(self) -> None:
        page = self.client.get(f"/proposals/{self.proposal}/edit/", name="draft form")
        form = form_on(page.text or "", r"^(/proposals/\d+/edit/)?$")
        if form is None:
            return  # The page said why (a failure of its own if it was not 200).
        fields = [[name, value] for name, value in form["fields"]]
        for field in fields:
            if field[0] == "summary":
                field[1] = re.sub(r"( Revision \d+\.)?$", f" Revision {next(_revisions)}.", field[1].strip(), count=1)
        sent = time.time()
        with self.client.post(
            form["action"] or f"/proposals/{self.proposal}/edit/",
            data=_encode(fields),
            headers=FORM,
            name="save draft",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                pass
            elif sent >= TIMES["deadline"] and 400 <= response.status_code < 500:
                response.success()  # posted after the deadline (a slow form page): refusing it is right
                return
            else:
                response.failure(f"saving the draft answered {response.status_code}")
                return
        self.client.get(f"/proposals/{self.proposal}/", name="proposal page")

    def upload(self) -> None:
        """Answer the letter of intent's file question with a PDF, through its section's form."""
        self.uploaded = True
        if not _before_guard(time.time()):
            return  # the server was too slow to let this applicant start in time: nothing is sent
        page = self.client.get(f"/proposals/{self.proposal}/questions/1/", name="question page")
        form = form_on(page.text or "", r"^(/proposals/\d+/questions/1/)?$")
        if form is None:
            return  # The page said why (a failure of its own if it was not 200).
        boundary = secrets.token_hex(16)
        pdf = attachment_pdf(IMAGE, f"Supporting document of proposal {self.proposal}")
        body = _multipart(boundary, form["fields"], (f"q{PLAN['file_question']}", f"support-{self.proposal}.pdf", pdf))
        sent = time.time()
        with self.client.post(
            form["action"] or f"/proposals/{self.proposal}/questions/1/",
            data=body,  # type: ignore[arg-type]  # bytes are sent as they are; the stubs say str or dict
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            name="upload",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                pass
            elif sent >= TIMES["deadline"] and 400 <= response.status_code < 500:
                response.success()  # reached the server after the deadline: refusing it is right
            else:
                response.failure(f"the upload answered {response.status_code}")

    def submit(self) -> None:
        late = self.me["role"] == "late"
        form = self.submit_form if late else self.proposal_page()
        self.submitted = True
        if form is None:
            self._record(time.time(), time.time(), 0, 0.0)
            return
        sent = time.time()
        # The server's clock decides: in time, accepted; from the deadline on, refused.
        expected = 302 if sent < TIMES["deadline"] else 409
        started = time.perf_counter()
        with self.client.post(
            form["action"],
            data=_encode(form["fields"]),
            headers=FORM,
            name="submit" if expected == 302 else "submit (late)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            elapsed = (time.perf_counter() - started) * 1000
            answered = time.time()
            if response.status_code == expected:
                response.success()  # a 409 is the right answer after the deadline
            else:
                response.failure(f"expected {expected}, got {response.status_code}")
        self._record(sent, answered, response.status_code or 0, elapsed)
        if response.status_code == 302:
            self.client.get(f"/proposals/{self.proposal}/", name="proposal page")

    def _record(self, sent: float, answered: float, status: int, elapsed_ms: float) -> None:
        _OUTCOMES.write(
            json.dumps(
                {
                    "proposal": self.proposal,
                    "role": self.me["role"],
                    "planned_at": TIMES["deadline"] + self.me["at"],
                    "sent_at": sent,
                    "answered_at": answered,
                    "status": status,
                    "elapsed_ms": round(elapsed_ms, 3),
                }
            )
            + "\n"
        )
        _OUTCOMES.flush()
        if self.me["role"] == "on_time":
            minute = int((sent - TIMES["hour_start"]) // TIMES["minute_seconds"])
            _SUBMITTED[minute] += 1


def _encode(fields: list[list[str]]) -> str:
    return urlencode([(name, value) for name, value in fields])


def _multipart(boundary: str, fields: list[list[str]], file: tuple[str, str, bytes]) -> bytes:
    """Encode ``fields`` and one PDF ``file`` (field name, file name, bytes) as ``multipart/form-data``."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    name, filename, data = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


class SurgeShape(LoadTestShape):
    """Sign everyone in at the server's pace, hold them through the hour and the late minutes, then stop.

    Before the deadline is known, the user count grows only as sign-ins are answered (at most
    ``SIGN_IN_WINDOW`` in flight). Once all are in, it says so (``signed_in``) and waits for
    the runner's ``deadline.json``. Through the hour it prints each simulated minute's
    submissions, planned and made.
    """

    def __init__(self) -> None:
        super().__init__()
        self.planned = PLAN["minute_counts"]
        self.reported = -1
        self.everyone = len(PLAN["applicants"])

    def tick(self) -> tuple[int, float] | None:
        now = time.time()
        if "deadline" not in TIMES:
            if _SIGNED_IN[0] >= self.everyone and not (WORK / "signed_in").exists():
                (WORK / "signed_in").write_text(str(now))
            if (WORK / "deadline.json").exists():
                TIMES.update(json.loads((WORK / "deadline.json").read_text()))
            return min(self.everyone, _SIGNED_IN[0] + SIGN_IN_WINDOW), PLAN["spawn_rate"]
        if now >= TIMES["end"]:
            return None
        minute = int((now - TIMES["hour_start"]) // TIMES["minute_seconds"])
        if 0 < minute <= len(self.planned) and minute - 1 > self.reported:
            self.reported = minute - 1
            print(
                f"surge: minute {minute}/{len(self.planned)}: {_SUBMITTED[minute - 1]} submitted "
                f"of {self.planned[minute - 1]} planned",
                flush=True,
            )
        return self.everyone, PLAN["spawn_rate"]


@events.quitting.add_listener
def _close(**_kwargs: Any) -> None:
    _OUTCOMES.close()
