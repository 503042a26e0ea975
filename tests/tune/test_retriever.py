"""The retriever's fine-tuning (tune/retriever.py): hard negatives mined from the index, a loss that falls,
a model folder that loads, and a killed run that resumes to the very weights of an uninterrupted one."""

from __future__ import annotations

import pytest
import torch

from ragtune.corpus.document import Chunk, Document
from ragtune.errors import TuneError
from ragtune.index import ChunkIndex
from ragtune.models.packaged import packaged_embedder_path
from ragtune.questions import Question
from ragtune.tune.retriever import MODEL_DIR, STATE, RetrieverConfig, Triple, mine_triples, train_retriever

TRIPLES = [Triple(f"Which crate holds the part numbered {1000 + 7 * i}?", f"Crate {i}: part {1000 + 7 * i}.",
                  f"Crate {i + 1}: part {1000 + 7 * (i + 1)}.") for i in range(12)]


def fresh_model():
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    return SentenceTransformer(str(packaged_embedder_path()), device="cpu")


class Killed(Exception):
    pass


def test_training_lowers_the_loss_and_saves_a_model_that_loads(tmp_path):
    from sentence_transformers import SentenceTransformer

    record = train_retriever(fresh_model(), TRIPLES, tmp_path, RetrieverConfig(epochs=3, batch_size=6))
    assert record["steps"] == 6 and record["loss_last"] < record["loss_first"]
    saved = SentenceTransformer(str(tmp_path / MODEL_DIR), device="cpu")
    assert saved.encode(["x"]).shape == (1, 384) and not (tmp_path / STATE).exists()


def test_a_killed_run_resumes_to_the_same_weights(tmp_path):
    cfg = RetrieverConfig(epochs=2, batch_size=4, save_every=2)
    whole = fresh_model()
    train_retriever(whole, TRIPLES, tmp_path / "whole", cfg)

    def die_at_3(step, total, loss):
        if step == 3:
            raise Killed

    with pytest.raises(Killed):
        train_retriever(fresh_model(), TRIPLES, tmp_path / "resumed", cfg, progress=die_at_3)
    assert (tmp_path / "resumed" / STATE).is_file()  # the checkpoint of step 2
    resumed = fresh_model()
    steps = []
    train_retriever(resumed, TRIPLES, tmp_path / "resumed", cfg, progress=lambda s, t, loss: steps.append(s))
    assert steps[0] == 3  # continued after the checkpoint, not from the start
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


def test_hard_negatives_come_from_other_documents(tmp_path):
    from ragtune.models.st_embedder import SentenceTransformerEmbedder

    def whole(doc):  # one chunk per document
        return [Chunk(id=f"{doc.id}#0", doc_id=doc.id, index=0, text=doc.text, title=doc.title)]

    index = ChunkIndex.open(tmp_path / "ix", SentenceTransformerEmbedder(packaged_embedder_path(), device="cpu"))
    index.sync([Document("a", "The red kettle boils water in two minutes."),
                Document("b", "The blue kettle boils water in three minutes."),
                Document("c", "Tomatoes grow well in a greenhouse.")], whole)
    chunk_of = {r["doc_id"]: r["id"] for r in index.scan(["id", "doc_id"]).to_pylist()}
    questions = [Question("q1", "How fast does the red kettle boil water?", ("two minutes",), ("a",),
                          chunk_id=chunk_of["a"]),
                 Question("q2", "unknown chunk", ("x",), ("a",), chunk_id="nope")]
    triples = mine_triples(index, questions)
    assert len(triples) == 1  # a question whose chunk is not indexed is left out
    assert "red kettle" in triples[0].positive and "blue kettle" in triples[0].negative
    with pytest.raises(TuneError, match="at least 2"):
        train_retriever(fresh_model(), triples, tmp_path / "few")
