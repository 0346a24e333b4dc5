"""The lifecycle diagram and the table of actions in docs/workflow.md are the ones the declarations draw."""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

DOC = Path(settings.BASE_DIR) / "docs" / "workflow.md"
BLOCK = re.compile(r"<!-- diagram:start -->\n```mermaid\n(?P<diagram>.*?)```\n<!-- diagram:end -->", re.DOTALL)


def _command_output() -> str:
    out = io.StringIO()
    call_command("workflow_diagram", stdout=out)
    return out.getvalue()


def test_workflow_diagram_command_draws_every_action_and_the_final_states() -> None:
    diagram = _command_output()

    assert diagram.startswith("stateDiagram-v2\n    ")
    assert "    [*] --> draft\n" in diagram
    assert "    draft --> expired: expire\n" in diagram
    assert "    board_review --> approved: approve\n" in diagram
    finals = re.findall(r"^    (\w+) --> \[\*\]$", diagram, re.MULTILINE)
    assert finals == ["loi_declined", "ineligible", "declined", "withdrawn", "expired", "closed", "terminated"]
    assert "    approved --> contracting: start_contracting\n" in diagram


def test_workflow_diagram_command_prints_the_same_twice() -> None:
    assert _command_output() == _command_output()


def test_workflow_doc_diagram_matches_the_command() -> None:
    match = BLOCK.search(DOC.read_text(encoding="utf-8"))

    assert match, f"{DOC.name} lacks the ```mermaid block between <!-- diagram:start --> and <!-- diagram:end -->"
    assert match["diagram"] == _command_output(), (
        f"The diagram in docs/{DOC.name} is out of date: run `python manage.py workflow_diagram` "
        "and paste its output into the ```mermaid block between the diagram markers."
    )


ACTIONS_BLOCK = re.compile(r"<!-- actions:start -->\n(?P<table>.*?)<!-- actions:end -->", re.DOTALL)


def test_workflow_doc_actions_table_matches_the_registry() -> None:
    out = io.StringIO()
    call_command("workflow_diagram", "--actions", stdout=out)
    match = ACTIONS_BLOCK.search(DOC.read_text(encoding="utf-8"))

    assert match, f"{DOC.name} lacks the table between <!-- actions:start --> and <!-- actions:end -->"
    assert "| `reopen_review` |" in out.getvalue()
    assert match["table"] == out.getvalue(), (
        f"The table of actions in docs/{DOC.name} is out of date: run `python manage.py workflow_diagram --actions` "
        "and paste its output between the actions markers."
    )
