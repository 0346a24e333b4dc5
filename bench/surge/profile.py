"""The deadline surge's arithmetic: who does what when, in simulated minutes and in wall time.

Pure: no Django, no locust. The simulated hour before the deadline is compressed into
``60 / compression`` wall minutes. ``share`` of the applicants submit in that hour, minute by
minute along a rising profile whose last minute (the peak) holds ``peak_factor`` times the
hour's mean; ``late_share`` of them try after the deadline, in the simulated minutes that
follow; the rest only save their drafts and read their dashboards. ``attachment_share`` of
all the applicants upload a file of ``attachment_bytes`` in the hour (before their
submission, for those who submit), through the letter of intent's file question.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Role = Literal["on_time", "late", "drafter"]

MINUTES = 60


def minute_counts(total: int, *, minutes: int = MINUTES, peak_factor: int = 5) -> list[int]:
    """Split ``total`` submissions over ``minutes`` minutes: a rising ramp, then a peak minute at the end.

    The last minute holds ``peak_factor`` times the mean (``total / minutes``), rounded; the
    other minutes share the rest in proportion to 1, 2, 3, … (largest remainders), so the
    counts sum to ``total`` and no minute exceeds the peak.
    """
    if total < 0 or minutes < 2 or peak_factor < 1:
        raise ValueError("total must be at least 0, minutes at least 2, peak_factor at least 1")
    # Half up, and at least one: a handful of submissions still has its last-minute one.
    peak = min(total, max(1, int(peak_factor * total / minutes + 0.5)))
    rest = total - peak
    weights = list(range(1, minutes))
    exact = [rest * weight / sum(weights) for weight in weights]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(len(exact)), key=lambda index: (exact[index] - counts[index], index), reverse=True)
    for index in by_remainder[: rest - sum(counts)]:
        counts[index] += 1
    counts.append(peak)
    if max(counts[:-1], default=0) > peak:
        raise ValueError(f"{total} submissions over {minutes} minutes leave no peak {peak_factor} times the mean")
    return counts


@dataclass(frozen=True)
class Surge:
    """The scenario's sizes and its compression of simulated time into wall time."""

    applicants: int = 1000
    share: float = 0.6
    late_share: float = 0.05
    peak_factor: int = 5
    compression: float = 10.0
    #: Simulated minutes after the deadline in which the late applicants try.
    late_minutes: float = 5.0
    #: Wall seconds before the deadline after which nobody starts a submission or a save, so
    #: that no request of the hour is still in flight when the deadline passes.
    guard_seconds: float = 3.0
    #: Simulated seconds an applicant waits between two actions on average.
    think_seconds: float = 600.0
    #: The share of the applicants who upload a file in the hour, and its size (issue 23: a third, 10 MB).
    attachment_share: float = 1 / 3
    attachment_bytes: int = 10 * 1024 * 1024

    @property
    def on_time(self) -> int:
        return round(self.share * self.applicants)

    @property
    def late(self) -> int:
        return min(self.applicants - self.on_time, round(self.late_share * self.applicants))

    @property
    def uploads(self) -> int:
        return round(self.attachment_share * self.applicants)

    @property
    def hour_seconds(self) -> float:
        """The simulated hour in wall seconds."""
        return MINUTES * 60 / self.compression

    @property
    def minute_seconds(self) -> float:
        """A simulated minute of the hour in wall seconds (the guard is taken from the hour's end)."""
        return (self.hour_seconds - self.guard_seconds) / MINUTES

    @property
    def late_seconds(self) -> float:
        return self.late_minutes * 60 / self.compression

    @property
    def think_wall_seconds(self) -> float:
        return self.think_seconds / self.compression

    def counts(self) -> list[int]:
        return minute_counts(self.on_time, peak_factor=self.peak_factor)

    def submit_offsets(self) -> list[float]:
        """Return when each on-time submission starts, in wall seconds before the deadline (positive), in order.

        The submissions of a minute are spread evenly over it.
        """
        offsets = []
        start = self.hour_seconds
        for minute, count in enumerate(self.counts()):
            for index in range(count):
                at = (minute + (index + 0.5) / count) * self.minute_seconds
                offsets.append(start - at)
        return offsets

    def late_offsets(self) -> list[float]:
        """Return when each late attempt starts, in wall seconds after the deadline, in order."""
        return [(index + 0.5) / self.late * self.late_seconds for index in range(self.late)] if self.late else []

    def roles(self, seed: int = 7) -> list[tuple[Role, float | None]]:
        """Return each applicant's role with the wall time of its submission relative to the deadline.

        Negative: that many seconds before it; positive: after it; None: never submits. The
        applicants are shuffled (with ``seed``) so that the order of accounts says nothing.
        """
        roles: list[tuple[Role, float | None]] = [("on_time", -offset) for offset in self.submit_offsets()]
        roles += [("late", offset) for offset in self.late_offsets()]
        roles += [("drafter", None)] * (self.applicants - len(roles))
        random.Random(seed).shuffle(roles)  # noqa: S311 - an order of accounts, not a secret
        return roles

    def upload_times(self, roles: list[tuple[Role, float | None]], seed: int = 11) -> list[float | None]:
        """Return when each applicant uploads their file, in wall seconds relative to the deadline, or None.

        ``uploads`` applicants, drawn with ``seed``, upload at a time drawn uniformly over the
        hour: one who submits in time between the hour's start and half a simulated minute
        before their submission; any other before the guard (no upload starts within it).
        """
        rng = random.Random(seed)  # noqa: S311 - a schedule, not a secret
        chosen = set(rng.sample(range(len(roles)), min(self.uploads, len(roles))))
        times: list[float | None] = []
        for index, (role, at) in enumerate(roles):
            if index not in chosen:
                times.append(None)
                continue
            latest = -self.guard_seconds
            if role == "on_time" and at is not None:
                latest = min(latest, at - self.minute_seconds / 2)
            times.append(rng.uniform(-self.hour_seconds, max(-self.hour_seconds, latest)))
        return times


def attachment_pdf(image: bytes, label: str) -> bytes:
    """Return a one-page PDF showing ``image`` (RGB bytes, 8 bits a sample, 1,024 pixels wide), titled ``label``.

    The file the uploads send: a valid PDF of about ``len(image)`` bytes with no active
    content, which the server checks as any upload (its type, its objects). ``label`` makes
    each applicant's file distinct at the cost of a few bytes.
    """
    width = 1024
    if len(image) % (3 * width):
        raise ValueError("the image must be whole rows of 1,024 RGB pixels")
    height = len(image) // (3 * width)
    title = label.replace("\\", "").replace("(", "").replace(")", "")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</XObject<</Im1 5 0 R>>>>/Contents 4 0 R>>",
        None,  # the page's content, below
        b"<</Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceRGB/BitsPerComponent 8/Length %d>>\n"
        b"stream\n" % (width, height, len(image)) + image + b"\nendstream",
        b"<</Title(%s)>>" % title.encode("ascii", "replace"),
    ]
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    objects[3] = b"<</Length %d>>\nstream\n" % len(content) + content + b"\nendstream"
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + (body or b"") + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R/Info 6 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def attachment_image(size: int, seed: int = 23) -> bytes:
    """Return about ``size`` bytes of noise as whole rows of 1,024 RGB pixels (not compressible, as a photo)."""
    row = 3 * 1024
    return random.Random(seed).randbytes(max(1, size // row) * row)  # noqa: S311 - noise, not a secret
