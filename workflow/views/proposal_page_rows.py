"""A proposal's staff page: the rows of its history and of its scores written in Python, as the template wrote them.

The page's template (``workflow/proposal_detail.html``) keeps every section, caption and header;
the rows of the history and of each stage's scores are written here (ADR 0048), the labels
translated, the call's time zone and the language's formats looked up once a page and every
value escaped with ``html.escape``, as ``{{ }}`` escapes it. Translated labels go in unescaped,
as ``{% translate %}`` writes them. The HTML is the template's, tag for tag, in both languages
(``tests/workflow/test_proposal_page_rows.py`` compares the two).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format, number_format
from django.utils.safestring import SafeString, mark_safe

from accounts.i18n import gettext as _
from accounts.i18n import per_language
from assessment.services.results import ResultRow
from intake.formatting import canonical_shown, decimals
from intake.models import Call, EligibilityOverride, ProposalVersion
from intake.selectors import EligibilityResult
from intake.states import ProposalState
from records.models import AuditRecord
from records.rows import url_around_keys

#: The links of each version: its page, its dossier and its receipt, by the proposal's and the version's keys.
_VERSION_URLS = ("intake:version_detail", "intake:version_pdf", "intake:version_receipt")


def _text(value: Any) -> str:
    """Return ``value`` as ``{{ value }}`` writes it: escaped unless it is safe already."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


@per_language
def _state_labels() -> dict[str, str]:
    """The proposals' states' labels by value, in the active language."""
    return {value: str(label) for value, label in ProposalState.choices}


class ProposalPageRows:
    """Write the rows of one proposal's staff page in ``call``'s time zone, in the active language."""

    def __init__(self, call: Call) -> None:
        self.zone = zoneinfo.ZoneInfo(call.timezone)
        self.short_datetime = get_format("SHORT_DATETIME_FORMAT")
        self.datetime = get_format("DATETIME_FORMAT")
        self.states = _state_labels()

    def history(self, records: Iterable[tuple[AuditRecord, str, list[str]]]) -> SafeString:
        """Return the history's rows: when, what happened, the states, who, the reason and the details."""
        automatic = _("Clusterflow (automatic)")
        html = "".join(
            "\n      <tr>\n"
            f'        <th scope="row">{self._time(record.at)}</th>\n'
            f"        <td>{_text(text)}</td>\n"
            f"        <td>{_text(self._state(record.from_state))} → {_text(self._state(record.to_state))}</td>\n"
            f"        <td>{_text(record.actor.get_full_name()) if record.actor else automatic}</td>\n"
            f"        <td>{linebreaksbr(record.reason, autoescape=True)}</td>\n"
            f"        <td>{self._sentences(details)}</td>\n"
            "      </tr>\n    "
            for record, text, details in records
        )
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml: every value is escaped above

    def scores(self, row: ResultRow) -> SafeString:
        """Return the rows of one stage's scores: each criterion's mean, the weighted total, the spread, the result."""
        one, two = decimals(1), decimals(2)
        criteria = "".join(
            f'<tr><th scope="row">{_text(criterion.name)} <span class="small text-secondary">'
            f"({self._number(criterion.scale_min)}–{self._number(criterion.scale_max)})</span></th>"  # noqa: RUF001
            f'<td class="text-end">{"—" if mean is None else two(mean)}</td></tr>'
            for criterion, mean in row.criterion_means
        )
        total = "—" if row.scores.total is None else f"<strong>{one(row.scores.total)}</strong>"
        spread = "—" if row.scores.spread is None else one(row.scores.spread)
        if row.passed is None:
            result = "—"
        elif row.passed:
            result = '<span class="badge text-bg-success">' + _("Pass") + "</span>"
        else:
            result = '<span class="badge text-bg-secondary">' + _("Below the mark") + "</span>"
        if row.outlier_names:
            result += (
                ' <span class="badge text-bg-warning">'
                + _("Outlier")
                + "</span> "
                + _text(", ".join(row.outlier_names))
            )
        html = (
            f"\n    {criteria}\n"
            f'    <tr><th scope="row">' + _("Weighted total") + f'</th><td class="text-end">{total}</td></tr>\n'
            f'    <tr><th scope="row">' + _("Spread") + f'</th><td class="text-end">{spread}</td></tr>\n'
            f'    <tr><th scope="row">' + _("Result") + f'</th><td class="text-end">{result}</td></tr>\n    '
        )
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml: every value is escaped above

    def versions(self, proposal_pk: int, versions: list[ProposalVersion], *, compare: bool) -> SafeString:
        """Return the versions' section as ``intake/_version_list.html`` writes it (with the comparison if asked)."""
        head = (
            '<section aria-labelledby="versions-heading" class="mb-4">\n'
            '  <h2 id="versions-heading" class="h4">' + _("Submitted versions") + "</h2>\n  "
        )
        if not versions:
            empty = _("Nothing submitted yet: a version is frozen at each submission.")
            html = f'{head}<p class="text-secondary">{empty}</p>\n</section>'
            return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml: every value is escaped above
        detail, pdf, receipt = (url_around_keys(name, keys=2) for name in _VERSION_URLS)
        shown, of = _("Version %(number)s: %(kind)s"), _("of version %(number)s")
        documents = (_("PDF"), _("receipt (PDF)"))
        items = []
        for version in versions:
            number = number_format(version.number)
            keys = (proposal_pk, version.number)
            links = [f"{before}{keys[0]}{middle}{keys[1]}{after}" for before, middle, after in (detail, pdf, receipt)]
            hidden = f'<span class="visually-hidden"> {of % {"number": number}}</span>'
            named = shown % {"number": number, "kind": _text(version.get_kind_display())}
            items.append(
                f'\n    <li><a href="{links[0]}">{named}</a>, {self._time(version.submitted_at, self.datetime)}\n'
                f'      · <a href="{links[1]}">{documents[0]}{hidden}</a>\n'
                f'      · <a href="{links[2]}">{documents[1]}{hidden}</a></li>'
            )
        form = self._compare(proposal_pk, versions) if compare else ""
        html = f"{head}<ul>{''.join(items)}\n  </ul>\n  {form}</section>"
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml: every value is escaped above

    @staticmethod
    def _compare(proposal_pk: int, versions: list[ProposalVersion]) -> str:
        """The form comparing two versions, the last but one with the last chosen; none for one version."""
        if len(versions) < 2:
            return ""
        numbers = [number_format(version.number) for version in versions]
        first = "".join(
            f'<option value="{number}"{" selected" if index == len(numbers) - 2 else ""}>{number}</option>'
            for index, number in enumerate(numbers)
        )
        second = "".join(
            f'<option value="{number}"{" selected" if index == len(numbers) - 1 else ""}>{number}</option>'
            for index, number in enumerate(numbers)
        )
        action = escape(reverse("intake:version_compare", args=[proposal_pk]))
        return (
            f'<form method="get" action="{action}" class="row g-2 align-items-end">\n'
            '    <div class="col-auto">\n'
            f'      <label for="compare-a" class="form-label">' + _("Compare version") + f"</label>\n"
            f'      <select id="compare-a" name="a" class="form-select">{first}</select>\n    </div>\n'
            '    <div class="col-auto">\n'
            f'      <label for="compare-b" class="form-label">' + _("with version") + f"</label>\n"
            f'      <select id="compare-b" name="b" class="form-select">{second}</select>\n    </div>\n'
            f'    <div class="col-auto"><button type="submit" class="btn btn-outline-primary">'
            + _("Compare")
            + "</button>"
            "</div>\n  </form>\n"
        )

    def eligibility(self, results: list[EligibilityResult]) -> SafeString:
        """Return the eligibility's table as ``intake/_eligibility.html`` writes it for staff, with its overrides."""
        if not results:
            html = '<div class="eligibility">\n  <p>' + _("No eligibility check applies yet.") + "</p>\n</div>"
            return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml: every value is escaped above
        head = (
            '<div class="eligibility">\n  <table class="table align-middle">\n'
            "    <caption>" + _("Each rule of the call, checked against what the applicant entered.") + "</caption>\n"
            '    <thead>\n      <tr>\n        <th scope="col">' + _("Check") + "</th>\n"
            '        <th scope="col">' + _("Result") + '</th>\n        <th scope="col">' + _("Explanation") + "</th>\n"
            '        <th scope="col">' + _("Override") + "</th>\n      </tr>\n    </thead>\n    <tbody>"
        )
        passed = '<span class="badge text-bg-success"><span aria-hidden="true">✓</span> ' + _("Passed") + "</span>"
        overridden = (
            '<span class="badge text-bg-warning"><span aria-hidden="true">!</span> '
            + _("Failed, overridden")
            + "</span>"
        )
        failed = '<span class="badge text-bg-danger"><span aria-hidden="true">✗</span> ' + _("Failed") + "</span>"
        advisory = '<span class="d-block small text-secondary">' + _("advisory") + "</span>"
        none = '<span class="text-secondary">' + _("None") + "</span>"
        rows = []
        for result in results:
            check = result.check
            badge = passed if check.passed else overridden if result.override else failed
            # The override in force, or "None" unless some lapsed (they are listed instead).
            override = self._override(result.override) if result.override else "" if result.lapsed else none
            lapsed = "".join(self._lapsed(result, lapsed) for lapsed in result.lapsed)
            rows.append(
                f'\n      <tr id="check-{_text(check.code)}">\n        <th scope="row">{_text(check.label)}</th>\n'
                f"        <td>{badge}{'' if check.hard else advisory}</td>\n"
                f"        <td>{_text(check.message)}</td>\n"
                f"        <td>{override}{lapsed}</td>\n      </tr>"
            )
        html = head + "".join(rows) + "\n    </tbody>\n  </table>\n</div>"
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml: every value is escaped above

    def _override(self, override: EligibilityOverride) -> str:
        """An override in force: at which figure and limit, by whom, when, and why."""
        at = _("At the figure %(figure)s (limit %(limit)s)") % {
            "figure": _text(canonical_shown(override.figure)),
            "limit": _text(canonical_shown(override.limit)),
        }
        by = _("Overridden by %(name)s") % {"name": _text(override.by.get_full_name())}
        machine = escape(timezone.localtime(override.at).isoformat())
        local = escape(dateformat.format(timezone.localtime(override.at, self.zone), self.datetime))
        return (
            f'<p class="mb-1 small"><span class="d-block">{at}</span>{by},\n'
            f'              <time datetime="{machine}">{local}</time></p>\n'
            f'            <blockquote class="mb-0 small">{linebreaksbr(override.reason, autoescape=True)}</blockquote>'
        )

    @staticmethod
    def _lapsed(result: EligibilityResult, lapsed: EligibilityOverride) -> str:
        """An override that no longer covers its check: by whom, at which figures then and now."""
        said = _(
            "An override by %(name)s at the figure %(then)s (limit %(then_limit)s) lapsed: now %(now)s "
            "(limit %(now_limit)s). Staff must decide anew."
        ) % {
            "name": _text(lapsed.by.get_full_name()),
            "then": _text(canonical_shown(lapsed.figure)),
            "then_limit": _text(canonical_shown(lapsed.limit)),
            "now": _text(canonical_shown(result.check.figure)),
            "now_limit": _text(canonical_shown(result.check.limit)),
        }
        return f'\n            <p class="mb-0 small text-danger">{said}</p>'

    def _time(self, at: datetime, shown: str | None = None) -> str:
        """``<time>`` as ``{{ at|date:'c' }}`` and ``{{ at|timezone:call.timezone|date:"SHORT_DATETIME_FORMAT" }}``.

        Or in the format ``shown`` (the language's ``DATETIME_FORMAT``) if given.
        """
        machine = timezone.localtime(at).isoformat()
        local = dateformat.format(timezone.localtime(at, self.zone), shown or self.short_datetime)
        return f'<time datetime="{escape(machine)}">{escape(local)}</time>'

    @staticmethod
    def _sentences(details: list[str]) -> str:
        return "".join(f'<p class="small mb-1">{_text(sentence)}</p>' for sentence in details)

    def _state(self, value: str) -> str:
        """The ``state_label`` filter: a state's label, or the value itself if it is none."""
        return self.states.get(value, value)

    @staticmethod
    def _number(value: int) -> str:
        """An integer as ``{{ }}`` writes it in the active language."""
        return number_format(value)
