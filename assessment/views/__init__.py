"""Views of the assessment app; the assessor's dashboard is here, each other part in its own module."""

from datetime import datetime
from html import escape
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from assessment.services.reviews import Step, assignments_of_assessor
from records.rows import MomentFormat, time_strings_kept, url_around_keys

#: Where each next step of a live assignment is taken.
STEP_URLS = {Step.DECLARE: "assessment:declare", Step.RESPOND: "assessment:respond", Step.REVIEW: "assessment:review"}

#: A row of the assignments to do, cell for cell under the table's header; every value put in is escaped already.
LIVE_ROW = (
    '<tr><th scope="row">{title}</th><td>{call}</td>'
    '<td><time datetime="{due_iso}">{due_shown}</time> <span class="small text-secondary">({zone})</span><br>'
    "{left}</td><td>{state}</td><td>{review}</td>"
    '<td><a class="btn btn-primary btn-sm" href="{url}">{step}<span class="visually-hidden">: {title}</span></a></td>'
    "</tr>\n"
)
#: A row of the assignments done and past.
PAST_ROW = (
    '<tr><th scope="row">{title}</th><td>{call}</td><td><time datetime="{due_iso}">{due_shown}</time></td>'
    "<td>{state}</td><td>{review}</td></tr>\n"
)


class _DashboardRows:
    """Write the dashboard's rows as HTML: labels translated, formats and links looked up once a page (ADR 0048).

    Each row's due date is shown in its call's timezone with the time left; each call's
    title and zone are read once. Every value is escaped with ``html.escape``, as the
    template's ``{{ }}`` did; the page's HTML is the one the template wrote, cell for cell.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.format = MomentFormat(formats.get_format("DATETIME_FORMAT"))
        self.time_strings = time_strings_kept()
        self.calls: dict[int, tuple[str, Any, str]] = {}
        self.overdue = '<span class="badge text-bg-danger">' + escape(_("Overdue")) + "</span>"
        self.left = _("%(left)s left")
        self.draft_saved, self.not_started = escape(_("Draft saved")), escape(_("Not started"))
        self.steps = {
            Step.DECLARE: escape(_("Declare conflicts")),
            Step.RESPOND: escape(_("Accept or decline")),
            Step.REVIEW: escape(_("Write the review")),
        }
        self.conflict, self.submitted, self.draft = (
            escape(_("Conflict of interest")),
            escape(_("Submitted")),
            escape(_("Draft")),
        )
        self.urls = {step: url_around_keys(name) for step, name in STEP_URLS.items()}

    def _dated(self, row: Any) -> tuple[str, str, str, str]:
        call = row.proposal.call
        if call.pk not in self.calls:
            self.calls[call.pk] = (escape(call.title), call.zone, escape(call.timezone))
        title, zone, zone_name = self.calls[call.pk]
        iso = timezone.localtime(row.due_at).isoformat()
        shown = self.format(timezone.localtime(row.due_at, zone))
        return title, escape(iso), escape(shown), zone_name

    def live(self, rows: list[Any]) -> SafeString:
        """Return the rows of the assignments to do."""
        lines = []
        for row in rows:
            call, due_iso, due_shown, zone = self._dated(row)
            before, after = self.urls[row.next_step]
            if row.due_at <= self.now:
                left = self.overdue
            else:
                until = timeuntil(row.due_at, self.now, time_strings=self.time_strings)
                left = f'<span class="small">{escape(self.left % {"left": until})}</span>'

            lines.append(
                LIVE_ROW.format(
                    title=escape(row.proposal.title),
                    call=call,
                    due_iso=due_iso,
                    due_shown=due_shown,
                    zone=zone,
                    left=left,
                    state=escape(row.state_label),
                    review=self.draft_saved if row.review_state == "draft" else self.not_started,
                    url=escape(f"{before}{row.pk}{after}"),
                    step=self.steps[row.next_step],
                )
            )
        html = "".join(lines)
        return mark_safe(html)  # noqa: S308

    def past(self, rows: list[Any]) -> SafeString:
        """Return the rows of the assignments done and past: a submitted review links to itself."""
        before, after = self.urls[Step.REVIEW]
        lines = []
        for row in rows:
            call, due_iso, due_shown, _zone = self._dated(row)
            title = escape(row.proposal.title)
            if row.next_step == Step.SUBMITTED:
                title = f'<a href="{escape(f"{before}{row.pk}{after}")}">{title}</a>'
            review = (
                self.submitted
                if row.review_state == "submitted"
                else self.draft
                if row.review_state == "draft"
                else "—"
            )
            lines.append(
                PAST_ROW.format(
                    title=title,
                    call=call,
                    due_iso=due_iso,
                    due_shown=due_shown,
                    state=self.conflict if row.is_conflicted else escape(row.state_label),
                    review=review,
                )
            )
        html = "".join(lines)
        return mark_safe(html)  # noqa: S308


@role_required(Role.ASSESSOR)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """List the assessor's live and past assignments with their due dates and next steps, in one query.

    The rows are written by ``_DashboardRows`` (ADR 0048): the template keeps the page, its
    headings and headers, and says where each row's cells come from.
    """
    rows = assignments_of_assessor(user=request.user)
    writer = _DashboardRows(timezone.now())
    live = [row for row in rows if row.next_step in STEP_URLS]
    past = [row for row in rows if row.next_step not in STEP_URLS]
    return render(
        request,
        "assessment/dashboard.html",
        {"live": live, "past": past, "live_rows": writer.live(live), "past_rows": writer.past(past)},
    )
