"""Batched evaluation with a real (tiny) generator: blocks, the latency sample, resume, summary latency."""

from ragtune.evaluate.results import read_results
from ragtune.evaluate.runner import question_blocks, run_eval
from ragtune.evaluate.summary import build_summary
from ragtune.models.hf_generator import TransformersGenerator
from ragtune.questions import Question
from ragtune.runs import RESULTS
from ragtune.variants import Answerer, Variant

QS = [Question(f"q{i}", f"What is {i} plus {i}?", (str(2 * i),)) for i in range(6)]


def test_blocks_start_with_the_latency_sample():
    blocks = question_blocks(QS, batch_size=4, latency_sample=2)
    assert [[q.id for q in b] for b in blocks] == [["q0"], ["q1"], ["q2", "q3", "q4", "q5"]]
    assert [[q.id for q in b] for b in question_blocks(QS, 5, 0)] == [["q0", "q1", "q2", "q3", "q4"], ["q5"]]


class Counted:
    """The real generator, noting how many prompts each call of a variant generated together."""

    def __init__(self, gen, variant: str, asked: list):
        self.gen, self.variant, self.asked, self.name = gen, variant, asked, gen.name

    def generate(self, messages, **kwargs):
        self.asked.append((self.variant, 1))
        return self.gen.generate(messages, **kwargs)

    def generate_batch(self, prompts, **kwargs):
        self.asked.append((self.variant, len(prompts)))
        return self.gen.generate_batch(prompts, **kwargs)


def test_batched_run_is_paired_resumable_and_reports_single_query_latency(tiny_llama_dir, tmp_path):
    gen = TransformersGenerator(tiny_llama_dir, device="cpu")
    asked: list[tuple[str, int]] = []
    ask = {v: Answerer(Variant(v), Counted(gen, v, asked), max_new_tokens=3) for v in "ab"}

    kwargs = dict(top_k=5, batch_size=4, latency_sample=1)
    results = run_eval(ask, QS, tmp_path, **kwargs)
    assert asked == [("a", 1), ("b", 1), ("a", 4), ("b", 4), ("a", 1), ("b", 1)]  # block-major: stays paired
    assert [r.batch_size for r in results if r.variant == "a"] == [1, 4, 4, 4, 4, 1]

    # A crash after three records: the resume asks only what is missing, in the same blocks.
    lines = (tmp_path / RESULTS).read_text().splitlines(keepends=True)
    (tmp_path / RESULTS).write_text("".join(lines[:3]))
    asked.clear()
    resumed = run_eval(ask, QS, tmp_path, **kwargs)
    assert asked == [("a", 3), ("b", 4), ("a", 1), ("b", 1)]
    assert sorted((r.question_id, r.variant) for r in resumed) == sorted(
        (q.id, v) for q in QS for v in "ab")

    summary = build_summary(read_results(tmp_path), ["a", "b"], resamples=100)
    a = summary.variants["a"]
    assert a.latency_n == 2 and not a.latency_batched  # q0 and q5 were answered alone
    alone = [r.total_s for r in resumed if r.variant == "a" and r.batch_size == 1]
    assert abs(a.mean_s - sum(alone) / 2) < 1e-9
    assert a.seconds_per_answer > 0
