"""Staff's results of a call: the ranking with its flags, and the streamed export of every score."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from assessment.models import CalibratedStanding
from assessment.services.calibration import calibration_recompute
from assessment.services.results import ResultRow, call_results, call_scores_csv, results_stages
from intake.choices import VersionKind
from intake.formatting import decimals
from intake.models import Call
from intake.selectors import call_for_staff


def _stage(request: AuthenticatedRequest, call: Call) -> tuple[str, list[tuple[str, str]]]:
    """Return the stage asked for (``?stage=loi``; else the full application) and the stages to choose from."""
    stages = results_stages(call=call)
    asked = request.GET.get("stage", VersionKind.APPLICATION)
    return (asked if asked in dict(stages) else VersionKind.APPLICATION), stages


def _url_around_key(name: str) -> tuple[str, str]:
    """Return the URL of ``name`` as the text before and after its key: reversed once a page, not once a link."""
    sentinel = "918273645"
    before, after = reverse(name, args=[int(sentinel)]).split(sentinel)
    return before, after


#: A row of the ranking, as the table's header names its cells; each value escaped, the cells
#: of the criteria's means and of the chance of funding (at the full application) put in whole.
ROW = (
    '<tr><td>{rank}</td><th scope="row"><a href="{url}">{title}</a></th><td class="text-end">{reviews_in}</td>'
    '{means}<td class="text-end">{total}</td><td class="text-end">{calibration}</td>{chance}'
    '<td class="text-end">{spread}</td><td>{result}</td><td>{flags}</td><td>{reopen}</td></tr>\n'
)


#: The badge of each chance of funding's label.
CHANCE_BADGES: dict[str, str] = {
    CalibratedStanding.Chance.ALWAYS: "text-bg-success",
    CalibratedStanding.Chance.NEVER: "text-bg-secondary",
}


def _reopen_links(label: str, url: tuple[str, str], reviews: list[tuple[str, int]]) -> SafeString:
    """Return a link "Reopen …'s review" for each of ``reviews``, one a line, as ``blocktranslate`` wrote it.

    ``label`` is the translated message, put in as it is (the project's own text); each
    assessor's name is escaped; each link is ``url`` around the review's key.
    """
    before, after = (conditional_escape(part) for part in url)
    html = "<br>".join(
        f'<a href="{before}{review}{after}">{label % {"name": conditional_escape(name)}}</a>'
        for name, review in reviews
    )
    return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml


def _figure_cells(figures: list[str]) -> SafeString:
    """Return a right-aligned cell for each of ``figures`` (escaped), "—" for an empty one."""
    html = "".join(f'<td class="text-end">{conditional_escape(figure or "—")}</td>' for figure in figures)
    return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml


class _RowWriter:
    """Write a page's rows: the labels translated, the language's separator and the links looked up once a page.

    A page shows some 500 figures, 150 links and 200 labels in 50 rows: written here they
    take a fraction of the time the template took, variable by variable, through
    ``floatformat``, ``translate``, ``blocktranslate`` and inner loops, to the same HTML,
    every value escaped (ADR 0044).
    """

    def __init__(self, proposal_url: tuple[str, str], reopen_url: tuple[str, str], *, with_chance: bool) -> None:
        self.one, self.two = decimals(1), decimals(2)
        self.reasons = {value: str(label) for value, label in CalibratedStanding.Reason.choices}
        self.chances = {value: str(label) for value, label in CalibratedStanding.Chance.choices}
        self.kept_raw, self.outlier = _("Kept raw:"), _("Outlier")
        self.passed = format_html('<span class="badge text-bg-success">{}</span>', _("Pass"))
        self.below = format_html('<span class="badge text-bg-secondary">{}</span>', _("Below the mark"))
        # The message the template's ``blocktranslate`` translated, once a page.
        self.reopen_label = _("Reopen %(name)s's review")
        self.proposal_url, self.reopen_url = proposal_url, reopen_url
        self.with_chance = with_chance

    def rows(self, rows: list[ResultRow]) -> SafeString:
        """Return the table's rows for ``rows``, one a line."""
        return format_html_join("", "{}", ((self.row(row),) for row in rows))

    def row(self, row: ResultRow) -> SafeString:
        """Return the table's row for ``row``."""
        total = self.one(row.scores.total)
        return format_html(
            ROW,
            rank="—" if row.rank is None else row.rank,
            url=f"{self.proposal_url[0]}{row.proposal.pk}{self.proposal_url[1]}",
            title=row.proposal.title,
            reviews_in=f"{row.submitted} / {row.required}",
            means=_figure_cells([self.two(mean) for mean in row.means]),
            total=format_html("<strong>{}</strong>", total) if total else "—",
            calibration=self.calibration(row.calibration),
            chance=format_html("<td>{}</td>", self.chance(row.calibration)) if self.with_chance else "",
            spread=self.one(row.scores.spread) or "—",
            result="—" if row.passed is None else self.passed if row.passed else self.below,
            flags=self.flags(row.outlier_names),
            reopen=_reopen_links(self.reopen_label, self.reopen_url, row.reviews),
        )

    def flags(self, outlier_names: list[str]) -> SafeString:
        """Return the outlier's badge and the outlying assessors' names; nothing without one."""
        if not outlier_names:
            return SafeString("")
        return format_html('<span class="badge text-bg-warning">{}</span> {}', self.outlier, ", ".join(outlier_names))

    def calibration(self, standing: CalibratedStanding | None) -> SafeString:
        """Return the calibrated total and its interval, or why the raw total is kept; "—" before any fit."""
        if standing is None:
            return SafeString("—")
        interval = format_html(
            '<br><span class="small text-secondary">{}\u2013{}</span>', self.one(standing.low), self.one(standing.high)
        )
        if standing.calibrated is not None:
            return format_html("{}{}", self.one(standing.calibrated), interval)
        return format_html(
            '<span class="small">{} {}</span>{}',
            self.kept_raw,
            self.reasons.get(standing.fallback, standing.fallback),
            interval if standing.low is not None else "",
        )

    def chance(self, standing: CalibratedStanding | None) -> SafeString:
        """Return the chance of funding with its label's badge; "—" without one."""
        if standing is None or standing.chance is None:
            return SafeString("—")
        return format_html(
            '{} <span class="badge {}">{}</span>',
            self.two(standing.chance),
            CHANCE_BADGES.get(standing.chance_label, "text-bg-warning"),
            self.chances.get(standing.chance_label, standing.chance_label),
        )


@role_required(Role.STAFF)
def call_results_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a page (``?page=``) of the call's proposals at a stage ranked by weighted total, with means and flags."""
    call = call_for_staff(user=request.user, pk=pk)
    stage, stages = _stage(request, call)
    results = call_results(call=call, stage=stage, page_number=request.GET.get("page"))
    writer = _RowWriter(
        _url_around_key("workflow:proposal_detail"),
        _url_around_key("assessment:review_reopen"),
        with_chance=stage == VersionKind.APPLICATION,
    )
    return render(
        request,
        "assessment/staff/results.html",
        {
            "call": call,
            "results": results,
            "rows": writer.rows(results.rows),
            "stage": stage,
            "stages": stages,
            "outlier_points": settings.ASSESSMENT_OUTLIER_POINTS,
        },
    )


@role_required(Role.STAFF)
@require_POST
def call_results_recompute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Refit the stage's calibration, reliability and chances now, then show the results again."""
    call = call_for_staff(user=request.user, pk=pk)
    stage = request.POST.get("stage", VersionKind.APPLICATION)
    if stage not in dict(results_stages(call=call)):
        stage = VersionKind.APPLICATION
    if calibration_recompute(call=call, stage=stage):
        messages.success(request, _("The calibration, reliability and chances of funding are recomputed."))
    else:
        messages.error(request, _("This stage has no rubric yet, so there is nothing to recompute."))
    return redirect(f"{reverse('assessment:results', args=[call.pk])}?stage={stage}")


@login_required
def call_results_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    """Stream every score and comment of the call's submitted reviews at a stage as CSV, one row per score."""
    # ``role_required`` is typed for plain responses; the same check, for a streamed one.
    if not request.user.has_role(Role.STAFF):
        raise PermissionDenied(_("This page is for users with the role: %(role)s.") % {"role": Role.STAFF.label})
    call = call_for_staff(user=request.user, pk=pk)
    stage, _stages = _stage(request, call)
    response = StreamingHttpResponse(call_scores_csv(call=call, stage=stage), content_type="text/csv; charset=utf-8")
    suffix = "" if stage == VersionKind.APPLICATION else f"-{stage}"
    response["Content-Disposition"] = f'attachment; filename="call-{call.pk}-scores{suffix}.csv"'
    return response
