"""Personas shared by the whole suite: one logged-in client per role, and an anonymous one."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from accounts.choices import Role
from accounts.models import User
from bench.sign_in import log_in
from intake.eligibility.engine import decisions_forget
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.factories import CallFactory, ProposalFactory, UserFactory

# Speed is measured by the benches, never by timed tests (bench/README.md): Hypothesis's deadline on
# each example would fail a property on a loaded machine (an example waiting for a processor while
# the suite's other processes run), not on a wrong result.
hypothesis_settings.register_profile("clusterflow", deadline=None)
hypothesis_settings.load_profile("clusterflow")


def client_for(user: User | None) -> Client:
    """Return a client logged in as ``user``, or an anonymous one for ``None``.

    A user who must have a second factor (staff, admins) gets a real authenticator, and
    the client's session counts as having passed it, as after typing its code.
    """
    client = Client()
    if user is not None:
        log_in(client, user)
    return client


def totp_code(device: TOTPDevice) -> str:
    """Return the code an authenticator app holding ``device``'s key shows, as the device will accept it now.

    The device refuses a code it accepted before, so after one sign-in in the same 30
    seconds this is the next step's code, which it accepts too (its tolerance is one step).
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now = time.time()
    ahead = device.last_t + 1 - totp.t()
    if ahead > 0:
        totp.time = now + ahead * device.step
    return f"{totp.token():0{device.digits}d}"


#: The hasher of the suite, which makes many users: the production one would spend most of its time hashing.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # Every persona has a password; the production hasher would take most of the suite's time.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _static_files_uncollected(settings: Any) -> None:
    # Debug is off by default, which picks the manifest storage of collected files; the tests
    # never collect them, so pages name the files as they are (as ``make run`` does with debug on).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Start every test with an empty cache: the throttles' counters (accounts.login_throttle) outlive a test.

    On the full stack the cache is the test run's own Redis database. A test that stops the
    server its cache points at (the Redis outage tests) leaves nothing to clear.
    """
    with contextlib.suppress(Exception):
        cache.clear()
    yield
    with contextlib.suppress(Exception):
        cache.clear()


@pytest.fixture(autouse=True)
def _no_eligibility_decisions_kept() -> None:
    """Start every test with no eligibility decision kept (``intake.eligibility.engine._kept``).

    A test that changes what a decision reads (a rule's function, a catalogue, a format) would
    otherwise be answered from a decision an earlier test made on the same application.
    """
    decisions_forget()


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Start every test in the site's default language.

    A request by a French-speaking user activates French for the thread and, as in Django,
    nothing switches it back after the response; in production each request activates its
    own language, but in a test process the next test would inherit it.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Keep the test's uploads in a folder of its own (the demo's and the applications' documents are real files)."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture
def applicant(db: None) -> User:
    return UserFactory(role=Role.APPLICANT, email="ann@example.com", display_name="Ann Applicant")


@pytest.fixture
def other_applicant(db: None) -> User:
    return UserFactory(role=Role.APPLICANT, email="otto@example.com", display_name="Otto Other")


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(role=Role.STAFF, email="sam@example.com", display_name="Sam Staff")


@pytest.fixture
def assessor(db: None) -> User:
    return UserFactory(role=Role.ASSESSOR, email="ada@example.com", display_name="Ada Assessor")


@pytest.fixture
def board_member(db: None) -> User:
    return UserFactory(role=Role.BOARD_MEMBER, email="bo@example.com", display_name="Bo Board")


@pytest.fixture
def applicant_client(applicant: User) -> Client:
    return client_for(applicant)


@pytest.fixture
def other_applicant_client(other_applicant: User) -> Client:
    return client_for(other_applicant)


@pytest.fixture
def staff_client(staff: User) -> Client:
    return client_for(staff)


@pytest.fixture
def assessor_client(assessor: User) -> Client:
    return client_for(assessor)


@pytest.fixture
def board_client(board_member: User) -> Client:
    return client_for(board_member)


@pytest.fixture
def sqlite_only() -> None:
    """Skip, saying why, a test of the embedded SQLite default when running on PostgreSQL."""
    if connection.vendor != "sqlite":
        pytest.skip(f"tests the embedded SQLite default; this run uses {connection.vendor} (DATABASE_URL)")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[Any]:
    """moto's S3 server on a free loopback port, for the whole run (each test takes a bucket of its own)."""
    from tests import s3

    yield from s3.s3_server()


@pytest.fixture
def s3_storage(s3_server: Any, settings: Any) -> str:
    """Keep the test's uploads in a new private, encrypted bucket on moto's S3 server; return its name."""
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    return bucket


# --- The lifecycle: an open call, proposals in any state ------------------------------------------


@pytest.fixture
def call(db: None) -> Call:
    """Return a call whose letters of intent are open, closing in 30 days; applications in 90."""
    return cast(Call, CallFactory())


MakeProposal = Callable[..., Proposal]


@pytest.fixture
def make_proposal(call: Call, applicant: User) -> MakeProposal:
    """Return a maker of complete proposals led by ``applicant`` in ``call``, in any state.

    A proposal made in ``changes_requested`` has its changes due in 10 days unless told; all
    such proposals of one test share that moment, so their deadlines compare exactly.
    """
    changes_due_at = timezone.now() + timedelta(days=10)

    def make(state: str = ProposalState.DRAFT, **fields: Any) -> Proposal:
        fields.setdefault("call", call)
        fields.setdefault("lead_applicant", applicant)
        if state == ProposalState.CHANGES_REQUESTED:
            fields.setdefault("changes_due_at", changes_due_at)
        return cast(Proposal, ProposalFactory(state=state, **fields))

    return make
