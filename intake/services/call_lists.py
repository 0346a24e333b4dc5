"""Staff's list of a call's proposals: filtered, sorted by a whitelisted key, paginated, with eligibility.

The eligibility summary of each row is computed in Python from data prefetched for the
whole page (members with their organizations, budget lines, current attachments and
overrides, and the rules frozen in the rows' versions), so the page costs the same number
of queries whatever its rows hold. Each row is checked against its own rules in force
(``intake.selectors.proposal_rules``): a submitted proposal's frozen ones, a draft's the call's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import full_name_of
from intake.choices import VersionKind
from intake.completeness import texts_unused
from intake.eligibility import Application, Rules, failures
from intake.models import Call, ConsortiumMember, Proposal
from intake.models.eligibility_inputs import eligibility_inputs
from intake.selectors import APPLICATION_TEXTS, proposals_rules_prefetch
from intake.services.batches import batch_annotation, proposals_in_batch
from intake.states import ProposalState
from records.sql import rows_read_compiled

PAGE_SIZE = 60

#: The stage filter: what staff have to do at each stage.
STAGES = {
    "loi": ProposalState.LOI_SUBMITTED,  # letters of intent to screen
    "application": ProposalState.SUBMITTED,  # applications to check
}
#: The sort keys staff may ask for, and the columns they sort by (then by pk, so pages are stable).
SORTS: dict[str, tuple[str | Lower | F, ...]] = {
    "title": (Lower("title"),),
    "lead": (Lower("lead_organization__legal_name"),),
    "state": ("state",),
    "updated": ("updated_at",),
    "funding": (F("funding_requested"),),  # a letter of intent without an estimate sorts last either way
}
DEFAULT_SORT = "-updated"
MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class EligibilitySummary:
    """How many of a proposal's eligibility checks fail, and how many failures staff overrode."""

    failed: int
    overridden: int
    total: int

    def __str__(self) -> str:
        if self.failed == 0:
            return _("all pass") if self.overridden == 0 else _("all pass once overrides count")
        text = ngettext("%(count)d check fails", "%(count)d checks fail", self.failed) % {"count": self.failed}
        if self.overridden:
            text += " " + (
                ngettext("(%(count)d more overridden)", "(%(count)d more overridden)", self.overridden)
                % {"count": self.overridden}
            )
        return text


@dataclass(frozen=True)
class Listing:
    """One page of the list and what it was asked for."""

    page: Page
    state: str
    stage: str
    sort: str
    #: The review batch (a cut-off's id) the list is narrowed to, for a rolling call.
    batch: str = ""


def _funding_requested() -> Case:
    """The funding asked of the cluster: the estimate of a letter of intent, the partners' sum after it."""
    partners_sum = (
        ConsortiumMember.objects.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(total=Sum("funding_requested"))
        .values("total")
    )
    # A disposed proposal's partners are gone: their sum was kept at disposal (docs/retention.md).
    return Case(
        When(~Q(stage__kind=VersionKind.APPLICATION), then="estimated_funding_requested"),
        When(
            disposed_at__isnull=False,
            then=Coalesce("requested_at_disposal", Value(Decimal("0"), output_field=MONEY)),
        ),
        default=Coalesce(Subquery(partners_sum, output_field=MONEY), Value(Decimal("0"), output_field=MONEY)),
        output_field=MONEY,
    )


def _ordering(sort: str) -> list[object]:
    descending = sort.startswith("-")
    columns = SORTS[sort.lstrip("-")]
    ordered: list[object] = []
    for column in columns:
        if isinstance(column, str):
            ordered.append(f"-{column}" if descending else column)
        else:
            ordered.append(column.desc(nulls_last=True) if descending else column.asc(nulls_last=True))
    ordered.append("-pk" if descending else "pk")
    return ordered


def call_proposals_page(
    *,
    call: Call,
    state: str = "",
    stage: str = "",
    sort: str = "",
    page_number: str | int | None = 1,
    state_counts: dict[str, int] | None = None,
    batch: str = "",
    compiled: bool = True,
) -> Listing:
    """Return one page of ``call``'s proposals for staff, each with its eligibility summary (4 queries).

    Each row also carries ``state_label``, its state's label in the active language.

    Unknown filters and sort keys are ignored. ``state_counts`` (from ``proposal_state_counts``)
    spares the paginator's count query. ``batch`` (the id of one of a rolling call's cut-offs)
    narrows the list to that review batch; each row carries its ``batch`` (the cut-off's time).
    ``compiled`` False reads the page's rows as built every time rather than compiled once (for
    the tests that compare the two).
    """
    state = state if state in ProposalState.values else ""
    stage = stage if stage in STAGES else ""
    sort = sort if sort.lstrip("-") in SORTS else DEFAULT_SORT
    wanted = {value for value in (state, STAGES.get(stage, "")) if value}
    cut_off = next((c for c in call.cut_offs.all() if str(c.pk) == str(batch)), None) if batch else None
    batch = str(cut_off.pk) if cut_off is not None else ""
    if cut_off is not None:
        state_counts = None  # the counts by state are of every batch
    ordering = _ordering(sort)

    def matching(call_pk: int) -> QuerySet[Proposal]:
        """The call's proposals the filters keep, sorted, as narrow rows (their keys)."""
        found = Proposal.objects.filter(call_id=call_pk)
        if len(wanted) > 1:
            found = found.none()
        elif wanted:
            found = found.filter(state=next(iter(wanted)))
        if cut_off is not None:
            found = proposals_in_batch(proposals=found, cut_off=cut_off)
        if sort.lstrip("-") == "funding":
            found = found.annotate(funding_requested=_funding_requested())
        return found.order_by(*ordering).values("pk")

    paginator = Paginator(matching(call.pk), PAGE_SIZE)
    if state_counts is not None:
        # The paginator's count from the counts the page shows anyway: one query fewer.
        paginator.count = (  # type: ignore[misc]
            0 if len(wanted) > 1 else state_counts.get(next(iter(wanted)), 0) if wanted else sum(state_counts.values())
        )
    page = paginator.get_page(page_number)
    # The page's cut as ``Paginator.page`` makes it (no orphans): its rows are those of this slice.
    bottom = (page.number - 1) * PAGE_SIZE
    top = min(bottom + PAGE_SIZE, paginator.count)

    def page_rows(call_pk: int) -> QuerySet[Proposal]:
        # Sort and cut the narrow rows in a subquery, then read the page's wide rows and joins only:
        # sorting every proposal with its texts and joined rows would cost the most.
        return (
            Proposal.objects.filter(pk__in=matching(call_pk)[bottom:top])
            .select_related("stage")
            .annotate(
                funding_requested=_funding_requested(),
                batch=batch_annotation(),
                lead_name=F("lead_organization__legal_name"),
                applicant_name=full_name_of("lead_applicant"),
            )
            .order_by(*ordering)
        )

    if top <= bottom:
        rows: list[Proposal] = []
    elif cut_off is not None or not compiled:
        rows = list(page_rows(call.pk))  # a batch's bounds are moments: read as built, every time
    else:
        # Compiled once per shape of page (sort, state, cut) and connection, run with the call's key
        # swapped in (``records.sql.rows_read_compiled``, ADR 0051): building and compiling this read
        # of two annotations, three joins and a sorted subquery cost more than running it.
        shape = ("call_proposals_page", sort, tuple(sorted(wanted)), bottom, top)
        rows = rows_read_compiled(Proposal, shape, page_rows, call.pk)
    # Each state's label translated once for the page: ``get_state_display`` would hash and
    # translate every state's label again for each row.
    state_labels = {value: str(label) for value, label in ProposalState.choices}
    for proposal in rows:
        proposal.call = call  # one call for every row: not read again with each
        proposal.state_label = state_labels.get(proposal.state, proposal.state)  # type: ignore[attr-defined]
    prefetch_eligibility(rows)
    for proposal in rows:
        rules = proposal.eligibility_rules(VersionKind.APPLICATION)
        proposal.eligibility_summary = eligibility_summary(proposal, rules)  # type: ignore[attr-defined]
    page.object_list = rows
    return Listing(page=page, state=state, stage=stage, sort=sort, batch=batch)


def prefetch_eligibility(rows: list[Proposal]) -> None:
    """Fetch what the engine reads for every row of the page, at once (2 queries, whatever the rows).

    Each proposal gets ``engine_partners`` (lead first, then in the order they joined; with the
    roles each takes and whether it is a member of the program on ``Proposal.membership_day``),
    ``attachment_kinds`` and ``override_bindings`` (what each override in force is bound to,
    ``EligibilityOverride.binding``), read by ``intake.models.eligibility_inputs``, and the rules
    frozen in its versions (``intake.selectors.proposals_rules_prefetch``), so
    ``eligibility_rules`` reads no more. Letters of intent are read too: skipping them would make
    the count depend on the rows.
    """
    proposals_rules_prefetch(proposals=rows)
    inputs = eligibility_inputs(rows)
    for proposal in rows:
        found = inputs[proposal.pk]
        proposal.engine_partners = found.partners  # type: ignore[attr-defined]
        proposal.attachment_kinds = found.attachment_kinds  # type: ignore[attr-defined]
        proposal.override_bindings = found.override_bindings  # type: ignore[attr-defined]


def _at_application_stage(proposal: Proposal) -> bool:
    """Whether the row is at the full-application stage (its stage is read with the row)."""
    return proposal.stage.kind == VersionKind.APPLICATION


def eligibility_summary(
    proposal: Proposal, rules: Rules, *, at_application: bool | None = None
) -> EligibilitySummary | None:
    """Count the row's failed and overridden checks from the engine's verdicts alone.

    The list shows counts, not explanations: ``verdicts`` decides each check as ``checks``
    does, with its figure and limit, without formatting amounts, organization types and
    translations for every row. A failed check counts as overridden only where an override in
    force is bound to its very figure and limit. A caller whose
    rows are all at the full application (the board's agenda) says so with ``at_application``
    rather than have each row's stage read.
    """
    if not (at_application if at_application is not None else _at_application_stage(proposal)):
        return None
    # The stage is read with the row on the call's list; the board's agenda leaves it out and checks every text.
    unused = texts_unused(proposal.stage) if at_application is None else frozenset()
    application = Application(
        partners=proposal.engine_partners,  # type: ignore[attr-defined]
        texts={name: getattr(proposal, name) for name in APPLICATION_TEXTS if name not in unused},
        attachments=proposal.attachment_kinds,  # type: ignore[attr-defined]
    )
    failed, total = failures(application, rules, stage=VersionKind.APPLICATION)
    bindings = proposal.override_bindings  # type: ignore[attr-defined]
    overridden = len([binding for binding in failed if binding in bindings])
    return EligibilitySummary(failed=len(failed) - overridden, overridden=overridden, total=total)


def stage_choices() -> list[tuple[str, str]]:
    return [("loi", _("Letters of intent to screen")), ("application", _("Applications to check"))]


@dataclass(frozen=True)
class SortColumn:
    """A sortable column's header: its label, the sort its link asks for, and its aria-sort now."""

    key: str
    label: str
    link_sort: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by it


def sort_columns(current: str) -> dict[str, SortColumn]:
    """Return the sortable columns by key; following a column's link sorts by it, or reverses it if already."""
    labels = {
        "title": _("Proposal"),
        "lead": _("Lead organization"),
        "state": _("State"),
        "updated": _("Updated"),
        "funding": _("Funding requested"),
    }
    columns = {}
    for key, label in labels.items():
        if current == key:
            columns[key] = SortColumn(key, label, f"-{key}", "ascending")
        elif current == f"-{key}":
            columns[key] = SortColumn(key, label, key, "descending")
        else:
            columns[key] = SortColumn(key, label, key, "")
    return columns
