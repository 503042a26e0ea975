import numpy as np
import torch
import pytest

from ragtune.models import Embedder, ModelError
from ragtune.models.packaged import packaged_embedder_path as minilm_path
from ragtune.models.st_embedder import SentenceTransformerEmbedder

LONG = " ".join(f"The clause number {i} of the contract concerns warranty repairs." for i in range(60))


def test_vectors_are_normalised_float32(minilm):
    assert isinstance(minilm, Embedder)
    vectors = minilm.embed(["a cat", "the quarterly revenue grew by 5%", ""])
    assert vectors.shape == (3, minilm.dim) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)


def test_similar_sentences_are_closer_than_unrelated(minilm):
    a, b, c = minilm.embed(["How long is the warranty?", "What is the warranty period?", "Bananas are yellow fruit."])
    assert a @ b > a @ c + 0.2


def test_batching_and_progress_do_not_change_vectors():
    """In fp32: bf16 results depend on the padded batch shape by ~1e-3 (its own test bounds that)."""
    texts = [f"sentence number {i} about topic {i % 7}" for i in range(150)]
    calls = []
    small = SentenceTransformerEmbedder(minilm_path(), device="cpu", batch_size=4, dtype="float32")
    with_progress = small.embed(texts, progress=lambda done, total: calls.append((done, total)))
    whole = SentenceTransformerEmbedder(minilm_path(), device="cpu", dtype="float32").embed(texts)
    np.testing.assert_allclose(with_progress, whole, atol=1e-5)
    assert calls[-1] == (150, 150) and len(calls) == 3  # blocks of 4 * 16 texts


def test_count_tokens_matches_the_tokenizer_untruncated(minilm):
    expected = len(minilm.model.tokenizer(LONG, add_special_tokens=False, truncation=False)["input_ids"])
    assert expected > 256  # longer than the tokenizer file's own truncation (128) and the model's window
    assert minilm.count_tokens(LONG) == expected
    assert minilm.count_tokens("") == 0
    assert minilm.count_tokens_batch(["", "hello world", LONG]) == [0, 2, expected]


def test_max_tokens_excludes_special_tokens(minilm):
    assert minilm.max_tokens == minilm.model.max_seq_length - 2 == 254


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelError, match="minilm"):
        SentenceTransformerEmbedder(tmp_path)


def test_bf16_vectors_match_fp32(minilm):
    """bf16 (the default where the CPU has bf16 instructions) must keep the fp32 geometry."""
    texts = ["How long is the warranty?", "Refunds are paid within 14 days.", LONG, "x"]
    fp32 = SentenceTransformerEmbedder(minilm_path(), device="cpu", dtype="float32")
    bf16 = SentenceTransformerEmbedder(minilm_path(), device="cpu", dtype="bfloat16")
    assert fp32.dtype == torch.float32 and bf16.dtype == torch.bfloat16
    a, b = fp32.embed(texts), bf16.embed(texts)
    assert b.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(a * b, axis=1)) > 0.999


def test_the_override_forces_the_dtype_without_measuring(monkeypatch):
    for forced, dtype in (("0", torch.float32), ("1", torch.bfloat16)):
        monkeypatch.setenv("RAGTUNE_CPU_BF16", forced)
        embedder = SentenceTransformerEmbedder(minilm_path(), device="cpu")
        assert embedder.dtype == dtype and embedder.dtype_choice.source == "env"
        assert {p.dtype for p in embedder.model.parameters()} == {dtype}
