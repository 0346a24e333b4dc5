"""The agenda page of a board meeting: for staff and the meeting's members.

The table's rows are written here in Python rather than by the template engine: an agenda
holds up to a few thousand proposals, and the engine spends about half a millisecond per
row resolving its variables and tags, which alone would take the page past its budget
(bench/README.md, "The board's agenda"). The HTML is the same a template would write; every
value is escaped and every label translated once per page.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest
from intake.templatetags.money import money
from workflow.board.agenda import Agenda, AgendaRow, meeting_agenda
from workflow.board.meetings import meeting_edit_refusal, meeting_for_user
from workflow.board_views.meetings import require_staff_or_board
from workflow.states import ProposalState

#: A number no database hands out, reversed into a URL once and replaced by each row's.
_PK = 987654321
DASH = "—"


class _Numbers:
    """Format numbers and amounts as ``number_format`` and the ``money`` filter do, with the separators read once.

    Those look the active language's formats up again for every number: 20,000 times on a
    long agenda. The amounts here are whole dollars and the scores one decimal, so the
    language's grouping is always by thousands.
    """

    def __init__(self) -> None:
        self.decimal = str(get_format("DECIMAL_SEPARATOR"))
        self.thousands = str(get_format("THOUSAND_SEPARATOR"))
        self.dollars = _("$%(amount)s")

    def _localize(self, text: str) -> str:
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)

    def one_decimal(self, value: float | Decimal | None) -> str:
        return DASH if value is None else f"{value:.1f}".replace(".", self.decimal)

    def ratio(self, value: Decimal | None) -> str:
        return DASH if value is None else str(value).replace(".", self.decimal)

    def money(self, value: Decimal) -> str:
        # Whole dollars cut, not rounded, as number_format cuts the cents.
        return self.dollars % {"amount": self._localize(f"{int(value):,}")}


class _RowWriter:
    """Write the agenda's rows: the labels and URL patterns are prepared once for the page."""

    def __init__(self, agenda: Agenda) -> None:
        self.numbers = _Numbers()
        self.columns = len(agenda.criteria) + 9
        self.version_url = reverse("intake:version_detail", args=[_PK, _PK + 1])
        self.defer_url = reverse("workflow:agenda_item_defer", args=[_PK])
        self.labels = {
            "sme": escape(_("SME")),
            "lead": escape(_("Lead")),
            "outlier": escape(_("Outlier")),
            "version": escape(_("Open the submitted version")),
            "defer": escape(_("Defer")),
            "comments": escape(_("Comments")),
            "assessor": escape(_("Assessor")),
            "recused": escape(_("recused: title only")),
        }
        self.line = escape(
            _(
                "The envelope runs out here: %(remaining)s remains, and the proposals below would take the total "
                "beyond it."
            )
            % {"remaining": money(agenda.chart.remaining)}
        )

    def envelope_line(self) -> str:
        return f'<tr class="table-danger"><td colspan="{self.columns}"><strong>{self.line}</strong></td></tr>'

    def recused(self, row: AgendaRow) -> str:
        return (
            f'<tr><td></td><th scope="row">{escape(row.proposal.title)} '
            f'<span class="badge text-bg-secondary">{self.labels["recused"]}</span></th>'
            f'<td colspan="{self.columns - 2}"></td></tr>'
        )

    def row(self, row: AgendaRow) -> str:
        labels, numbers = self.labels, self.numbers
        title = escape(row.proposal.title)
        shade = "" if row.within_envelope else ' class="table-light"'
        out = [f"<tr{shade}><td>{row.rank or DASH}</td>"]
        out.append(f'<th scope="row">{title}')
        if row.version_number:
            url = self.version_url.replace(str(_PK + 1), str(row.version_number)).replace(
                str(_PK), str(row.proposal.pk)
            )
            out.append(f' <a href="{url}" aria-label="{labels["version"]}: {title}">v{row.version_number}</a>')
        out.append('<ul class="list-unstyled small fw-normal mb-0">')
        for partner in row.partners:
            name = escape(partner.name)
            out.append(f"<li><strong>{name}</strong> ({labels['lead']})" if partner.is_lead else f"<li>{name}")
            if partner.sme:
                out.append(f' <span class="badge text-bg-info">{labels["sme"]}</span>')
            out.append("</li>")
        out.append("</ul></th>")
        ratio = numbers.ratio(row.matching_ratio)
        eligibility = DASH if row.eligibility is None else escape(str(row.eligibility))
        out.append(
            f'<td class="text-end">{numbers.money(row.funding_requested)}</td>'
            f'<td class="text-end">{numbers.money(row.cumulative)}</td>'
            f'<td class="text-end">{ratio}</td><td>{eligibility}</td>'
        )
        scores = row.scores
        if scores is not None and scores.total is not None:
            flag = f' <span class="badge text-bg-warning">{labels["outlier"]}</span>' if scores.flagged else ""
            total, spread = numbers.one_decimal(scores.total), numbers.one_decimal(scores.spread)
            out.append(f'<td class="text-end">{total} ({spread}){flag}</td>')
        else:
            out.append(f'<td class="text-end">{DASH}</td>')
        out.extend(f'<td class="text-end">{numbers.one_decimal(result.mean)}</td>' for result in row.criteria)
        if row.reviews:
            out.append(f"<td><details><summary>{labels['comments']} ({len(row.reviews)})</summary>")
            for number, review in enumerate(row.reviews, start=1):
                overall = f": {escape(review.overall)}" if review.overall else ""
                out.append(
                    f'<div class="small border-top pt-1"><p class="mb-1"><strong>{labels["assessor"]} {number}</strong>'
                    f"{overall}</p>"
                )
                if review.by_criterion:
                    out.append('<ul class="mb-1">')
                    out.extend(f"<li>{escape(name)}: {escape(comment)}</li>" for name, comment in review.by_criterion)
                    out.append("</ul>")
                out.append("</div>")
            out.append("</details></td>")
        else:
            out.append(f"<td>{DASH}</td>")
        if row.proposal.state == ProposalState.BOARD_REVIEW:  # a decided proposal is not deferred
            defer = self.defer_url.replace(str(_PK), str(row.item.pk))
            out.append(f'<td><a href="{defer}">{labels["defer"]}</a></td></tr>')
        else:
            out.append("<td></td></tr>")
        return "".join(out)


def agenda_rows_html(agenda: Agenda) -> SafeString:
    """Return the ``<tr>`` elements of the agenda's table, with the line where the envelope runs out."""
    writer = _RowWriter(agenda)
    parts = []
    for row in agenda.rows:
        if row.envelope_runs_out:
            parts.append(writer.envelope_line())
        parts.append(writer.recused(row) if row.recused else writer.row(row))
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


@login_required
def meeting_agenda_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the meeting's proposals ranked by score against the envelope, with its chart."""
    require_staff_or_board(request.user)
    meeting = meeting_for_user(user=request.user, pk=pk)
    agenda = meeting_agenda(meeting=meeting, user=request.user)
    is_staff = request.user.has_role(Role.STAFF)
    return render(
        request,
        "workflow/board/agenda.html",
        {
            "meeting": meeting,
            "call": meeting.call,
            "agenda": agenda,
            "chart": agenda.chart,
            "rows_html": agenda_rows_html(agenda),
            "is_staff": is_staff,
            "editable": is_staff and meeting_edit_refusal(meeting) is None,
        },
    )
