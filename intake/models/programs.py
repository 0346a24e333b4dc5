"""Programs: the clusters that run calls and fund projects, their people's roles and their member organizations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.choices import PROGRAM_ROLES, Role
from intake.models.base import BilingualMixin


class Program(BilingualMixin, models.Model):
    """A cluster: the organization that runs calls and funds projects."""

    slug = models.SlugField(_("short name"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    # How long unsuccessful proposals are kept after their decision (docs/retention.md).
    retention_days = models.PositiveIntegerField(
        _("retention of unsuccessful proposals (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Days after the decision before an unsuccessful proposal is disposed of. Empty: the default."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def description(self) -> str:
        return self.localized("description")

    @property
    def effective_retention_days(self) -> int:
        """Return the program's retention of unsuccessful proposals, or the site's default."""
        return self.retention_days or settings.RETENTION_UNSUCCESSFUL_DAYS


class ProgramRole(models.Model):
    """A role a user holds for one program: its staff, its board, its assessors, a funder reading it.

    The user also holds the role's group (``accounts.choices.PROGRAM_ROLES``) while they hold it for
    at least one program; what they may read and do is the programs they hold it for
    (``intake.program_roles``). A funder's grant without a program reads every program.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_roles", verbose_name=_("user")
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("program"),
        help_text=_("Empty only for a funder who reads every program."),
    )
    role = models.CharField(_("role"), max_length=32, choices=[(r, Role(r).label) for r in PROGRAM_ROLES])
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("program role")
        verbose_name_plural = _("program roles")
        ordering = ["program__name_en", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "program", "role"], name="program_role_once"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(program__isnull=True), name="program_role_all_once"
            ),
            models.CheckConstraint(
                condition=models.Q(program__isnull=False) | models.Q(role="funder"),
                name="program_role_all_only_funder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · " + str(self.program or _("every program"))


class ProgramMembershipQuerySet(models.QuerySet["ProgramMembership"]):
    def holding_on(self, day: date) -> ProgramMembershipQuerySet:
        """Return the memberships valid on ``day``: started on or before it and not ended before it."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)

    def organizations_on(self, *, program_id: int, organization_ids: Iterable[int], day: date) -> set[int]:
        """Return which of ``organization_ids`` hold a membership of ``program_id`` valid on ``day`` (1 query)."""
        wanted = list(organization_ids)
        if not wanted:
            return set()
        found = self.holding_on(day).filter(program_id=program_id, organization_id__in=wanted)
        return set(found.values_list("organization_id", flat=True).distinct())


class ProgramMembership(models.Model):
    """An organization's membership of a program, from ``starts_on`` to ``ends_on`` (both days included).

    Kept by the program's staff (``intake.services.memberships``). An organization holds at most one
    membership of a program on any day: its memberships of one program never overlap. The rule
    "membership of the program" of the eligibility engine reads whether a partner holds one on the day
    of the check (``intake.selectors.organizations_members_on``).
    """

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="program_memberships",
        verbose_name=_("organization"),
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("program")
    )
    starts_on = models.DateField(_("member since"))
    ends_on = models.DateField(
        _("member until"),
        null=True,
        blank=True,
        help_text=_("The last day of the membership. Empty while it has no end."),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ProgramMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("program membership")
        verbose_name_plural = _("program memberships")
        ordering = ["program", "organization__legal_name", "starts_on", "pk"]
        indexes = [models.Index(fields=["program", "organization", "starts_on"], name="membership_program_org")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="membership_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.program}"

    def holds_on(self, day: date) -> bool:
        """Return whether the membership is valid on ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlapping(self) -> ProgramMembershipQuerySet:
        """Return the organization's other memberships of the program that share a day with this one."""
        others = ProgramMembership.objects.filter(
            program_id=self.program_id, organization_id=self.organization_id
        ).exclude(pk=self.pk)
        others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.starts_on))
        if self.ends_on is not None:
            others = others.filter(starts_on__lte=self.ends_on)
        return others

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [_("A membership cannot end before it starts.")]
        elif self.starts_on and self.program_id and self.organization_id:
            clash = self.overlapping().order_by("starts_on").first()
            if clash is not None:
                errors["starts_on"] = [
                    _("%(organization)s is already a member of this program from %(start)s to %(end)s.")
                    % {
                        "organization": clash.organization.legal_name,
                        "start": formats.date_format(clash.starts_on, "SHORT_DATE_FORMAT"),
                        "end": formats.date_format(clash.ends_on, "SHORT_DATE_FORMAT")
                        if clash.ends_on
                        else _("no end"),
                    }
                ]
        if errors:
            raise ValidationError(errors)
