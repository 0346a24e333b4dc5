"""Driving a call's rules page as staff do: a rule's form as a browser posts it, its preview, its confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.test import Client
from django.urls import reverse

from intake.models import Call, CallRule


def rule_of(call: Call, kind: str, stage: str = "application") -> CallRule:
    """Return ``call``'s first rule row of ``kind`` that applies at ``stage``, read afresh."""
    rows = CallRule.objects.filter(call=call, kind=kind).order_by("position", "pk")
    return next(row for row in rows if stage in row.stages)


def form_data(response: Any) -> dict[str, Any]:
    """Return what the rendered rule form would post back, as a browser would (with its confirmation, if shown)."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime):
            value = value.isoformat()
        data[name] = "" if value is None else value
    if response.context.get("confirming"):
        data["confirm"] = response.context["fingerprint"]
    return data


def rule_edit(client: Client, rule: CallRule, **changes: Any) -> Any:
    """Open ``rule``'s page, change the fields ``changes`` names and save (a preview once proposals are submitted)."""
    url = reverse("intake:call_rule_update", args=[rule.pk])
    return client.post(url, {**form_data(client.get(url)), **changes})


def rule_confirm(client: Client, rule: CallRule, preview: Any, **changes: Any) -> Any:
    """Confirm the change ``preview`` shows (with ``changes``, e.g. the reason) from its page."""
    return client.post(reverse("intake:call_rule_update", args=[rule.pk]), {**form_data(preview), **changes})


def share_lower(client: Client, call: Call, share: str, reason: str = "Tighter share.") -> Any:
    """Lower ``call``'s maximum cluster share on its rules page, confirming the preview with ``reason``."""
    rule = rule_of(call, "cluster_share")
    preview = rule_edit(client, rule, max=share)
    if preview.status_code == 302:
        return preview
    return rule_confirm(client, rule, preview, reason=reason)
