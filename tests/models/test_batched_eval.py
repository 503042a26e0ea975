"""Batched evaluation with a real (tiny) generator: blocks, the latency sample, resume, summary latency."""

from ragtune.answer import answer_questions
from ragtune.evaluate.runner import RESULTS, question_blocks, read_results, run_eval
from ragtune.evaluate.summary import summarize
from ragtune.models.hf_generator import TransformersGenerator
from ragtune.questions import Question

QS = [Question(f"q{i}", f"What is {i} plus {i}?", (str(2 * i),)) for i in range(6)]


def test_blocks_start_with_the_latency_sample():
    blocks = question_blocks(QS, batch_size=4, latency_sample=2)
    assert [[q.id for q in b] for b in blocks] == [["q0"], ["q1"], ["q2", "q3", "q4", "q5"]]
    assert [[q.id for q in b] for b in question_blocks(QS, 5, 0)] == [["q0", "q1", "q2", "q3", "q4"], ["q5"]]


def test_batched_run_is_paired_resumable_and_reports_single_query_latency(tiny_llama_dir, tmp_path):
    gen = TransformersGenerator(tiny_llama_dir, device="cpu")
    asked: list[tuple[str, int]] = []

    def ask(block, variant):
        asked.append((variant, len(block)))
        return answer_questions(block, gen, max_new_tokens=3)

    kwargs = dict(top_k=5, retrieval={"a": False, "b": False}, batch_size=4, latency_sample=1)
    results = run_eval(ask, QS, ["a", "b"], tmp_path, **kwargs)
    assert asked == [("a", 1), ("b", 1), ("a", 4), ("b", 4), ("a", 1), ("b", 1)]  # block-major: stays paired
    assert [r["timings"]["batch_size"] for r in results if r["variant"] == "a"] == [1, 4, 4, 4, 4, 1]

    # A crash after three records: the resume asks only what is missing, in the same blocks.
    lines = (tmp_path / RESULTS).read_text().splitlines(keepends=True)
    (tmp_path / RESULTS).write_text("".join(lines[:3]))
    asked.clear()
    resumed = run_eval(ask, QS, ["a", "b"], tmp_path, **kwargs)
    assert asked == [("a", 3), ("b", 4), ("a", 1), ("b", 1)]
    assert sorted((r["question_id"], r["variant"]) for r in resumed) == sorted(
        (q.id, v) for q in QS for v in "ab")

    summary = summarize(read_results(tmp_path), ["a", "b"], resamples=100)
    a = summary["variants"]["a"]
    assert a["latency_n"] == 2 and not a["latency_batched"]  # q0 and q5 were answered alone
    alone = [r["timings"]["total_s"] for r in resumed if r["variant"] == "a" and r["timings"]["batch_size"] == 1]
    assert abs(a["latency_s"]["total_s"]["mean"] - sum(alone) / 2) < 1e-9
    assert a["seconds_per_answer"] > 0
