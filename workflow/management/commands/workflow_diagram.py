from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from intake.lifecycle import ProposalLifecycle
from intake.states import ProposalState
from workflow.actions import ACTIONS, STEPS


def workflow_diagram() -> str:
    """Return the lifecycle as a Mermaid state diagram, built from the declared transitions."""
    order = {state.value: index for index, state in enumerate(ProposalState)}
    edges: list[tuple[str, str, str]] = []
    for action in (action.name for action in ACTIONS if action.transition):
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


def actions_table() -> str:
    """Return the registry's declarations as a Markdown table: each action and audited step, as the history tells it."""
    lines = ["| Name | Label | Who | Events | The history says |", "|---|---|---|---|---|"]
    with translation.override("en"):
        for action in ACTIONS:
            events = ", ".join(f"`{event.value}`" for event, _audience in action.events) or "none"
            lines.append(f"| `{action.name}` | {action.label} | {action.by.value} | {events} | {action.done} |")
        lines += [f"| `{step.name}` | (audited, not an action) | | | {step.done} |" for step in STEPS]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Print the proposal lifecycle as a Mermaid state diagram, or with --actions the table of the declared "
        "actions (paste them into docs/workflow.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actions", action="store_true", help="print the table of the declared actions")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(actions_table() if options["actions"] else workflow_diagram(), ending="")
