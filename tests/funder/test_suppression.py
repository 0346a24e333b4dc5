"""Small-cell suppression: a small cluster is hidden, and so is another where subtraction would give it back."""

from __future__ import annotations

from funder.suppression import COMPLEMENT, SMALL, suppression


def test_suppression_hides_nothing_when_every_cluster_is_large_enough() -> None:
    hidden = suppression({"a": 5, "b": 12}, minimum=5)

    assert hidden.clusters == {}
    assert hidden.total == ""


def test_suppression_hides_a_small_cluster_and_the_next_smallest_as_its_complement() -> None:
    hidden = suppression({"a": 3, "b": 20, "c": 7, "d": 9}, minimum=5)

    # Hiding a alone, total minus b, c and d would give it back: c, the smallest shown, is hidden too.
    assert hidden.clusters == {"a": SMALL, "c": COMPLEMENT}
    assert hidden.total == ""


def test_suppression_needs_no_complement_when_the_small_clusters_together_are_large_enough() -> None:
    hidden = suppression({"a": 3, "b": 2, "c": 9}, minimum=5)

    # a and b together stand for 5: total minus c tells their sum, never either one.
    assert hidden.clusters == {"a": SMALL, "b": SMALL}
    assert hidden.total == ""


def test_suppression_hides_small_clusters_of_a_larger_minimum_with_one_complement() -> None:
    hidden = suppression({"a": 1, "b": 1, "c": 6, "d": 12, "e": 10}, minimum=10)

    # a, b and c (8) are small; e, the smallest shown, brings the hidden ones to 18.
    assert hidden.clusters == {"a": SMALL, "b": SMALL, "c": SMALL, "e": COMPLEMENT}
    assert hidden.total == ""


def test_suppression_hides_the_total_and_every_cluster_when_the_total_is_small() -> None:
    hidden = suppression({"a": 3, "b": 1, "c": 0}, minimum=5)

    assert hidden.clusters == {"a": SMALL, "b": SMALL}
    assert hidden.total == SMALL


def test_suppression_shows_clusters_with_nothing() -> None:
    hidden = suppression({"a": 0, "b": 3, "c": 8}, minimum=5)

    # A cluster with no project tells nothing; it cannot hide b, so c does.
    assert hidden.clusters == {"b": SMALL, "c": COMPLEMENT}
    assert hidden.total == ""


def test_suppression_of_a_single_program_hides_it_and_its_total() -> None:
    assert suppression({"a": 4}, minimum=5).total == SMALL
    assert suppression({"a": 5}, minimum=5).clusters == {}


def test_suppression_breaks_ties_by_the_clusters_order() -> None:
    hidden = suppression({"a": 2, "b": 7, "c": 7}, minimum=5)

    assert hidden.clusters == {"a": SMALL, "b": COMPLEMENT}
