"""The deadline surge's pure parts: the profile's arithmetic and the checker's verdicts. No server starts."""

from __future__ import annotations

from email.message import EmailMessage
from itertools import pairwise

import pytest

from bench.surge.check import (
    EMAIL_SEPARATOR,
    Attempt,
    Recorded,
    Uploads,
    confirmations_per_proposal,
    message_id_of,
    message_ids,
    verdicts,
)
from bench.surge.profile import Surge, attachment_image, attachment_pdf, minute_counts
from bench.surge.runner import parse_args

# --- The profile ------------------------------------------------------------------------------


def test_the_issue_s_hour_has_600_submissions_and_a_peak_minute_five_times_the_mean():
    surge = Surge(applicants=1000)
    counts = surge.counts()

    assert surge.on_time == 600
    assert len(counts) == 60
    assert sum(counts) == 600
    assert counts[-1] == 50 == 5 * (sum(counts) / 60)
    assert max(counts[:-1]) < counts[-1]


@pytest.mark.parametrize("total", [0, 1, 7, 60, 61, 299, 600, 1200])
def test_the_counts_sum_to_the_total_rise_and_end_at_the_peak(total):
    counts = minute_counts(total)

    assert sum(counts) == total
    assert counts[-1] == min(total, max(1, int(5 * total / 60 + 0.5)))
    assert all(count <= counts[-1] for count in counts)
    ramp = counts[:-1]
    assert all(later >= earlier - 1 for earlier, later in pairwise(ramp))


def test_a_peak_that_cannot_be_the_largest_minute_is_refused():
    with pytest.raises(ValueError, match="no peak"):
        minute_counts(600, peak_factor=1)


def test_the_submissions_fall_in_their_minutes_before_the_guard_and_the_late_ones_after_the_deadline():
    surge = Surge(applicants=1000, compression=10)
    offsets = surge.submit_offsets()  # seconds before the deadline

    assert surge.hour_seconds == 360
    assert len(offsets) == 600
    assert all(surge.guard_seconds < offset <= surge.hour_seconds for offset in offsets)
    per_minute = [0] * 60
    for offset in offsets:
        per_minute[int((surge.hour_seconds - offset) // surge.minute_seconds)] += 1
    assert per_minute == surge.counts()
    late = surge.late_offsets()
    assert len(late) == surge.late == 50
    assert all(0 < offset < surge.late_seconds for offset in late)


def test_every_applicant_has_one_role():
    roles = Surge(applicants=1000).roles()

    kinds = [role for role, _at in roles]
    assert (kinds.count("on_time"), kinds.count("late"), kinds.count("drafter")) == (600, 50, 350)
    assert all((at is None) == (role == "drafter") for role, at in roles)
    assert all(at < 0 for role, at in roles if role == "on_time")
    assert all(at > 0 for role, at in roles if role == "late")


def test_twice_the_present_model_doubles_every_arrival_of_the_hour():
    args = parse_args(["--scale", "2"])
    surge = Surge(applicants=round(args.applicants * args.scale))

    assert surge.applicants == 2000
    assert (surge.on_time, surge.late, surge.uploads) == (1200, 100, 667)
    assert surge.counts()[-1] == 100  # the peak minute, five times the mean of 20
    assert [2 * count for count in Surge(applicants=1000).counts()][-1] == surge.counts()[-1]


def test_a_third_of_the_applicants_upload_in_the_hour_before_their_submission():
    surge = Surge(applicants=999)
    roles = surge.roles()

    times = surge.upload_times(roles)

    assert len(times) == 999
    assert sum(at is not None for at in times) == surge.uploads == 333
    assert all(-surge.hour_seconds <= at <= -surge.guard_seconds for at in times if at is not None)
    pairs = list(zip(roles, times, strict=True))
    uploading_submitters = [(at, upload) for (role, at), upload in pairs if role == "on_time" and upload is not None]
    assert uploading_submitters  # some of those who submit upload first
    assert all(upload < at for at, upload in uploading_submitters)
    assert {role for (role, _at), upload in pairs if upload is not None} == {"on_time", "late", "drafter"}
    assert times == surge.upload_times(roles)  # the same schedule for the same seed


def test_no_upload_when_the_share_is_nought():
    surge = Surge(applicants=100, attachment_share=0)

    assert surge.upload_times(surge.roles()) == [None] * 100


@pytest.mark.django_db
def test_the_uploaded_file_is_a_ten_mib_pdf_the_server_accepts():
    from intake import filetypes
    from intake.pagecount import pdf_pages

    image = attachment_image(10 * 1024 * 1024)
    first, second = attachment_pdf(image, "Proposal 1"), attachment_pdf(image, "Proposal 2")

    assert 10 * 1024 * 1024 - 3 * 1024 < len(first) < 10 * 1024 * 1024 + 2048
    assert filetypes.identify(first).extension == "pdf"
    assert pdf_pages(first) == 1
    assert first != second


def test_an_image_of_partial_rows_is_refused():
    with pytest.raises(ValueError, match="whole rows"):
        attachment_pdf(b"\0" * 10, "x")


# --- The checker --------------------------------------------------------------------------------

DEADLINE = 1_000_000.0


def _on_time(pk, *, status=302, ms=50.0, at=-10.0):
    return Attempt(pk, "on_time", DEADLINE + at, DEADLINE + at + ms / 1000, status, ms)


def _late(pk, *, status=409, at=5.0):
    return Attempt(pk, "late", DEADLINE + at, DEADLINE + at + 0.05, status, 50.0)


def _submitted(at=-10.0):
    return Recorded("loi_submitted", DEADLINE + at, None)


def _expired():
    return Recorded("expired", None, DEADLINE + 0.6)


def _run(**overrides):
    arguments = {
        "deadline": DEADLINE,
        "planned_on_time": 2,
        "attempts": [_on_time(1), _on_time(2), _late(3)],
        "recorded": {1: _submitted(), 2: _submitted(), 3: _expired(), 4: _expired()},
        "confirmations": {1: 1, 2: 1},
        "errors": 0,
    }
    arguments.update(overrides)
    return {verdict.name: verdict for verdict in verdicts(**arguments)}


def test_a_good_run_passes_every_verdict():
    results = _run()

    assert all(verdict.ok for verdict in results.values()), results


def test_uploads_answered_and_stored_pass_and_a_missing_one_fails():
    assert _run(uploads=Uploads(planned=3, accepted=3, stored=3))["all_uploads_stored"].ok
    assert not _run(uploads=Uploads(planned=3, accepted=3, stored=2))["all_uploads_stored"].ok
    assert not _run(uploads=Uploads(planned=3, accepted=2, stored=2))["all_uploads_stored"].ok
    assert "all_uploads_stored" not in _run()


def test_failed_requests_fail_the_run():
    assert not _run(errors=3)["errors"].ok


def test_a_slow_95th_percentile_fails():
    attempts = [_on_time(pk, ms=250.0) for pk in range(1, 21)]
    recorded = {pk: _submitted() for pk in range(1, 21)}
    results = _run(planned_on_time=20, attempts=attempts, recorded=recorded, confirmations=dict.fromkeys(recorded, 1))

    assert not results["submit_p95"].ok
    assert "250.0 ms" in results["submit_p95"].detail


def test_a_submission_before_the_deadline_that_was_refused_fails():
    results = _run(attempts=[_on_time(1), _on_time(2, status=409), _late(3)], recorded={1: _submitted(), 2: _expired()})

    assert not results["before_deadline_accepted"].ok
    assert "[2]" in results["before_deadline_accepted"].detail


def test_a_late_submission_that_was_accepted_fails():
    results = _run(
        attempts=[_on_time(1), _on_time(2), _late(3, status=302)],
        recorded={1: _submitted(), 2: _submitted(), 3: Recorded("loi_submitted", DEADLINE + 5, None)},
        confirmations={1: 1, 2: 1, 3: 1},
    )

    assert not results["after_deadline_refused"].ok
    assert not results["all_planned_submitted"].ok


def test_a_run_with_no_late_attempt_has_not_shown_the_refusal():
    assert not _run(attempts=[_on_time(1), _on_time(2)])["after_deadline_refused"].ok


def test_a_submission_sent_in_time_but_reached_after_the_deadline_counts_as_refused_wrongly():
    slow = Attempt(2, "on_time", DEADLINE - 0.01, DEADLINE + 0.05, 409, 60.0)
    results = _run(attempts=[_on_time(1), slow, _late(3)], recorded={1: _submitted(), 2: _expired()})

    assert not results["before_deadline_accepted"].ok
    assert "1 answered after the deadline" in results["before_deadline_accepted"].detail


def test_a_page_that_no_longer_offers_to_submit_after_the_deadline_is_a_refusal():
    gone = Attempt(3, "late", DEADLINE + 5, DEADLINE + 5, 0, 0.0)

    assert _run(attempts=[_on_time(1), _on_time(2), gone])["after_deadline_refused"].ok


def test_a_missing_a_doubled_or_a_stray_confirmation_fails():
    assert not _run(confirmations={1: 1})["one_confirmation_each"].ok
    assert not _run(confirmations={1: 1, 2: 2})["one_confirmation_each"].ok
    assert not _run(confirmations={1: 1, 2: 1, 3: 1})["one_confirmation_each"].ok


def test_a_draft_left_open_or_expired_before_the_deadline_fails_the_sweep():
    left = _run(recorded={1: _submitted(), 2: _submitted(), 3: _expired(), 4: Recorded("draft", None, None)})
    early = _run(recorded={1: _submitted(), 2: _submitted(), 3: _expired(), 4: Recorded("expired", None, DEADLINE - 1)})

    assert not left["sweep_closed"].ok
    assert not early["sweep_closed"].ok


def test_the_emails_are_counted_per_proposal_by_their_message_id():
    def message(key: str) -> bytes:
        mail = EmailMessage()
        mail["Subject"] = "Letter of intent received: Project"
        mail["To"] = "applicant@example.org"
        mail["Message-ID"] = message_id_of(key)
        mail.set_content("Thank you.")
        return mail.as_bytes()

    first, second = "loi_submitted:audit1:7:email", "loi_submitted:audit2:8:email"
    files = [
        message(first) + EMAIL_SEPARATOR + message(second) + EMAIL_SEPARATOR,
        message(second) + EMAIL_SEPARATOR,
    ]

    received = message_ids(files)

    assert confirmations_per_proposal(received, [(first, 11), (second, 12), ("loi_submitted:audit3:9:email", 13)]) == {
        11: 1,
        12: 2,
        13: 0,
    }


@pytest.mark.django_db
def test_an_applicant_of_the_surge_uploads_the_file_through_the_letter_of_intent_s_question(client):
    import re
    from datetime import UTC, datetime, timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from bench.surge.seed import seed
    from intake.choices import AttachmentType
    from intake.models import Attachment

    seeded = seed(applicants=2, deadline=datetime.now(UTC) + timedelta(hours=1), password="surge-password")
    row = seeded["rows"][0]
    client.force_login(User.objects.get(email=row["email"]))
    url = f"/proposals/{row['proposal']}/questions/1/"
    page = client.get(url).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert f'name="q{seeded["file_question"]}"' in page
    pdf = attachment_pdf(attachment_image(1024 * 1024), "Proposal 1")

    response = client.post(
        url, {**fields, f"q{seeded['file_question']}": SimpleUploadedFile("support.pdf", pdf, "application/pdf")}
    )

    assert response.status_code == 302
    stored = Attachment.objects.get(proposal_id=row["proposal"])
    assert (stored.kind, stored.size) == (AttachmentType.ANSWER, len(pdf))
