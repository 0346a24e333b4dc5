"""How text is folded for a full-text index, and a searcher's words for its query (a leaf).

Both the indexed text and the words searched are folded the same way: lower case, accents
removed (``données`` and ``donnees`` are one word, so are ``équipe`` and ``equipe``), anything
but letters and digits a space. The two back ends then match the same tokens: PostgreSQL's
``simple`` configuration and SQLite's FTS5 ``unicode61`` tokenizer split on the same spaces
(docs/adr/0036). Every full-text search of the project (the registry's assets, the proposals)
folds and matches through this module and ``records.search``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import islice

_NOT_A_WORD = re.compile(r"[^0-9a-z]+")
#: A word of the original text, as the snippet cuts it (letters and digits, accents included).
_WORD = re.compile(r"[^\W_]+")

#: At most this many words of a query are searched: a pasted paragraph is not a search.
MAX_QUERY_WORDS = 12


def fold(text: str) -> str:
    """Return ``text`` in lower case without accents, its words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return " ".join(_NOT_A_WORD.sub(" ", plain).split())


def query_words(query: str) -> list[str]:
    """Return the distinct folded words of ``query``, in order, at most ``MAX_QUERY_WORDS``."""
    words: list[str] = []
    for word in fold(query).split():
        if word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def fts5_match(words: list[str]) -> str:
    """Return SQLite FTS5's MATCH expression: every word, each as a prefix (``brevet`` finds ``brevets``)."""
    return " AND ".join(f'"{word}"*' for word in words)


def tsquery(words: list[str]) -> str:
    """Return PostgreSQL's raw ``tsquery``: every word, each as a prefix."""
    return " & ".join(f"{word}:*" for word in words)


@dataclass(frozen=True)
class Fragment:
    """A piece of a snippet: its text as written, and whether it is a word the searcher asked for."""

    text: str
    matched: bool


def snippet(text: str, words: list[str], *, folded: str | None = None, around: int = 12) -> list[Fragment]:
    """Return the passage of ``text`` around the first word matching one of ``words``, the matching words marked.

    A word matches as the search does: folded, one of ``words`` its prefix. The passage holds
    ``around`` words on each side of the first match, with an ellipsis where it was cut; without
    a match, the text's first words. ``folded`` is ``fold(text)`` when the caller holds it (the
    index's own column): the first match is then found in it by one regular expression, and
    only the passage's words are folded one by one. A template renders the fragments, escaped.
    """
    folded = fold(text) if folded is None else folded
    first = 0
    if words:
        found = re.search("(?:^| )(?:" + "|".join(re.escape(word) for word in words) + ")", folded)
        if found is not None:
            first = folded.count(" ", 0, found.start() + 1) if found.start() else 0
    start_index = max(0, first - around)
    tokens = list(islice(_WORD.finditer(text), start_index, first + around + 1))
    if not tokens:
        return []

    prefixes = tuple(words)

    def matches(token: re.Match[str]) -> bool:
        written = token.group()
        # A word of ASCII letters and digits folds to itself in lower case: only the others go through ``fold``.
        if written.isascii():
            return written.lower().startswith(prefixes)
        return any(part.startswith(prefixes) for part in fold(written).split())

    start, end = tokens[0].start(), tokens[-1].end()
    fragments: list[Fragment] = [Fragment("… ", False)] if start_index > 0 else []
    position = start
    for token in tokens:
        if matches(token):
            if token.start() > position:
                fragments.append(Fragment(_spaced(text[position : token.start()]), False))
            fragments.append(Fragment(token.group(), True))
            position = token.end()
    if position < end:
        fragments.append(Fragment(_spaced(text[position:end]), False))
    if _WORD.search(text, end) is not None:
        fragments.append(Fragment(" …", False))
    return fragments


def _spaced(text: str) -> str:
    """Return ``text`` with each run of white space (a line break of the source) one space."""
    return re.sub(r"\s+", " ", text)
