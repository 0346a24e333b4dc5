"""Staff's results of a call: the ranking with its flags, and the streamed export of every score."""

from __future__ import annotations

from html import escape

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from assessment.models import CalibratedStanding
from assessment.services.calibration import calibration_recompute
from assessment.services.results import Agreement, ResultRow, call_results, call_scores_csv, results_stages
from intake.choices import VersionKind
from intake.formatting import decimals
from intake.models import Call
from intake.selectors import call_for_staff_results
from records.rows import url_around_keys


def _stage(request: AuthenticatedRequest, call: Call) -> tuple[str, list[tuple[str, str]]]:
    """Return the stage asked for (``?stage=loi``; else the full application) and the stages to choose from."""
    stages = results_stages(call=call)
    asked = request.GET.get("stage", VersionKind.APPLICATION)
    return (asked if asked in dict(stages) else VersionKind.APPLICATION), stages


#: A row of the ranking, cell for cell under the table's header; every value put in is HTML already escaped.
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


class _RowWriter:
    """Write a page's rows as HTML: the labels translated, the separator and the links looked up once a page.

    A page shows some 500 figures, 150 links and 200 labels in 50 rows: written here they
    take a fraction of the time the template took, variable by variable, through
    ``floatformat``, ``translate``, ``blocktranslate`` and inner loops, to the same HTML
    (ADR 0048). Every value is escaped with ``html.escape``, the function Django's own
    ``escape`` applies, here without its lazy-string wrapper; the translated "Reopen …'s
    review" is put in as it is, as ``blocktranslate`` puts it, with the name escaped.
    """

    def __init__(self, proposal_url: tuple[str, ...], reopen_url: tuple[str, ...], *, with_chance: bool) -> None:
        self.one, self.two = decimals(1), decimals(2)
        self.reasons = {value: escape(str(label)) for value, label in CalibratedStanding.Reason.choices}
        self.chances = {value: escape(str(label)) for value, label in CalibratedStanding.Chance.choices}
        self.kept_raw, self.outlier = escape(_("Kept raw:")), escape(_("Outlier"))
        self.passed = '<span class="badge text-bg-success">' + escape(_("Pass")) + "</span>"
        self.below = '<span class="badge text-bg-secondary">' + escape(_("Below the mark")) + "</span>"
        self.reopen_label = _("Reopen %(name)s's review")
        self.proposal_url = tuple(escape(part) for part in proposal_url)
        self.reopen_url = tuple(escape(part) for part in reopen_url)
        self.with_chance = with_chance

    def rows(self, rows: list[ResultRow]) -> SafeString:
        """Return the table's rows for ``rows``, one a line."""
        html = "".join(self.row(row) for row in rows)
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml

    def row(self, row: ResultRow) -> str:
        """Return the table's row for ``row``, in HTML."""
        one, two = self.one, self.two
        total = one(row.scores.total)
        return ROW.format(
            rank="—" if row.rank is None else row.rank,
            url=f"{self.proposal_url[0]}{row.proposal.pk}{self.proposal_url[1]}",
            title=escape(row.proposal.title),
            reviews_in=f"{row.submitted} / {row.required}",
            means="".join(f'<td class="text-end">{escape(two(mean)) or "—"}</td>' for mean in row.means),
            total=f"<strong>{escape(total)}</strong>" if total else "—",
            calibration=self.calibration(row.calibration),
            chance=f"<td>{self.chance(row.calibration)}</td>" if self.with_chance else "",
            spread=escape(one(row.scores.spread)) or "—",
            result="—" if row.passed is None else self.passed if row.passed else self.below,
            flags=f'<span class="badge text-bg-warning">{self.outlier}</span> {escape(", ".join(row.outlier_names))}'
            if row.outlier_names
            else "",
            reopen="<br>".join(
                f'<a href="{self.reopen_url[0]}{review}{self.reopen_url[1]}">'
                f"{self.reopen_label % {'name': escape(name)}}</a>"
                for name, review in row.reviews
            ),
        )

    def calibration(self, standing: CalibratedStanding | None) -> str:
        """Return the calibrated total and its interval, or why the raw total is kept; "—" before any fit."""
        if standing is None:
            return "—"
        one = self.one
        low, high = escape(one(standing.low)), escape(one(standing.high))
        interval = f'<br><span class="small text-secondary">{low}\u2013{high}</span>'
        if standing.calibrated is not None:
            return f"{escape(one(standing.calibrated))}{interval}"
        reason = self.reasons.get(standing.fallback) or escape(standing.fallback)
        return f'<span class="small">{self.kept_raw} {reason}</span>{interval if standing.low is not None else ""}'

    def chance(self, standing: CalibratedStanding | None) -> str:
        """Return the chance of funding with its label's badge; "—" without one."""
        if standing is None or standing.chance is None:
            return "—"
        badge = CHANCE_BADGES.get(standing.chance_label, "text-bg-warning")
        label = self.chances.get(standing.chance_label) or escape(standing.chance_label)
        return f'{escape(self.two(standing.chance))} <span class="badge {badge}">{label}</span>'


#: A row of the agreement's table, cell for cell under its header; every value put in is HTML already escaped.
AGREEMENT_ROW = (
    '<tr><th scope="row">{name}</th><td class="text-end">{proposals}</td><td class="text-end">{icc1}</td>'
    '<td class="text-end">{icck}</td><td class="text-end">{alpha}</td><td class="text-end">{needed}</td></tr>\n'
)


def agreement_rows(agreement: list[Agreement]) -> SafeString:
    """Return the rows of the assessors' agreement table, as the template wrote them cell for cell (ADR 0048).

    Some sixty figures through ``floatformat`` and their conditions took about half of the
    template's time for six rows; each is written here with ``intake.formatting.decimals(2)``,
    the labels translated and escaped once. "to" between an interval's ends stays untranslated,
    as the template had it.
    """
    two = decimals(2)
    total, unreachable = escape(_("Weighted total")), escape(_("not reachable"))
    # As ``blocktranslate`` puts it: the sentence as translated, its values escaped.
    needed = _("%(count)s for %(target)s")

    def interval(figures: list[float | None]) -> str:
        value, low, high = figures
        if value is None:
            return "—"
        if low is None:
            return escape(two(value))
        span = f'<span class="small text-secondary">({escape(two(low))} to {escape(two(high))})</span>'
        return f"{escape(two(value))} {span}"

    html = "".join(
        AGREEMENT_ROW.format(
            name=escape(str(measured.criterion.name)) if measured.criterion else total,
            proposals=escape(str(localize(measured.proposals))),
            icc1=interval(measured.icc1),
            icck=interval(measured.icck),
            alpha=interval(measured.alpha),
            needed=unreachable
            if measured.assessors_needed is None
            else needed
            % {"count": escape(str(localize(measured.assessors_needed))), "target": escape(two(measured.target))},
        )
        for measured in agreement
    )
    return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml


@role_required(Role.STAFF)
def call_results_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a page (``?page=``) of the call's proposals at a stage ranked by weighted total, with means and flags."""
    call = call_for_staff_results(user=request.user, pk=pk)
    stage, stages = _stage(request, call)
    results = call_results(call=call, stage=stage, page_number=request.GET.get("page"))
    writer = _RowWriter(
        url_around_keys("workflow:proposal_detail"),
        url_around_keys("assessment:review_reopen"),
        with_chance=stage == VersionKind.APPLICATION,
    )
    return render(
        request,
        "assessment/staff/results.html",
        {
            "call": call,
            "results": results,
            "rows": writer.rows(results.rows),
            "agreement_rows": agreement_rows(results.agreement),
            "stage": stage,
            "stages": stages,
            "outlier_points": settings.ASSESSMENT_OUTLIER_POINTS,
        },
    )


@role_required(Role.STAFF)
@require_POST
def call_results_recompute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Refit the stage's calibration, reliability and chances now, then show the results again."""
    call = call_for_staff_results(user=request.user, pk=pk)
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
    call = call_for_staff_results(user=request.user, pk=pk)
    stage, _stages = _stage(request, call)
    response = StreamingHttpResponse(call_scores_csv(call=call, stage=stage), content_type="text/csv; charset=utf-8")
    suffix = "" if stage == VersionKind.APPLICATION else f"-{stage}"
    response["Content-Disposition"] = f'attachment; filename="call-{call.pk}-scores{suffix}.csv"'
    return response
