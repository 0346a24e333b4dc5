"""Staff's list of a call: its 60 rows written in Python, as the template wrote them (ADR 0048).

Each row holds a dozen values through filters (``money``, ``date`` in the call's time zone,
``time_left``), a few labels and the actions staff may take: written through the template,
variable by variable, they took about a third of the page's time. Here each label is
translated once a page, the detail page's address is reversed once, the call's time zone and
the language's date formats looked up once, and every value is escaped with ``html.escape``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Any

from django.core.paginator import Page
from django.utils import timezone
from django.utils.formats import date_format, get_format, localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake.formatting import money
from intake.models import Call, Proposal
from intake.services.call_lists import EligibilitySummary, SortColumn
from intake.templatetags.deadlines import time_left
from records.rows import MomentFormat, url_around_keys
from workflow.forms import ActionForm

#: ``date`` format characters that write the day alone (not its time, zone or moment); a backslash
#: escapes the next character, written as it stands.
_DAY_CHARACTERS = frozenset("dDjlNSwzWFmMnbEtLoYy")


def _of_the_day(written: str) -> bool:
    """Say whether the ``date`` format ``written`` writes nothing of a moment but its day."""
    escaped = False
    for character in written:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character.isalpha() and character not in _DAY_CHARACTERS:
            return False
    return True


class CallProposalRowWriter:
    """Write the rows of staff's list of ``call``, cell for cell under the template's header."""

    def __init__(self, call: Call, *, rolling: bool) -> None:
        self.rolling = rolling
        self.zone = zoneinfo.ZoneInfo(call.timezone)
        self.detail_url = url_around_keys("workflow:proposal_detail")
        self.disposed = ' <span class="badge text-bg-secondary">' + escape(_("disposed of")) + "</span>"
        self.held = ' <span class="badge text-bg-warning">' + escape(_("legal hold")) + "</span>"
        self.letter = '<span class="text-secondary">' + escape(_("letter of intent")) + "</span>"
        self.labels: dict[str, str] = {}
        # What ``date_format`` looks up for every date, once a page (the language is the request's).
        self.formats = {shown: get_format(shown) for shown in ("SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT")}
        # A format of the day alone writes every moment of a day alike: each day is written once.
        self.daily = {shown: _of_the_day(written) for shown, written in self.formats.items()}
        self.shown = {shown: MomentFormat(written) for shown, written in self.formats.items()}
        # What the rows repeat (days, amounts, summaries), each written and escaped once a page.
        self.written: dict[tuple[object, ...], str] = {}

    def rows(self, rows: Iterable[tuple[Proposal, list[type[ActionForm]]]]) -> SafeString:
        """Return the table body's rows, one a line."""
        html = "".join(self.row(proposal, forms) for proposal, forms in rows)
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml

    def row(self, proposal: Proposal, forms: list[type[ActionForm]]) -> str:
        """Return one proposal's row in HTML."""
        url = f"{self.detail_url[0]}{proposal.pk}{self.detail_url[1]}"
        summary = proposal.eligibility_summary  # type: ignore[attr-defined]
        if summary is None:
            eligibility = self.letter
        else:
            eligibility = self.written.get(("summary", summary)) or self._summary(summary)
        funding = proposal.funding_requested  # type: ignore[attr-defined]
        amount = self.written.get(("money", funding)) or self._money(funding)
        deadline = proposal.deadline
        batch = getattr(proposal, "batch", None)
        return (
            f'<tr><th scope="row"><a href="{url}">{escape(proposal.title)}</a>'
            f"{self.disposed if proposal.disposed_at else ''}{self.held if proposal.legal_hold_at else ''}</th>"
            f"<td>{escape(proposal.lead_name or '')}</td>"  # type: ignore[attr-defined]
            f"<td>{escape(proposal.applicant_name)}</td>"  # type: ignore[attr-defined]
            f"<td>{escape(proposal.state_label)}</td>"  # type: ignore[attr-defined]
            f'<td class="text-end">{amount}</td>'
            f"<td>{eligibility}</td>"
            f"<td>{self._time(proposal.updated_at, 'SHORT_DATE_FORMAT')}</td>"
            f"<td>{self._deadline(deadline)}</td>"
            + (f"<td>{self._time(batch, 'SHORT_DATETIME_FORMAT') if batch else ''}</td>" if self.rolling else "")
            + f"<td>{self._forms(url, forms)}</td></tr>\n"
        )

    def _summary(self, summary: EligibilitySummary) -> str:
        badge = "text-bg-danger" if summary.failed else "text-bg-success"
        written = self.written[("summary", summary)] = f'<span class="badge {badge}">{escape(str(summary))}</span>'
        return written

    def _money(self, amount: Decimal | None) -> str:
        # Whole dollars: amounts equal in value (1.0, 1.00) are written alike, as one key.
        written = self.written[("money", amount)] = escape(money(amount))
        return written

    def _time(self, at: datetime, shown: str) -> str:
        """``<time>`` as ``{{ at|date:'c' }}`` and ``{{ at|timezone:call.timezone|date:shown }}`` write it."""
        machine = timezone.localtime(at).isoformat()  # the ``c`` format: ``isoformat()``
        there = timezone.localtime(at, self.zone)
        key = ("time", shown, there.date() if self.daily[shown] else there)
        local = self.written.get(key)
        if local is None:
            local = self.written[key] = escape(self.shown[shown](there))
        return f'<time datetime="{escape(machine)}">{local}</time>'

    def _deadline(self, deadline: datetime | None) -> str:
        if not deadline:
            return ""
        return f"{self._time(deadline, 'SHORT_DATETIME_FORMAT')} · {escape(time_left(deadline))}"

    def _forms(self, url: str, forms: list[type[ActionForm]]) -> str:
        if not forms:
            return ""
        items = "".join(
            f'<li class="list-inline-item"><a href="{url}#action-{escape(form.action)}">{self._label(form)}</a></li>'
            for form in forms
        )
        return f'<ul class="list-inline mb-0">{items}</ul>'

    def _label(self, form: type[ActionForm]) -> str:
        """The action's label, translated and escaped once a page."""
        if form.action not in self.labels:
            self.labels[form.action] = escape(str(form.label))
        return self.labels[form.action]


# --- The page around the rows: its filters, the table's caption and header, its pages ------------


def _selected(chosen: bool) -> str:
    return " selected" if chosen else ""


# The labels are written as ``{% translate %}`` wrote them: a translation of the template's own
# text, not escaped; the values (labels read from choices, counts, dates) are escaped, as
# ``{{ }}`` and ``{% blocktranslate %}``'s values were.


def call_proposals_filters(
    *,
    call: Call,
    rolling: bool,
    stages: list[tuple[str, str]],
    stage: str,
    batch: str,
    states: list[tuple[str, Any, int]],
    state: str,
    total: int,
    sort: str,
) -> SafeString:
    """Return the list's filter form, as its template wrote it (every label translated, every value escaped)."""
    stage_options = "".join(
        f'<option value="{escape(value)}"{_selected(value == stage)}>{escape(label)}</option>'
        for value, label in stages
    )
    batches = ""
    if rolling:
        zone = zoneinfo.ZoneInfo(call.timezone)
        cut_offs = "".join(
            f'<option value="{escape(localize(cut_off.pk))}"{_selected(str(cut_off.pk) == batch)}>'
            + _("Cut-off of %(at)s")
            % {"at": escape(date_format(timezone.localtime(cut_off.at, zone), "SHORT_DATETIME_FORMAT"))}
            + "</option>"
            for cut_off in call.cut_offs.all()
        )
        batches = (
            '<div class="col-auto">\n'
            '    <label for="batch-filter" class="form-label">' + _("Review batch") + "</label>\n"
            '    <select id="batch-filter" name="batch" class="form-select">\n'
            '      <option value="">' + _("Every batch") + f"</option>\n"
            f"      {cut_offs}\n"
            "    </select>\n"
            "  </div>"
        )
    state_options = "".join(
        f'<option value="{escape(value)}"{_selected(value == state)}>'
        f"{escape(str(label))} ({escape(localize(count))})</option>"
        for value, label, count in states
    )
    html = (
        '<form method="get" class="row g-2 align-items-end mb-3" aria-label="' + _("Filter the proposals") + '">\n'
        '  <div class="col-auto">\n'
        '    <label for="stage-filter" class="form-label">' + _("To do") + "</label>\n"
        '    <select id="stage-filter" name="stage" class="form-select">\n'
        '      <option value="">' + _("Everything") + f"</option>\n"
        f"      {stage_options}\n"
        "    </select>\n"
        "  </div>\n"
        f"  {batches}\n"
        '  <div class="col-auto">\n'
        f'    <label for="state-filter" class="form-label">' + _("State") + "</label>\n"
        '    <select id="state-filter" name="state" class="form-select">\n'
        '      <option value="">' + (_("Every state (%(count)s)") % {"count": escape(localize(total))}) + f"</option>\n"
        f"      {state_options}\n"
        "    </select>\n"
        "  </div>\n"
        f'  <input type="hidden" name="sort" value="{escape(sort)}">\n'
        '  <div class="col-auto"><button type="submit" class="btn btn-outline-primary">'
        + _("Filter")
        + "</button></div>\n"
        "</form>"
    )
    return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml


def _filtered(state: str, stage: str, batch: str) -> str:
    """The start of a link's query that keeps the list's filters."""
    return f"?state={escape(state)}&amp;stage={escape(stage)}&amp;batch={escape(batch)}"


def call_proposals_table_head(
    *, page: Page[Any], columns: dict[str, SortColumn], state: str, stage: str, batch: str, rolling: bool
) -> SafeString:
    """Return the table's caption and header row, as the list's template wrote them."""
    paginator = page.paginator
    count = paginator.count
    caption = ngettext("%(counter)s proposal", "%(counter)s proposals", count) % {"counter": escape(localize(count))}
    if paginator.num_pages > 1:
        caption += " · " + _("page %(number)s of %(pages)s") % {
            "number": escape(localize(page.number)),
            "pages": escape(localize(paginator.num_pages)),
        }
    caption += " · " + _("Select a column's heading to sort by it.")
    filtered = _filtered(state, stage, batch)

    def sortable(key: str, extra: str = "") -> str:
        column = columns[key]
        aria = f' aria-sort="{escape(column.aria_sort)}"' if column.aria_sort else ""
        return (
            f'<th scope="col"{extra}{aria}><a href="{filtered}&amp;sort={escape(column.link_sort)}">'
            f"{escape(column.label)}</a></th>"
        )

    def plain(label: str) -> str:
        return f'<th scope="col">{label}</th>'

    right = ' class="text-end"'

    html = (
        f"<caption>{caption}</caption>\n"
        "  <thead><tr>\n"
        f"    {sortable('title')}\n"
        f"    {sortable('lead')}\n"
        f"    " + plain(_("Lead applicant")) + f"\n"
        f"    {sortable('state')}\n"
        f"    {sortable('funding', right)}\n"
        f"    " + plain(_("Eligibility")) + f"\n"
        f"    {sortable('updated')}\n"
        f"    " + plain(_("Deadline")) + "\n"
        "    " + str(plain(_("Review batch")) if rolling else "") + "\n"
        "    " + plain(_("Available actions")) + "\n"
        "  </tr></thead>"
    )
    return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml


def call_proposals_pagination(*, page: Page[Any], state: str, stage: str, batch: str, sort: str) -> SafeString:
    """Return the links to the list's other pages, as its template wrote them (nothing for a single page)."""
    if page.paginator.num_pages <= 1:
        return SafeString("")
    link = f"{_filtered(state, stage, batch)}&amp;sort={escape(sort)}&amp;page="
    previous = (
        f'<li class="page-item"><a class="page-link" href="{link}{escape(localize(page.previous_page_number()))}">'
        + _("Previous")
        + "</a></li>"
        if page.has_previous()
        else ""
    )
    following = (
        f'<li class="page-item"><a class="page-link" href="{link}{escape(localize(page.next_page_number()))}">'
        + _("Next")
        + "</a></li>"
        if page.has_next()
        else ""
    )
    html = (
        '<nav aria-label="' + _("Pages") + f'"><ul class="pagination">\n'
        f"  {previous}\n"
        '  <li class="page-item active" aria-current="page">'
        f'<span class="page-link">{escape(localize(page.number))}</span></li>\n'
        f"  {following}\n"
        "</ul></nav>"
    )
    return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml
