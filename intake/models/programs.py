"""Programs: the clusters that run calls and fund projects."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
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
        return f"{self.user} · {self.get_role_display()} · {self.program or _('every program')}"
