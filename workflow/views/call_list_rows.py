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

from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from intake.formatting import money
from intake.models import Call, Proposal
from intake.services.call_lists import EligibilitySummary
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
        self.disposed = f' <span class="badge text-bg-secondary">{escape(_("disposed of"))}</span>'
        self.held = f' <span class="badge text-bg-warning">{escape(_("legal hold"))}</span>'
        self.letter = f'<span class="text-secondary">{escape(_("letter of intent"))}</span>'
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
            f"<td>{escape(str(proposal.lead_organization or ''))}</td>"
            f"<td>{escape(proposal.lead_applicant.get_full_name())}</td>"
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
