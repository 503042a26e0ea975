"""The bundled example knowledge base (examples/kb): deterministic, committed as generated, and fair.

Fair means: every gold answer is in its source documents as ragtune loads them, a changed fact is gone
from every v2 document, unanswerable questions stay unanswerable, and the counts the demo relies on hold.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from ragtune.corpus import load_corpus
from ragtune.evaluate.metrics import contains_answer
from ragtune.text import STOPWORDS, normalize_text, tokens

KB = Path(__file__).resolve().parents[2] / "examples" / "kb"
sys.path.insert(0, str(KB))

import generate  # noqa: E402
from fact_table import fact_table  # noqa: E402
from facts import V1, V2, V2_ADDED, V2_DELETED  # noqa: E402
from question_bank import SPECS  # noqa: E402
from unknowns import UNANSWERABLE  # noqa: E402


TASK_FILES = ("tickets.jsonl", "tickets_v2.jsonl", "ticket.schema.json")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _read_jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (KB / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, str]]:
    """Version -> document id -> text, loaded by ragtune's own loader from the committed output."""
    out = {}
    for version in ("v1", "v2"):
        result = load_corpus(KB / version)
        assert result.skipped == [] and result.ignored == []
        out[version] = {d.id: d.text for d in result.documents}
    return out


@pytest.fixture(scope="module")
def questions() -> dict[str, list[dict]]:
    return {"v1": _read_jsonl("questions.jsonl"), "v2": _read_jsonl("questions_v2.jsonl"),
            "mc": _read_jsonl("questions_mc.jsonl")}


def test_generation_is_deterministic_and_idempotent(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate.write(a)
    (a / "v1" / "stray.md").write_text("left over from an older run")
    generate.write(a)  # rewrites v1/ and v2/: the stray file goes
    generate.write(b)
    files_a, files_b = _files(a), _files(b)
    assert "v1/stray.md" not in files_a
    assert files_a.keys() == files_b.keys()
    assert [k for k in files_a if files_a[k] != files_b[k]] == []


def test_committed_output_equals_a_fresh_generation():
    fresh = generate.build()
    committed = {k: v for k, v in _files(KB).items()
                 if k.startswith(("v1/", "v2/")) or k in (*generate.QUESTION_FILES, *TASK_FILES, "README.md")}
    assert committed.keys() == fresh.keys(), "run `.venv/bin/python examples/kb/generate.py` and commit its output"
    stale = [k for k in fresh if fresh[k] != committed[k]]
    assert stale == [], f"edited by hand or generator changed without regenerating: {stale}"


def test_loader_reads_every_file_and_pdfs_have_pages(docs):
    for version in ("v1", "v2"):
        result = load_corpus(KB / version)
        pdfs = [d for d in result.documents if d.id.endswith(".pdf")]
        assert len(pdfs) >= 2 and all(len(d.page_starts) > 1 for d in pdfs)
        suffixes = Counter(Path(d.metadata["path"]).suffix for d in result.documents)
        assert suffixes[".html"] >= 3 and suffixes[".jsonl"] >= 5
    assert 60 <= len(docs["v1"]) <= 100


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_documents_are_short_and_the_corpus_small(docs, version):
    words = {doc_id: len(text.split()) for doc_id, text in docs[version].items()}
    files = {k: n for k, n in words.items() if "/" in k}  # the others are FAQ records of support/faq.jsonl
    assert all(80 <= n <= 300 for n in files.values()), sorted(files.items(), key=lambda kv: kv[1])[:5]
    assert all(25 <= n <= 120 for k, n in words.items() if k not in files)
    assert 5_000 <= sum(words.values()) <= 25_000


def test_v2_deletes_and_adds_exactly_the_planned_documents(docs):
    v1, v2 = set(docs["v1"]), set(docs["v2"])
    assert v1 - v2 == set(V2_DELETED)
    assert v2 - v1 == set(V2_ADDED)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_every_gold_answer_is_in_its_sources(docs, questions, version):
    for q in questions[version]:
        if not q["answers"]:
            assert q["sources"] == []
            continue
        texts = [docs[version][s] for s in q["sources"]]  # KeyError: a source that is not a document
        found = [contains_answer(t, q["answers"]) for t in texts]
        if "multi-doc" in q["tags"]:
            assert len(texts) >= 2 and 1.0 in found and 0.0 in found, q["id"]  # the answer is in one hop only
        else:
            assert found and all(found), (q["id"], dict(zip(q["sources"], found)))


def test_changed_facts_are_gone_from_every_v2_document(docs, questions):
    v1 = {q["id"]: q for q in questions["v1"]}
    changed = [q for q in questions["v2"] if {"updated", "removed"} & set(q["tags"])]
    assert {q["id"] for q in changed} == {q["id"] for q in questions["v1"] if "changes" in q["tags"]}
    for q in changed:
        old = q["old_answers"]
        assert old == v1[q["id"]]["answers"] and q["question"] == v1[q["id"]]["question"]
        assert {normalize_text(a) for a in old}.isdisjoint(normalize_text(a) for a in q["answers"])
        assert any(contains_answer(docs["v1"][s], old) for s in v1[q["id"]]["sources"]), q["id"]
        stale = [doc_id for doc_id, text in docs["v2"].items() if contains_answer(text, old)]
        assert stale == [], (q["id"], old, stale)
        if "removed" in q["tags"]:
            assert q["answers"] == [] and q["sources"] == []


def test_every_changed_fact_is_asked_again(questions):
    t1, t2 = fact_table(V1), fact_table(V2)
    changed = {k for k in t1.keys() & t2.keys() if t1[k] != t2[k]}
    updated = {q["id"] for q in questions["v2"] if "updated" in q["tags"]}
    asked = {s.keys[-1] for s in SPECS if s.id in updated}
    assert changed and changed <= asked, sorted(changed - asked)


def test_unanswerable_questions_have_no_answer_anywhere(docs, questions):
    asked = {q["id"]: q for q in questions["v1"] if "unanswerable" in q["tags"]}
    assert asked.keys() == {u.id for u in UNANSWERABLE}
    assert all(q["answers"] == [] and q["sources"] == [] for q in asked.values())
    for u in UNANSWERABLE:
        probe = re.compile("|".join(rf"\b{re.escape(p)}\b" for p in u.probes), re.IGNORECASE)
        hits = [doc_id for version in docs.values() for doc_id, text in version.items() if probe.search(text)]
        assert hits == [], (u.id, hits)


def _name_tokens() -> set[str]:
    names = [V1.history.name, "Drive S", "Drive X", V1.support.app]
    for c in (V1, V2):
        names += [b.name for b in c.bikes] + [a.name for a in c.accessories] + [e.code for e in c.errors]
        names += [p.name for p in c.people] + [p.born_in for p in c.people] + [o.city for o in c.offices]
    return {t for n in names for t in tokens(n)}


def test_paraphrased_questions_share_no_content_word_with_their_sources(docs, questions):
    names = _name_tokens()
    paraphrased = [q for q in questions["v1"] if "paraphrase" in q["tags"]]
    for q in paraphrased:
        words = {t for t in tokens(q["question"])
                 if t not in STOPWORDS and t not in names and len(t) > 1 and not t[0].isdigit()}
        source_words = {t for s in q["sources"] for t in tokens(docs["v1"][s])}
        assert words and words.isdisjoint(source_words), (q["id"], sorted(words & source_words))


def test_question_counts(questions):
    v1 = Counter(t for q in questions["v1"] for t in q["tags"])
    v2 = Counter(t for q in questions["v2"] for t in q["tags"])
    plain_static = sum(1 for q in questions["v1"] if q["tags"] == ["static"])
    assert 45 <= plain_static <= 55
    assert 18 <= v1["paraphrase"] <= 22 and 13 <= v1["multi-doc"] <= 17
    assert v1["unanswerable"] == 15 and 20 <= v1["changes"] <= 26
    assert 105 <= len(questions["v1"]) <= 125 and 35 <= len(questions["v2"]) <= 48
    assert v2["static"] == 10 and v2["new"] >= 5 and v2["removed"] >= 2 and v2["updated"] >= 15
    assert 140 <= len(questions["v1"]) + len(questions["v2"]) <= 170
    for version in ("v1", "v2"):
        ids = [q["id"] for q in questions[version]]
        assert len(ids) == len(set(ids))
    v1_by_id = {q["id"]: q for q in questions["v1"]}
    for q in questions["v2"]:
        if "static" in q["tags"]:
            same = {k: v for k, v in v1_by_id[q["id"]].items() if k != "sources"}
            assert {k: v for k, v in q.items() if k != "sources"} == same


def test_multiple_choice_options(questions):
    mc = questions["mc"]
    assert [q["id"] for q in mc] == [q["id"] for q in questions["v1"] if q["answers"]]
    slots = Counter()
    for q in mc:
        options = q["options"]
        assert len(options) == 4 and len({normalize_text(o) for o in options}) == 4, q["id"]
        right = [i for i, o in enumerate(options) if o in q["answers"]]
        assert len(right) == 1 and options[right[0]] == q["answers"][0], q["id"]
        assert not any(contains_answer(o, q["answers"]) for i, o in enumerate(options) if i != right[0]), q["id"]
        slots[right[0]] += 1
    assert all(0.2 <= slots[i] / len(mc) <= 0.3 for i in range(4)), slots


def test_the_ticket_task_is_large_enough_valid_and_tracks_the_update(docs):
    from jsonschema import Draft202012Validator

    from ragtune.tasks import load_examples, split_examples

    schema = json.loads((KB / "ticket.schema.json").read_text())
    validator = Draft202012Validator(schema)
    v1, v2 = load_examples(KB / "tickets.jsonl"), load_examples(KB / "tickets_v2.jsonl")
    split = split_examples(v1, test_fraction=0.25, seed=0)
    assert len(split.train) >= 200 and len(split.test) >= 60
    for version, examples in (("v1", v1), ("v2", v2)):
        corpus = " ".join(docs[version].values())
        for e in examples:
            out = json.loads(e.output)
            assert not list(validator.iter_errors(out)), e.id
            assert out["category"] == e.label and contains_answer(out["reply"], e.answers), e.id
            assert contains_answer(corpus, e.answers), f"{version} {e.id}: {e.answers} not in the documents"
    changed = [e for e in v2 if e.old_answers]
    assert len(changed) >= 30 and all("changes" in e.tags for e in changed)
    assert {e.id for e in v2} <= {e.id for e in v1}
    assert len({e.label for e in v1}) == 6
