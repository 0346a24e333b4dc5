"""The consortium of a proposal: its co-applicants, its member organizations and each member's budget."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from intake.choices import CostCategory
from intake.eligibility import ZERO, Partner
from intake.models.base import BilingualMixin, money
from intake.models.calls import Call
from intake.models.proposals import Proposal


class CoApplicant(models.Model):
    """A user of a consortium organization whom the lead applicant invited to edit the proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, verbose_name=_("proposal"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        verbose_name = _("co-applicant")
        verbose_name_plural = _("co-applicants")
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="coapplicant_unique")]

    def __str__(self) -> str:
        return str(self.user)


class ConsortiumRole(BilingualMixin, models.Model):
    """A role a call names for the organizations of a consortium (an adopter, an AI provider…).

    Staff of the call's program name them (``intake.services.consortium_roles``); each member of a
    proposal takes zero or more (``ConsortiumMember.roles``), and the eligibility engine reads the
    slugs a partner takes (``Partner.roles``). The slug never changes once given: rules name it.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="consortium_roles", verbose_name=_("call"))
    slug = models.SlugField(_("short name"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("consortium role")
        verbose_name_plural = _("consortium roles")
        ordering = ["call", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "slug"], name="consortium_role_unique_slug")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.localized("name")


class ConsortiumMember(models.Model):
    """One organization of a proposal's consortium, the lead or a partner, with what it brings."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="members", verbose_name=_("proposal"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="consortium_memberships", verbose_name=_("organization")
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    # None until the applicant gives it: a zero typed is a contribution of nothing, and stays zero.
    cash_contribution = money(_("cash contribution ($)"), null=True, blank=True)
    in_kind_contribution = money(_("in-kind contribution ($)"), null=True, blank=True)
    funding_requested = money(_("funding requested from the cluster ($)"), default=Decimal("0"))
    background_ip = models.TextField(_("background IP it brings"), blank=True)
    roles = models.ManyToManyField(
        ConsortiumRole, blank=True, related_name="members", verbose_name=_("roles in the consortium")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consortium member")
        verbose_name_plural = _("consortium members")
        ordering = ["-is_lead", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "organization"], name="member_unique_organization"),
            models.UniqueConstraint(fields=["proposal"], condition=Q(is_lead=True), name="member_one_lead"),
            models.CheckConstraint(
                condition=Q(cash_contribution__gte=0) & Q(in_kind_contribution__gte=0) & Q(funding_requested__gte=0),
                name="member_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization)

    def as_partner(self, *, with_costs: bool = True, member: bool = False) -> Partner:
        """Return this member as the eligibility engine reads it; its costs and roles prefetched.

        ``member`` is whether its organization holds a membership of the call's program on the day
        of the check: the caller asks ``intake.selectors.organizations_members_on`` for the whole
        consortium at once.
        """
        organization = self.organization
        return Partner(
            name=organization.legal_name,
            kind=organization.kind,
            employees=organization.employee_count,
            country=str(organization.country),
            province=organization.province,
            is_lead=self.is_lead,
            cash=ZERO if self.cash_contribution is None else self.cash_contribution,
            in_kind=ZERO if self.in_kind_contribution is None else self.in_kind_contribution,
            funding_requested=self.funding_requested,
            costs={line.category: line.amount for line in self.budget_lines.all()} if with_costs else {},
            roles=frozenset(role.slug for role in self.roles.all()) if self.pk else frozenset(),
            member=member,
        )


class BudgetLine(models.Model):
    """A partner's eligible costs in one category."""

    member = models.ForeignKey(
        ConsortiumMember, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("partner")
    )
    category = models.CharField(_("category"), max_length=32, choices=CostCategory.choices)
    amount = money(_("eligible cost ($)"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="budget_line_unique_category"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_category_display()}"
