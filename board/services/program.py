"""The program view's figures: per call and for a whole program, what was asked, committed and leveraged.

Every figure is a sum over the database's rows in a fixed number of queries, however many
calls and proposals: the proposals by state, the funding requested, the approved amounts,
and the consortia of the approved proposals (for the industry contribution and the SMEs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from intake.choices import VersionKind
from intake.eligibility import Application, Partner, figures, is_sme
from intake.models import Call, ConsortiumMember, Program, Proposal
from intake.states import FUNDED_STATES, PROJECT_STATES, ProposalState

ZERO = Decimal("0")
S = ProposalState

#: The states of a proposal whose full application was submitted and still stands: the requests the
#: program weighs. A letter of intent asks for an estimate only; a withdrawn or expired proposal asks nothing.
REQUESTING_STATES = (
    S.SUBMITTED,
    S.CHANGES_REQUESTED,
    S.INELIGIBLE,
    S.IN_ASSESSMENT,
    S.ASSESSED,
    S.BOARD_REVIEW,
    S.APPROVED,
    S.DECLINED,
    *sorted(PROJECT_STATES),
)


@dataclass
class Figures:
    """One call's figures, or a program's (the sum of its calls', its SMEs counted once)."""

    label: str
    envelope: Decimal = ZERO
    requested: Decimal = ZERO
    committed: Decimal = ZERO
    industry: Decimal = ZERO
    by_state: dict[str, int] = field(default_factory=dict)
    sme_ids: set[int] = field(default_factory=set)
    call: Call | None = None

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.committed

    @property
    def proposals(self) -> int:
        return sum(self.by_state.values())

    @property
    def smes(self) -> int:
        """How many distinct SMEs the approved consortia hold."""
        return len(self.sme_ids)

    @property
    def leverage(self) -> Decimal | None:
        """Industry dollars per cluster dollar committed to the approved proposals; None before any approval."""
        if self.committed == ZERO:
            return None
        return (self.industry / self.committed).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def most_in_a_state(self) -> int:
        """The largest count of any state (the scale of the chart), at least 1."""
        return max([1, *self.by_state.values()])

    def states(self) -> list[tuple[str, str, int]]:
        """Return (state, label, count) for every state, in the lifecycle's order."""
        return [(value, str(label), self.by_state.get(value, 0)) for value, label in ProposalState.choices]


@dataclass(frozen=True)
class Overview:
    """The figures of each call and their total."""

    calls: list[Figures]
    total: Figures


def program_overview(*, calls: Sequence[Call], label: str) -> Overview:
    """Return the figures of ``calls`` and their total (named ``label``), in four queries whatever their size.

    The committed funds are the approved amounts; the industry contribution is the
    eligibility engine's (cash and in kind) over the approved consortia, and the leverage
    is that contribution per committed dollar. An SME is counted once per program, by the
    SME definition of the call in which its consortium was approved.
    """
    rows = {call.pk: Figures(label=call.title, envelope=call.funding_envelope, call=call) for call in calls}
    ids = list(rows)
    for call_id, state, count in (
        Proposal.objects.filter(call__in=ids).order_by().values_list("call_id", "state").annotate(n=Count("pk"))
    ):
        rows[call_id].by_state[state] = count
    for call_id, requested in (
        ConsortiumMember.objects.filter(proposal__call__in=ids, proposal__state__in=REQUESTING_STATES)
        .order_by()
        .values_list("proposal__call_id")
        .annotate(total=Sum("funding_requested"))
    ):
        rows[call_id].requested = requested or ZERO
    # A disposed proposal's consortium is gone; what it requested was kept on it (docs/retention.md).
    for call_id, committed, kept in (
        Proposal.objects.filter(call__in=ids)
        .order_by()
        .values_list("call_id")
        .annotate(
            total=Sum("approved_amount", filter=Q(state__in=FUNDED_STATES)),
            kept=Sum("requested_at_disposal", filter=Q(state__in=REQUESTING_STATES, disposed_at__isnull=False)),
        )
    ):
        rows[call_id].committed = committed or ZERO
        rows[call_id].requested += kept or ZERO
    consortia: dict[tuple[int, int], list[tuple[int, Partner]]] = defaultdict(list)
    for proposal_id, call_id, organization_id, name, kind, employees, cash, in_kind, requested in (
        ConsortiumMember.objects.filter(proposal__call__in=ids, proposal__state__in=FUNDED_STATES)
        .order_by("proposal_id", "pk")
        .values_list(
            "proposal_id",
            "proposal__call_id",
            "organization_id",
            "organization__legal_name",
            "organization__kind",
            "organization__employee_count",
            "cash_contribution",
            "in_kind_contribution",
            "funding_requested",
        )
    ):
        partner = Partner(
            name=name,
            kind=kind,
            employees=employees,
            country="",
            province="",
            is_lead=False,
            cash=ZERO if cash is None else cash,
            in_kind=ZERO if in_kind is None else in_kind,
            funding_requested=requested,
            # The program's figures read money and sizes only: a partner's roles and memberships, which
            # only the eligibility rules read, are left at the engine's defaults rather than read for nothing.
        )
        consortia[(call_id, proposal_id)].append((organization_id, partner))
    rules = {call.pk: call.eligibility_rules(VersionKind.APPLICATION) for call in calls}
    for (call_id, _proposal_id), members in consortia.items():
        row = rows[call_id]
        consortium = Application(partners=tuple(partner for _pk, partner in members))
        row.industry += figures(consortium, rules[call_id]).industry_contribution
        row.sme_ids.update(pk for pk, partner in members if is_sme(partner, rules[call_id]))
    total = Figures(label=label)
    for row in rows.values():
        total.envelope += row.envelope
        total.requested += row.requested
        total.committed += row.committed
        total.industry += row.industry
        total.sme_ids |= row.sme_ids
        for state, count in row.by_state.items():
            total.by_state[state] = total.by_state.get(state, 0) + count
    return Overview(calls=list(rows.values()), total=total)


def program_overview_for(*, program: Program) -> Overview:
    """Return the figures of every call of ``program``, newest first, and the program's total."""
    calls = list(program.calls.select_related("program").prefetch_related("rules").order_by("-loi_opens_at", "pk"))
    return program_overview(calls=calls, label=program.name)


def call_overview(*, call: Call) -> Overview:
    """Return the figures of ``call`` alone."""
    return program_overview(calls=[call], label=call.title)
