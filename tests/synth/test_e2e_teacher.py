"""The real packaged SmolLM2 as teacher on two short chunks: the pipeline runs and reports honest yields."""

import pytest

from ragtune.config import ModelSettings
from ragtune.corpus.document import Chunk
from ragtune.synth import build_training_set


@pytest.mark.e2e
def test_smollm2_teacher_end_to_end(tmp_path):
    from ragtune.models import load_generator

    teacher = load_generator(ModelSettings(device="cpu"))
    chunks = [Chunk("a#0", "a", 0, "The Zephyr Toaster costs 64 euros. It has nine browning levels.", "Zephyr"),
              Chunk("b#0", "b", 0, "Brightwell was founded in 2009 in Utrecht by Marieke de Vries.", "History")]
    ts = build_training_set(chunks, teacher, pairs_per_chunk=1, paraphrases=0, seed=0)
    y = ts.yields["teacher"]
    assert y.asked == 2 and y.kept <= y.valid <= y.parsed
    pairs = ts.split.train + ts.split.val + ts.split.paraphrase
    assert {p.chunk_id for p in pairs} == {"a#0", "b#0"}  # the extractive fallback fills what the teacher missed
    assert (tmp_path / "train.jsonl") == ts.write(tmp_path)["train"]
