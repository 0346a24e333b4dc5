from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation

from intake.lifecycle import ACTIONS, ProposalLifecycle
from intake.states import ProposalState


def workflow_diagram() -> str:
    """Return the lifecycle as a Mermaid state diagram, built from the declared transitions."""
    order = {state.value: index for index, state in enumerate(ProposalState)}
    edges: list[tuple[str, str, str]] = []
    for action in ACTIONS:
        declared = getattr(ProposalLifecycle, action)._django_fsm.transitions
        for source in sorted(declared, key=lambda state: order[str(state)]):
            edges.append((str(source), str(declared[source].target), action))
    states = sorted({state for source, target, _action in edges for state in (source, target)}, key=order.__getitem__)
    left = {source for source, _target, _action in edges}
    lines = ["stateDiagram-v2"]
    with translation.override("en"):
        lines += [f"    {state}: {ProposalState(state).label}" for state in states]
    lines.append(f"    [*] --> {ProposalState.DRAFT.value}")
    lines += [f"    {source} --> {target}: {action}" for source, target, action in edges]
    lines += [f"    {state} --> [*]" for state in states if state not in left]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the proposal lifecycle as a Mermaid state diagram (paste it into docs/workflow.md)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(workflow_diagram(), ending="")
