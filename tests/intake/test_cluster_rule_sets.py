"""The five clusters' rule sets built through the staff's rules page, then checked end to end.

Staff add each rule of a cluster (its published rules and the program-level ones) to a call with
none, one form at a time; the rows the page writes are those the demo seeds, a compliant
consortium meets them all, and breaking one of the cluster's own rules fails that rule alone.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.test import Client

from demo.seed.cluster_calls import CLUSTER_CALLS, SCALE_AI_ROLES, program_level_rules
from intake.eligibility import Rule, params_to_data
from intake.models import Call, CallRule, ConsortiumRole
from tests.demo.test_cluster_calls import _compliant, _failed, _partner
from tests.factories import CallFactory
from tests.intake.test_call_rule_pages import _add

pytestmark = pytest.mark.django_db


def _typed(rule: Rule) -> dict[str, Any]:
    """Return what staff type in ``rule``'s form: its stages ticked, each parameter as its field takes it."""
    typed: dict[str, Any] = {"stages": list(rule.stages)}
    for name, value in params_to_data(rule.params).items():
        if value is None:
            typed[name] = ""
        elif name == "roles":
            typed[name] = ", ".join(value)
        else:
            typed[name] = list(value) if isinstance(value, list) else str(value)
    return typed


@pytest.mark.parametrize("program", list(CLUSTER_CALLS))
def test_each_cluster_s_rules_built_through_the_rules_page(staff_client: Client, program: str) -> None:
    call = cast(Call, CallFactory(rules=[]))
    for position, (slug, name_en, name_fr) in enumerate(SCALE_AI_ROLES, start=1):
        ConsortiumRole.objects.create(call=call, slug=slug, name_en=name_en, name_fr=name_fr, position=position)
    wanted = [*CLUSTER_CALLS[program][1], *program_level_rules()]

    for rule in wanted:
        response = _add(staff_client, call, rule.kind, **_typed(rule))
        assert response.status_code == 302, (rule.kind, response.context["form"].errors if response.context else "")

    rows = list(CallRule.objects.filter(call=call).order_by("position").values_list("kind", "params", "stages"))
    assert rows == [(rule.kind, params_to_data(rule.params), list(rule.stages)) for rule in wanted]
    call = Call.objects.get(pk=call.pk)
    assert _failed(call, _compliant()) == []
    unfunded = list(_compliant().partners)
    unfunded[0] = _partner(
        "Lead SME", unfunded[0].kind, unfunded[0].employees, cash=unfunded[0].cash, in_kind=unfunded[0].in_kind,
        funding_requested=unfunded[0].funding_requested, costs=unfunded[0].costs, roles=unfunded[0].roles,
        member=False,
    )  # fmt: skip
    # Every cluster asks the lead to be a member: a lead that is not fails that rule alone.
    assert _failed(call, _compliant(partners=tuple(unfunded))) == ["membership"]
