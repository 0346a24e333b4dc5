"""A call's eligibility rules: rows, each of a kind the engine knows, with its parameters and stages.

The engine (``intake.eligibility``) reads them through ``Call.eligibility_rules``; only
``intake.services.call_rule_rows`` writes them. See docs/rules.md.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.choices import STAGE_ORDER
from intake.eligibility import KINDS, Rule, params_from_data, params_problems
from intake.models.calls import Call


def kind_choices() -> list[tuple[str, Any]]:
    return [(code, kind.label) for code, kind in KINDS.items()]


class CallRule(models.Model):
    """One rule of a call: its kind, its parameters (JSON, Decimals as strings) and the stages it applies at."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rules", verbose_name=gettext_lazy("call"))
    kind = models.CharField(gettext_lazy("kind of rule"), max_length=32, choices=kind_choices)
    params = models.JSONField(gettext_lazy("parameters"), default=dict, blank=True)
    stages = models.JSONField(gettext_lazy("stages"), default=list)
    position = models.PositiveSmallIntegerField(gettext_lazy("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("eligibility rule")
        verbose_name_plural = gettext_lazy("eligibility rules")
        ordering = ["call", "position", "pk"]
        indexes = [models.Index(fields=["call", "position"], name="call_rule_call_position")]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.kind}"

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind].label) if self.kind in KINDS else self.kind

    def as_rule(self) -> Rule:
        """Return the row as the engine reads it."""
        return Rule(
            kind=self.kind,
            params=params_from_data(self.kind, self.params),
            stages=tuple(stage for stage in STAGE_ORDER if stage in (self.stages or [])),
            id=self.pk,
            position=self.position,
        )

    def clean(self) -> None:
        """Refuse parameters the kind cannot take and stages that are not stages, by field."""
        errors: dict[str, list[str]] = {}
        for name, messages in params_problems(self.kind, self.params).items():
            errors.setdefault("kind" if name == "kind" else "params", []).extend(
                f"{KINDS[self.kind].params_label(name)}: {message}" if self.kind in KINDS else message
                for message in messages
            )
        stages = self.stages if isinstance(self.stages, list) else None
        if not stages:
            errors.setdefault("stages", []).append(_("Choose at least one stage the rule applies at."))
        elif any(stage not in STAGE_ORDER for stage in stages):
            errors.setdefault("stages", []).append(_("Unknown stage."))
        if errors:
            raise ValidationError(errors)
