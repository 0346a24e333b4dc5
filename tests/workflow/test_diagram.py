"""The lifecycle diagram in docs/workflow.md is the one the declared transitions draw."""

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
    assert finals == ["loi_declined", "ineligible", "approved", "declined", "withdrawn", "expired"]


def test_workflow_diagram_command_prints_the_same_twice() -> None:
    assert _command_output() == _command_output()


def test_workflow_doc_diagram_matches_the_command() -> None:
    match = BLOCK.search(DOC.read_text(encoding="utf-8"))

    assert match, f"{DOC.name} lacks the ```mermaid block between <!-- diagram:start --> and <!-- diagram:end -->"
    assert match["diagram"] == _command_output(), (
        f"The diagram in docs/{DOC.name} is out of date: run `python manage.py workflow_diagram` "
        "and paste its output into the ```mermaid block between the diagram markers."
    )
