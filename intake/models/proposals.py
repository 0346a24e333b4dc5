"""Proposals: one project from its letter of intent to the board's decision, and the queries on them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.i18n import per_language
from accounts.models import Organization
from intake.choices import VersionKind
from intake.completeness import missing_for_submission, proposal_stage, texts_unused
from intake.eligibility import Application, Check, Rules, admin_fee_rate, checks, fee_on
from intake.lifecycle import ProposalLifecycle
from intake.models.base import LegalHold
from intake.models.calls import Call
from intake.models.programs import ProgramMembership
from intake.models.rules_in_force import FrozenRules
from intake.states import EDITABLE_STATES, FINAL_STATES, ProposalState

#: No memo of the eligibility checks: the proposal is not within ``eligibility_read_once``.
_NO_MEMO = object()


def membership_day(*, editable: bool, submitted_at: datetime | None, zone: tzinfo) -> date:
    """Return the day a proposal's memberships of the program are read on, in its call's timezone (``zone``).

    Today while it is editable (or was never submitted); else the day of its last submission.
    """
    moment = timezone.now() if editable or submitted_at is None else submitted_at
    return timezone.localtime(moment, zone).date()


#: Where ``Proposal.lead_memberships_keep`` keeps the lead organization's memberships on the instance.
_LEAD_MEMBERSHIPS = "_lead_memberships_kept"


@dataclass(frozen=True)
class ApprovedFee:
    """The administration fee on a proposal's approved amount: its percent and its amount."""

    rate: Decimal
    amount: Decimal


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def with_deadline(self) -> ProposalQuerySet:
        """Annotate ``current_deadline``: the same rule as ``Proposal.deadline``, in SQL."""
        return self.annotate(
            current_deadline=Case(
                When(
                    Q(deadline_extended_for=F("state"), deadline_extended_until__isnull=False),
                    then=F("deadline_extended_until"),
                ),
                When(state__in=[ProposalState.DRAFT, ProposalState.INVITED], then=F("stage__closes_at")),
                When(state=ProposalState.CHANGES_REQUESTED, then=F("changes_due_at")),
                default=None,
                output_field=models.DateTimeField(),
            )
        )


class Proposal(ProposalLifecycle, LegalHold, FrozenRules):
    """One project, from its letter of intent to the board's decision.

    The state changes only through ``workflow.actions``; see ``intake.lifecycle``. Its eligibility
    is checked against the rules ``rules_in_force`` decides (``FrozenRules``).
    """

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("call"))
    # The proposal's identifier in the open interfaces (CommonGrants' application id): random, never reused.
    uuid = models.UUIDField(_("public identifier"), default=uuid4, unique=True, editable=False)
    # The stage of the call's path the proposal is in, and the kinds of the stages of its path
    # (chosen at its first stage by the call's path rule; fixed from its first submission).
    stage = models.ForeignKey(
        "intake.Stage", on_delete=models.PROTECT, related_name="proposals", verbose_name=_("stage")
    )
    path = models.JSONField(_("path"), default=list, editable=False)
    lead_applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name=_("lead applicant"),
    )
    lead_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name=_("lead organization"),
    )
    co_applicants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CoApplicant",
        through_fields=("proposal", "user"),
        related_name="co_applied_proposals",
        verbose_name=_("co-applicants"),
        blank=True,
    )
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)

    # The letter of intent.
    challenge = models.TextField(_("the challenge"), blank=True)
    technology = models.TextField(_("the technology"), blank=True)
    expected_partners = models.TextField(_("expected partners"), blank=True)
    estimated_total_cost = models.DecimalField(
        _("estimated total project cost ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    estimated_funding_requested = models.DecimalField(
        _("estimated funding requested from the cluster ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    # The full application's texts.
    project_description = models.TextField(_("project description"), blank=True)
    work_plan = models.TextField(_("work plan"), blank=True)
    ip_ownership_terms = models.TextField(_("proposed ownership of the foreground IP"), blank=True)
    ip_partner_licensing = models.TextField(_("licensing terms among the partners"), blank=True)
    ip_member_licensing = models.TextField(_("licensing terms for cluster members"), blank=True)

    # Expected outcomes, during the project and in the three years after.
    jobs_during = models.PositiveIntegerField(_("jobs created during the project"), null=True, blank=True)
    jobs_after = models.PositiveIntegerField(_("jobs created in the three years after"), null=True, blank=True)
    revenue_during = models.DecimalField(
        _("revenue during the project ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    revenue_after = models.DecimalField(
        _("revenue in the three years after ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    ip_rights_during = models.PositiveIntegerField(_("IP rights during the project"), null=True, blank=True)
    ip_rights_after = models.PositiveIntegerField(_("IP rights in the three years after"), null=True, blank=True)
    smes_scaled_during = models.PositiveIntegerField(_("SMEs scaled during the project"), null=True, blank=True)
    smes_scaled_after = models.PositiveIntegerField(_("SMEs scaled in the three years after"), null=True, blank=True)

    # Deadlines particular to this proposal.
    changes_due_at = models.DateTimeField(_("changes due"), null=True, blank=True)
    deadline_extended_until = models.DateTimeField(_("deadline extended until"), null=True, blank=True)
    deadline_extended_for = models.CharField(
        _("extension applies in state"), max_length=32, choices=ProposalState.choices, blank=True
    )
    # The board's decision.
    approved_amount = models.DecimalField(
        _("approved amount ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decision_conditions = models.TextField(_("conditions of funding"), blank=True)

    # What the project is about, matched against assessors' expertise when assigning them.
    sectors = models.JSONField(
        _("sectors"), default=list, blank=True, help_text=_("The fields the project belongs to.")
    )
    keywords = models.JSONField(
        _("keywords"), default=list, blank=True, help_text=_("A few words or phrases that describe the technology.")
    )
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    # The number of the last version frozen (0 before the first submission), raised in the
    # submission's own update so that numbering the next version reads nothing.
    version_count = models.PositiveIntegerField(_("versions"), default=0, editable=False)
    # Retention (docs/retention.md): a legal hold (``LegalHold``) suspends disposition; once disposed of,
    # only a minimal record is left, with the funding its consortium requested so the figures stay true.
    disposed_at = models.DateTimeField(_("disposed of"), null=True, blank=True, editable=False)
    requested_at_disposal = models.DecimalField(
        _("funding requested, kept at disposal ($)"), max_digits=14, decimal_places=2, null=True, blank=True,
        editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "pk"]
        indexes = [
            models.Index(fields=["call", "state"], name="proposal_call_state"),
            # Whether a person leads a proposal of a call: the competing-lead conflict, asked for every row of a
            # board's agenda or an assignment plan (``assessment.selectors.competing_lead_exists``).
            models.Index(fields=["lead_applicant", "call"], name="proposal_lead_call"),
            # Staff's list of a call, last updated first (its default sort): a page's keys read from the
            # index's end rather than every proposal of the call sorted (ADR 0068).
            models.Index(fields=["call", "updated_at", "id"], name="proposal_call_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="proposal_approved_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(estimated_total_cost__isnull=True) | Q(estimated_total_cost__gte=0))
                & (Q(estimated_funding_requested__isnull=True) | Q(estimated_funding_requested__gte=0))
                & (Q(revenue_during__isnull=True) | Q(revenue_during__gte=0))
                & (Q(revenue_after__isnull=True) | Q(revenue_after__gte=0)),
                name="proposal_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(deadline_extended_until__isnull=True, deadline_extended_for="")
                | Q(deadline_extended_until__isnull=False) & ~Q(deadline_extended_for=""),
                name="proposal_extension_has_a_state",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def base_deadline(self) -> datetime | None:
        """Return the call's (or staff's) deadline for the current state, before any extension."""
        if self.state in (ProposalState.DRAFT, ProposalState.INVITED):
            return self.stage.closes_at
        if self.state == ProposalState.CHANGES_REQUESTED:
            return self.changes_due_at
        return None

    @property
    def deadline(self) -> datetime | None:
        """Return the deadline that applies now: the extension for this state, or the base one."""
        if self.deadline_extended_until and self.deadline_extended_for == self.state:
            return self.deadline_extended_until
        return self.base_deadline

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    #: The long texts of each stage, by field, each held to the stage's word limit.
    LOI_TEXTS = ("summary", "challenge", "technology", "expected_partners")
    APPLICATION_TEXTS = (
        "summary",
        "project_description",
        "work_plan",
        "ip_ownership_terms",
        "ip_partner_licensing",
        "ip_member_licensing",
    )

    def missing_for_submission(self) -> list[str]:
        """Return what the proposal lacks to be submitted: its sections, then its failed eligibility checks."""
        return missing_for_submission(self) + self.eligibility_failures()

    @property
    def at_last_stage(self) -> bool:
        """Return whether the proposal is at the last stage of its path (the full application)."""
        return self.stage.is_last

    def next_stage_kind(self) -> str | None:
        """Return the kind of the stage after the proposal's own in its path, or None at the last."""
        kinds = list(self.path)
        if self.stage.kind in kinds and kinds.index(self.stage.kind) + 1 < len(kinds):
            return kinds[kinds.index(self.stage.kind) + 1]
        return None

    def eligibility_stage(self) -> str:
        """Return whether the proposal is at the letter-of-intent or the full-application stage."""
        return proposal_stage(self)

    def eligibility_rules(self, stage: str) -> Rules:
        """Return the rules the proposal is checked against at ``stage`` (``rules_in_force`` decides which)."""
        return self.rules_in_force(stage).rules

    def eligibility_texts(self, stage: str) -> dict[str, str]:
        """Return the long texts of ``stage`` by field name, as the engine reads them (the same in every language)."""
        return {name: getattr(self, name) for name in self._texts_of(stage)}

    def eligibility_labels(self, stage: str) -> dict[str, str]:
        """Return the labels of the long texts of ``stage`` by field name, in the active language."""
        labels = _text_labels()
        return {name: labels[name] for name in self._texts_of(stage)}

    def _texts_of(self, stage: str) -> tuple[str, ...]:
        """Return the long texts of ``stage``: a full application's without those of the sections it does not use."""
        if stage == VersionKind.LOI:
            return self.LOI_TEXTS
        unused = texts_unused(self.stage) if stage == self.stage.kind else frozenset()
        return tuple(name for name in self.APPLICATION_TEXTS if name not in unused)

    def eligibility_application(self, stage: str, rules: Rules | None = None) -> Application:
        """Return what the applicant entered at ``stage`` as the eligibility engine reads it (1 query, 3 at most).

        At the full application: the consortium with its costs and the attachments. At an earlier
        stage, what that stage states: its lead alone, contributing nothing yet, and the estimated
        total cost and funding requested standing for the budget's sums (``Application.early``).
        The expected IP rights and the answers that must hold are read only when ``rules`` (those
        of the stage, the call's when not given) hold a rule of theirs, one query each.
        """
        texts, labels = self.eligibility_texts(stage), self.eligibility_labels(stage)
        kinds_needed = {rule.kind for rule in (rules if rules is not None else self.eligibility_rules(stage))}
        extra: dict[str, Any] = {}
        if "min_ip_rights" in kinds_needed:
            extra["ip_rights"] = self.foreground_ip.count()
        if "answers_hold" in kinds_needed:
            extra["answers_failing"] = tuple(self.answers_failing(stage))
        if stage != VersionKind.APPLICATION:
            from intake.models.consortium import ConsortiumMember  # its module imports this one

            # The lead's membership is read only when a rule of the stage asks for it (one query).
            member = "membership" in kinds_needed and bool(
                self.lead_organization_id and self.members_of_program([self.lead_organization_id])
            )
            lead = (
                (
                    ConsortiumMember(proposal=self, organization=self.lead_organization, is_lead=True).as_partner(
                        with_costs=False, member=member
                    ),
                )
                if self.lead_organization_id
                else ()
            )
            return Application(
                partners=lead, texts=texts, labels=labels, early=True,
                estimated_costs=self.estimated_total_cost, estimated_funding=self.estimated_funding_requested,
                **extra,
            )  # fmt: skip
        # Imported here, not at the top: its models point at Proposal, so their modules import this one.
        from intake.models.eligibility_inputs import eligibility_inputs

        # The consortium with its costs, roles and memberships, and the attachments' types, in one query.
        found = eligibility_inputs([self], days={self.pk: self.membership_day()})[self.pk]
        return Application(
            partners=found.partners, texts=texts, attachments=found.attachment_kinds, labels=labels, **extra
        )

    def answers_failing(self, stage: str) -> list[str]:
        """Return the wording of each live question of ``stage`` whose answer that must hold it does not give."""
        from intake.answers import answer_holds
        from intake.models.questions import Answer, Question

        questions = Question.objects.filter(
            call_id=self.call_id, stage=stage, retired_at__isnull=True, must_hold__isnull=False
        ).order_by("position", "pk")
        given = dict(Answer.objects.filter(proposal=self, question__in=questions).values_list("question_id", "value"))
        return [
            question.label
            for question in questions
            if not answer_holds(kind=question.kind, must_hold=question.must_hold, value=given.get(question.pk))
        ]

    def membership_day(self) -> date:
        """Return the day on which the consortium's memberships of the program are read, in the call's timezone.

        Today while the applicant may edit the proposal; once submitted, the day of its last submission
        (as its version froze them).
        """
        return membership_day(editable=self.is_editable, submitted_at=self.submitted_at, zone=self.call.zone)

    def members_of_program(self, organization_ids: Iterable[int]) -> set[int]:
        """Return which of ``organization_ids`` are members of the call's program on ``membership_day`` (1 query).

        Asked of the lead organization alone, with its memberships kept (``lead_memberships_keep``): no query.
        """
        wanted = list(organization_ids)
        kept: list[tuple[date, date | None]] | None = self.__dict__.get(_LEAD_MEMBERSHIPS)
        if kept is not None and wanted and set(wanted) == {self.lead_organization_id}:
            day = self.membership_day()  # valid on the day as ``ProgramMembershipQuerySet.holding_on`` says
            held = any(starts <= day and (ends is None or ends >= day) for starts, ends in kept)
            return {self.lead_organization_id} if held else set()
        return ProgramMembership.objects.organizations_on(
            program_id=self.call.program_id, organization_ids=wanted, day=self.membership_day()
        )

    def lead_memberships_keep(self, spans: Iterable[tuple[date, date | None]]) -> None:
        """Keep the lead organization's memberships of the call's program (first and last day), read with the row.

        ``members_of_program`` then answers for the lead alone from them, on whatever day it reads.
        """
        self.__dict__[_LEAD_MEMBERSHIPS] = list(spans)

    def approved_fee(self) -> ApprovedFee | None:
        """Return the administration fee on the approved amount, by the rules in force at the full application.

        None before an amount is approved, or when the call's rules charge no fee (one query at most).
        """
        if self.approved_amount is None:
            return None
        rate = admin_fee_rate(self.eligibility_rules(VersionKind.APPLICATION))
        return None if rate is None else ApprovedFee(rate=rate, amount=fee_on(self.approved_amount, rate))

    def eligibility_checks(self) -> list[Check]:
        """Return every eligibility check of the proposal's current stage, passed or failed.

        Within ``eligibility_read_once`` they are read once for as long as the proposal's state,
        stage, last submission and version count stay the same.
        """
        key = (self.state, self.stage_id, self.submitted_at, self.version_count)
        memo = self.__dict__.get("_eligibility_memo", _NO_MEMO)
        if memo is not _NO_MEMO and memo is not None and memo[0] == key:
            return list(memo[1])
        stage = self.eligibility_stage()
        rules = self.eligibility_rules(stage)
        found = checks(self.eligibility_application(stage, rules), rules, stage=stage)
        if memo is not _NO_MEMO:
            self.__dict__["_eligibility_memo"] = (key, tuple(found))
        return found

    @contextmanager
    def eligibility_read_once(self) -> Iterator[None]:
        """Read the eligibility checks at most once while within (unless the proposal moves on meanwhile).

        An action checks its guards under the row's lock, then django-fsm checks them again as it
        transitions: without this, a guard that reads the checks (``eligible``, ``complete``) would read
        the consortium, its costs and the attachments twice in one locked moment where they cannot change.
        """
        self.__dict__["_eligibility_memo"] = None
        try:
            yield
        finally:
            del self.__dict__["_eligibility_memo"]

    def required_reviews_missing(self) -> int:
        """Return how many of the required reviews of the proposal's current stage are not submitted yet.

        The lifecycle's ``reviews_in`` condition asks this. Assessment's models import this
        module, so it is read through the reverse relations ``call.rubrics`` and
        ``assessment_assignments`` rather than an import: required is the k of the rubric of
        the stage the proposal is in (the default rubric's when staff have not set one),
        counted against the submitted reviews of accepted assignments under that rubric.
        """
        stage = self.stage.kind
        rubric = self.call.rubrics.filter(stage=stage).first()
        required = (
            rubric.assessors_per_proposal
            if rubric is not None
            else self.call.rubrics.model._meta.get_field("assessors_per_proposal").default
        )
        submitted = self.assessment_assignments.filter(
            rubric__stage=stage, state="accepted", review__state="submitted"
        ).count()
        return max(required - submitted, 0)

    def eligibility_failures(self) -> list[str]:
        """Return "<label>: <message>" for each failed hard check that no override in force covers.

        An override covers a check only while the check's code, stage, figure and limit are the
        ones it was granted for (``EligibilityOverride.covers``).
        """
        failed = [check for check in self.eligibility_checks() if check.hard and not check.passed]
        if not failed:
            return []
        covered = {
            override.binding
            for override in self.eligibility_overrides.filter(revoked_at__isnull=True, lapsed_at__isnull=True)
        }
        return [f"{check.label}: {check.message}" for check in failed if check.binding not in covered]


@per_language
def _text_labels() -> dict[str, str]:
    """The labels of the proposal's long texts by field name, in the active language."""
    return {
        name: capfirst(str(Proposal._meta.get_field(name).verbose_name))
        for name in (*Proposal.LOI_TEXTS, *Proposal.APPLICATION_TEXTS)
    }
