"""The agenda's table rows written in Python: one page's 50 rows with their figures, consortia and comments.

A page of the agenda shows some 50 rows of 16 cells, each with its consortium, its reviews'
comments (750 on a page of 50 proposals with 3 reviews of 5 criteria) and a dozen figures:
written through the template, variable by variable, through ``floatformat``, ``money``,
``translate`` and nested loops, they took most of the page's time. Written here (ADR 0048's
technique), every label is translated once a page and every value escaped with
``html.escape``; the HTML is the template's, tag for tag. The IP review's verdict, on the rows
that have one, is still the registry's own template.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from board.services.agenda_queries import CalibratedScore
from board.services.agenda_rows import AgendaRow
from intake.formatting import decimals, moneys
from intake.states import ProposalState
from records.rows import url_around_keys

#: The badge of each chance of funding's label (the template's choice: "always" green, "never" grey).
_CHANCE_BADGES = {"always": "text-bg-success", "never": "text-bg-secondary"}


class AgendaRowWriter:
    """Write the agenda's rows as the template did: labels translated, links and separators looked up once a page.

    ``columns`` is the table's number of columns; ``available`` what the meeting may approve
    (the envelope line's figure); ``suggested`` the ids of the proposals the stored portfolio
    suggestion marks.
    """

    def __init__(self, *, columns: int, available: Any, suggested: Iterable[int]) -> None:
        self.one = decimals(1)
        self.two = decimals(2)
        self.money = moneys()
        self.columns = columns
        self.suggested = set(suggested)
        # As ``blocktranslate`` puts it: the translation as it is, the figure escaped.
        self.runs_out = (
            f'<tr class="table-danger"><td colspan="{columns}"><strong>'
            + _(
                "The envelope runs out here: %(remaining)s remains, and the proposals below would take the "
                "total beyond it."
            )
            % {"remaining": escape(self.money(available))}
            + "</strong></td></tr>\n"
        )
        self.beyond = ' class="table-light"'
        self.recused_badge = '<span class="badge text-bg-secondary">' + escape(_("recused: title only")) + "</span>"
        self.open_version = escape(_("Open the submitted version"))
        self.lead = escape(_("Lead"))
        self.sme = ' <span class="badge text-bg-info">' + escape(_("SME")) + "</span>"
        self.suggested_badge = ' <span class="badge text-bg-success">' + escape(_("suggested")) + "</span>"
        self.outlier = ' <span class="badge text-bg-warning">' + escape(_("Outlier")) + "</span>"
        self.raw = escape(_("raw:"))
        self.comments = escape(_("Comments"))
        self.assessor = escape(_("Assessor"))
        self.defer = escape(_("Defer"))
        self.version_url = url_around_keys("intake:version_detail", 2)
        self.defer_url = url_around_keys("board:agenda_item_defer")
        self.ip_verdict = get_template("registry/_agenda_ip_verdict.html")
        self.eligibility: dict[tuple[int, int, int], str] = {}
        # What a page repeats is escaped once: the criteria's names, the comments written alike, the
        # figures, the calibration's labels (a dictionary's look-up costs less than escaping again).
        self.escaped: dict[Any, str] = {}

    def _escape(self, text: str) -> str:
        found = self.escaped.get(text)
        if found is None:
            found = self.escaped[text] = escape(text)
        return found

    def _figure(self, value: float | None) -> str:
        """``value`` with one digit after the point, escaped (each figure written once a page)."""
        key = ("one", value)
        found = self.escaped.get(key)
        if found is None:
            found = self.escaped[key] = escape(self.one(value))
        return found

    def rows(self, rows: Iterable[AgendaRow]) -> SafeString:
        """Return the table body's rows for ``rows``, one a line."""
        html = "".join(self.row(row) for row in rows)
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml

    def row(self, row: AgendaRow) -> str:
        """Return ``row`` in HTML, preceded by the envelope's line when the envelope runs out at it."""
        before = self.runs_out if row.envelope_runs_out else ""
        title = escape(row.proposal.title if row.proposal is not None else row.title)
        if row.recused:
            return (
                f'{before}<tr><td></td><th scope="row">{title} {self.recused_badge}</th>'
                f'<td colspan="{self.columns - 2}"></td></tr>\n'
            )
        figure = self._figure
        scores = row.scores
        if scores is not None and scores.total is not None:
            score = f"{figure(scores.total)} ({figure(scores.spread)})" + (self.outlier if scores.flagged else "")
        else:
            score = "—"
        return (
            f"{before}<tr{self.beyond if not row.within_envelope else ''}>"
            f"<td>{'—' if not row.rank else row.rank}</td>"
            f'<th scope="row">{title}{self._version(row, title)}'
            f'<ul class="list-unstyled small fw-normal mb-0">{self._partners(row)}</ul>'
            f"{self.suggested_badge if row.proposal_pk in self.suggested else ''}"
            f"{self._ip_verdict(row)}</th>"
            f'<td class="text-end">{escape(self.money(row.funding_requested))}</td>'
            f'<td class="text-end">{escape(self.money(row.cumulative))}</td>'
            f'<td class="text-end">{escape(row.matching_ratio_shown) or "—"}</td>'
            f"<td>{self._eligibility(row)}</td>"
            f'<td class="text-end">{score}</td>'
            f'<td class="text-end">{self._calibrated(row.calibration)}</td>'
            f"<td>{self._chance(row.calibration)}</td>"
            + "".join(
                f'<td class="text-end">{"—" if result.mean is None else figure(result.mean)}</td>'
                for result in row.criteria
            )
            + f"<td>{self._comments(row)}</td>"
            f"<td>{self._defer(row)}</td></tr>\n"
        )

    def _version(self, row: AgendaRow, title: str) -> str:
        if not row.version_number:
            return ""
        start, middle, end = self.version_url
        return (
            f' <a href="{start}{row.proposal_pk}{middle}{row.version_number}{end}">v{row.version_number}'
            f'<span class="visually-hidden"> · {self.open_version}: {title}</span></a>'
        )

    def _partners(self, row: AgendaRow) -> str:
        return "".join(
            (f"<li><strong>{escape(p.name)}</strong> ({self.lead})" if p.is_lead else f"<li>{escape(p.name)}")
            + (self.sme if p.sme else "")
            + "</li>"
            for p in row.partners
        )

    def _ip_verdict(self, row: AgendaRow) -> str:
        proposal = row.proposal
        if proposal is None or not getattr(proposal, "ip_verdict", ""):
            return ""
        return str(self.ip_verdict.render({"proposal": proposal}))

    def _eligibility(self, row: AgendaRow) -> str:
        summary = row.eligibility
        if summary is None:
            return "—"
        key = (summary.failed, summary.overridden, summary.total)
        if key not in self.eligibility:
            self.eligibility[key] = escape(str(summary))
        return self.eligibility[key]

    def _calibrated(self, cal: CalibratedScore | None) -> str:
        if cal is None:
            return "—"
        figure = self._figure
        interval = f'<br><span class="small text-secondary">{figure(cal.low)}\u2013{figure(cal.high)}</span>'
        if cal.calibrated is None:
            key = ("fallback", cal.fallback)
            if key not in self.escaped:
                self.escaped[key] = escape(cal.get_fallback_display())
            kept = f'<span class="small">{self.raw} {self.escaped[key]}</span>'
            return kept + (interval if cal.low is not None else "")
        return figure(cal.calibrated) + interval

    def _chance(self, cal: CalibratedScore | None) -> str:
        if cal is None or cal.chance is None:
            return "—"
        badge = _CHANCE_BADGES.get(cal.chance_label, "text-bg-warning")
        key = ("chance", cal.chance_label)
        if key not in self.escaped:
            self.escaped[key] = escape(cal.get_chance_label_display())
        label = self.escaped[key]
        return f'{escape(self.two(cal.chance))} <span class="badge {badge}">{label}</span>'

    def _comments(self, row: AgendaRow) -> str:
        if not row.reviews:
            return "—"
        parts = [f"<details><summary>{self.comments} ({len(row.reviews)})</summary>"]
        for number, review in enumerate(row.reviews, start=1):
            parts.append(
                f'<div class="small border-top pt-1"><p class="mb-1"><strong>{self.assessor} {number}</strong>'
                + (f": {self._escape(review.overall)}" if review.overall else "")
                + "</p>"
            )
            if review.by_criterion:
                parts.append(
                    '<ul class="mb-1">'
                    + "".join(
                        f"<li>{self._escape(name)}: {self._escape(comment)}</li>"
                        for name, comment in review.by_criterion
                    )
                    + "</ul>"
                )
            parts.append("</div>")
        parts.append("</details>")
        return "".join(parts)

    def _defer(self, row: AgendaRow) -> str:
        if row.proposal is None or row.proposal.state != ProposalState.BOARD_REVIEW:
            return ""
        start, end = self.defer_url
        return f'<a href="{start}{row.item_pk}{end}">{self.defer}</a>'
