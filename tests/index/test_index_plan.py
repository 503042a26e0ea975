from ragtune.index.plan import plan_sync, summarize_rows


def state(*rows):
    """rows: (doc_id, doc_hash, n_chunks, idx)."""
    return summarize_rows(*zip(*rows)) if rows else {}


def test_plan_classifies_added_changed_removed_unchanged():
    indexed = state(("a", "h1", 2, 0), ("a", "h1", 2, 1), ("b", "h2", 1, 0), ("gone", "h3", 1, 0))
    plan = plan_sync({"a": "h1", "b": "h2-new", "new": "h4"}, indexed)
    assert plan.unchanged == ("a",)
    assert plan.changed == ("b",)
    assert plan.added == ("new",)
    assert plan.removed == ("gone",)
    assert plan.to_write == ("new", "b")


def test_partial_write_counts_as_changed():
    # a doc of 3 chunks with only 2 rows present (a batch cut short) is redone
    indexed = state(("a", "h1", 3, 0), ("a", "h1", 3, 1))
    assert plan_sync({"a": "h1"}, indexed).changed == ("a",)


def test_mixed_versions_and_duplicates_count_as_changed():
    mixed = state(("a", "h1", 2, 0), ("a", "h0", 2, 1))
    dupes = state(("a", "h1", 1, 0), ("a", "h1", 1, 0))
    assert plan_sync({"a": "h1"}, mixed).changed == ("a",)
    assert plan_sync({"a": "h1"}, dupes).changed == ("a",)
    assert dupes["a"].has_duplicates


def test_empty_index_and_empty_corpus():
    assert plan_sync({"a": "h"}, {}).added == ("a",)
    plan = plan_sync({}, state(("a", "h", 1, 0)))
    assert plan.removed == ("a",) and not plan.to_write
