"""Every translated string is extracted: the translation functions go by names makemessages knows.

``makemessages`` finds a string only in a call to ``_``, ``gettext``, ``gettext_lazy``,
``ngettext``, ``pgettext`` and their kin, by name. A string passed to an alias (``L =
gettext_lazy``, ``import gettext_lazy as _lazy``) is never extracted, so it shows in English on
French pages while the catalogue check passes.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = r"(?:gettext|gettext_lazy|ngettext|ngettext_lazy|pgettext|pgettext_lazy|npgettext|npgettext_lazy)"
ALIASED = re.compile(rf"import[^\n]*\b{FUNCTIONS} as (?!_\b)(\w+)|^\s*(\w+)\s*=\s*{FUNCTIONS}\s*$", re.M)


def _sources() -> list[Path]:
    skipped = {".venv", "tests", "migrations", "var", "node_modules"}
    return [path for path in ROOT.rglob("*.py") if not skipped & set(path.relative_to(ROOT).parts)]


def test_no_translation_function_goes_by_another_name() -> None:
    aliased = {
        str(path.relative_to(ROOT)): match.group(0).strip()
        for path in _sources()
        for match in ALIASED.finditer(path.read_text(encoding="utf-8"))
    }

    assert aliased == {}
