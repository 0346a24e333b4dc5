"""Every translated string is extracted: the translation functions go by names makemessages knows.

``makemessages`` finds a string only in a call to ``_``, ``gettext``, ``gettext_lazy``,
``ngettext``, ``pgettext`` and their kin, by name. A string passed to an alias (``L =
gettext_lazy``, ``import gettext_lazy as _lazy``) is never extracted, so it shows in English on
French pages while the catalogue check passes. Nor is one translated inside an f-string
(``f"<b>{_('Pass')}</b>"``): the xgettext of Debian's gettext reads an f-string as one string.
"""

from __future__ import annotations

import ast
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


#: The functions whose calls makemessages reads, by name.
_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
          "npgettext", "npgettext_lazy"}  # fmt: skip


def _translated_in_f_strings(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            found += [
                f"{node.lineno}: {ast.unparse(call)}"
                for call in ast.walk(node)
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in _NAMES
            ]
    return found


def test_no_string_is_translated_inside_an_f_string() -> None:
    inside = {
        str(path.relative_to(ROOT)): found
        for path in _sources()
        if (found := _translated_in_f_strings(path.read_text(encoding="utf-8")))
    }

    assert inside == {}


def test_a_string_translated_inside_an_f_string_is_found() -> None:
    found = _translated_in_f_strings("""label = f'<span>{escape(_("Pass"))}</span>' + _("Shown")\n""")

    assert found == ["1: _('Pass')"]
