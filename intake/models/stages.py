"""A call's path: its stages, each with its window and how a proposal moves on, and rolling intake's cut-offs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intake.choices import Advance, VersionKind, sections_all
from intake.models.calls import Call


class Stage(models.Model):
    """One stage of a call's path: an eligibility questionnaire, a letter of intent or the full application.

    A path takes each kind at most once, in ``intake.choices.STAGE_ORDER``; the full application is
    always its last stage. A proposal records the stage it is in (``Proposal.stage``), and its
    deadline while it is being prepared is the stage's close (or a per-proposal extension).
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="stages", verbose_name=_("call"))
    kind = models.CharField(_("stage"), max_length=16, choices=VersionKind.choices)
    # The stage's place in the path; kinds keep ``STAGE_ORDER``, so two stages never share a place.
    position = models.PositiveSmallIntegerField(_("position"))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    advance = models.CharField(
        _("how a proposal moves on"), max_length=16, choices=Advance.choices, default=Advance.INVITATION,
        help_text=_("Only for a stage before the last: the full application ends the path."),
    )  # fmt: skip
    assessed = models.BooleanField(
        _("assessed"),
        default=False,
        help_text=_("Assessors score the stage with its rubric before staff decide. The full application always is."),
    )
    # The full application's built-in sections this stage uses (``intake.choices.BuiltInSection``), and a word
    # limit for the texts of any of them (by section). An earlier stage has its own form and its questions.
    sections = models.JSONField(_("built-in sections used"), default=sections_all, blank=True)
    word_limits = models.JSONField(_("word limits of the built-in sections"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["call", "position"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="stage_one_kind_per_call"),
            models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")), name="stage_window_in_order"),
            models.CheckConstraint(condition=Q(position__gte=1, position__lte=3), name="stage_position_range"),
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.get_kind_display()}"

    @property
    def is_last(self) -> bool:
        return self.kind == VersionKind.APPLICATION

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("A stage must close after it opens.")})


class CutOff(models.Model):
    """A review cut-off of a rolling call: the proposals submitted since the previous one are reviewed together."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="cut_offs", verbose_name=_("call"))
    at = models.DateTimeField(_("cut-off"))

    class Meta:
        verbose_name = _("review cut-off")
        verbose_name_plural = _("review cut-offs")
        ordering = ["call", "at"]
        constraints = [models.UniqueConstraint(fields=["call", "at"], name="cut_off_once")]

    def __str__(self) -> str:
        return f"{self.call} · {self.at:%Y-%m-%d}"
