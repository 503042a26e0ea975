"""The `Embedder` backend for any local sentence-transformers model folder (the packaged MiniLM by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ragtune.models.device import configure_cpu_threads, quiet_transformers, release_freed_memory, resolve_device
from ragtune.models.dtype import known_choice, measure
from ragtune.models.dtype_probe import to_bf16
from ragtune.errors import ModelError

Progress = Callable[[int, int], None]  # (texts done, texts total)
BLOCKS_PER_PROGRESS = 16  # report progress every 16 batches; encode sorts by length within a block


class SentenceTransformerEmbedder:
    """A loaded sentence-transformers model: L2-normalised float32 vectors and exact token counts.

    The model runs in bf16 on CUDA; on a CPU in the dtype that embeds faster on this machine, timed at
    first use and remembered (`ragtune.models.dtype`; `dtype_choice` says which and why; `RAGTUNE_CPU_BF16=0/1`
    or `dtype=` forces one). On a 2-core Zen 4 MiniLM embeds 2.1x faster in bf16, on a 2-core Xeon without
    AMX 1.3x slower; bf16 vectors keep a cosine of >= 0.9999 with the fp32 ones (docs/benchmarks.md,
    "Against LlamaIndex and LangChain", has the retrieval quality of both).
    """

    def __init__(self, path: str | Path, device: str = "auto", batch_size: int = 64, name: str | None = None,
                 dtype: str | None = None):
        path = Path(path)
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a sentence-transformers model folder (no modules.json or config.json); "
                             "set [models] embedder to \"minilm\", a model folder, or \"openai:<model>\".")
        from sentence_transformers import SentenceTransformer

        self.device = resolve_device(device)
        if self.device == "cpu":
            configure_cpu_threads()
        with quiet_transformers():
            self.model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        choice = known_choice("embed", path, self.device, dtype)
        if choice is None:  # first use on this machine: time both dtypes, keep the faster
            self.dtype_choice = measure("embed", path, self.model)
        else:
            self.dtype_choice = choice
            if choice.dtype == "bfloat16":  # the cast the probe keeps (buffers stay fp32)
                to_bf16(self.model)
            elif choice.dtype != "float32":
                self.model.to(choice.torch_dtype)
        self.dtype = self.dtype_choice.torch_dtype
        if self.device == "cpu":  # keep RSS bounded by the largest batch, not by how many shapes were seen
            self.model.register_forward_hook(lambda *_: release_freed_memory())
        self.batch_size = batch_size
        self.name = name or path.name
        self.dim = int(self.model.get_embedding_dimension())
        hf_tokenizer = self.model.tokenizer
        self._special_tokens = hf_tokenizer.num_special_tokens_to_add(pair=False)
        self.max_tokens = int(self.model.max_seq_length) - self._special_tokens
        self._fast = _untruncated_fast_tokenizer(hf_tokenizer)
        self._slow = None if self._fast is not None else hf_tokenizer

    def embed(
        self, texts: Sequence[str], *, show_progress: bool = False, progress: Progress | None = None
    ) -> np.ndarray:
        """Vectors of shape (len(texts), dim); texts longer than `max_tokens` are truncated by the model."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        block = self.batch_size * BLOCKS_PER_PROGRESS if progress else len(texts)
        parts = []
        for start in range(0, len(texts), block):
            vectors = self.model.encode(
                texts[start : start + block],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=False,
                show_progress_bar=show_progress,
            )
            parts.append(_unit_rows(np.asarray(vectors, dtype=np.float32)))
            if progress:
                progress(min(start + block, len(texts)), len(texts))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` without special tokens, untruncated: the chunker's measure of length."""
        if self._fast is not None:
            return len(self._fast.encode(text, add_special_tokens=False).ids)
        return len(self._slow(text, add_special_tokens=False, verbose=False)["input_ids"])

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        """`count_tokens` for many texts at once (the fast tokenizer encodes them in parallel)."""
        if self._fast is not None:
            return [len(e.ids) for e in self._fast.encode_batch(list(texts), add_special_tokens=False)]
        return [self.count_tokens(t) for t in texts]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalised rows, computed in float32 (normalising in bf16 leaves norms off by up to 0.5 %)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _untruncated_fast_tokenizer(hf_tokenizer):
    """A private copy of the Rust tokenizer with truncation and padding off (MiniLM's file truncates at 128)."""
    backend = getattr(hf_tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    fast = Tokenizer.from_str(backend.to_str())
    fast.no_truncation()
    fast.no_padding()
    return fast
