"""The folding of text and words shared by every full-text search, and the results' snippets."""

from __future__ import annotations

from records.search_text import Fragment, fold, fts5_match, query_words, snippet, tsquery


def _marked(fragments: list[Fragment]) -> str:
    return "".join(f"[{fragment.text}]" if fragment.matched else fragment.text for fragment in fragments)


def test_fold_lowers_and_removes_accents_and_punctuation() -> None:
    assert fold("L'Équipe — données, ÉTÉ!") == "l equipe donnees ete"


def test_query_words_are_folded_distinct_and_bounded() -> None:
    assert query_words("Équipe equipe, plan") == ["equipe", "plan"]
    assert len(query_words(" ".join(f"w{index}" for index in range(30)))) == 12


def test_query_words_of_punctuation_only_are_none() -> None:
    assert query_words(" ?!… -- ") == []


def test_match_expressions_take_every_word_as_a_prefix() -> None:
    assert fts5_match(["equipe", "plan"]) == '"equipe"* AND "plan"*'
    assert tsquery(["equipe", "plan"]) == "equipe:* & plan:*"


def test_snippet_marks_the_words_as_written_around_the_first_match() -> None:
    text = "Notre équipe de recherche.\nLe plan de travail comprend trois phases et des essais."
    assert _marked(snippet(text, ["equipe"], around=3)) == "Notre [équipe] de recherche. Le …"
    assert _marked(snippet(text, ["plan", "essai"], around=2)) == "… recherche. Le [plan] de travail …"


def test_snippet_marks_each_matching_word_in_the_passage() -> None:
    assert _marked(snippet("prototypes et essais, essai final", ["essai"])) == "prototypes et [essais], [essai] final"


def test_snippet_without_a_match_is_the_beginning() -> None:
    assert _marked(snippet("one two three four", ["zebra"], around=1)) == "one two …"


def test_snippet_uses_the_folded_text_given() -> None:
    text = "Alpha beta gamma delta épsilon"
    assert _marked(snippet(text, ["epsilon"], folded=fold(text), around=1)) == "… delta [épsilon]"


def test_snippet_of_empty_text_is_empty() -> None:
    assert snippet("", ["word"]) == []
