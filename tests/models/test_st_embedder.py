import numpy as np
import pytest

from ragtune.models import Embedder, ModelError
from ragtune.models.local import packaged_embedder_path as minilm_path
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


def test_batching_and_progress_do_not_change_vectors(minilm):
    texts = [f"sentence number {i} about topic {i % 7}" for i in range(150)]
    calls = []
    small = SentenceTransformerEmbedder(minilm_path(), device="cpu", batch_size=4)
    with_progress = small.embed(texts, progress=lambda done, total: calls.append((done, total)))
    np.testing.assert_allclose(with_progress, minilm.embed(texts), atol=1e-5)
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
