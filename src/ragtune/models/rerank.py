"""`Reranker` backends: a sentence-transformers CrossEncoder folder, or an OpenAI-compatible server's
`/rerank` route (the Jina/Cohere shape that vLLM and others serve: `{model, query, documents}` ->
`results[{index, relevance_score}]`). No cross-encoder weights ship in a package here: bring your own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

from ragtune.errors import ModelError


class Reranker(Protocol):
    name: str

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        """A relevance score per text for `query`, higher is better."""
        ...


class CrossEncoderReranker:
    def __init__(self, path: str | Path, device: str = "cpu"):
        from sentence_transformers import CrossEncoder

        path = Path(path)
        if not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a cross-encoder folder (no config.json); set [retrieval] rerank to a "
                             "sentence-transformers CrossEncoder folder or \"openai:<model>\".")
        self.model = CrossEncoder(str(path), device=device, local_files_only=True)
        self.name = path.name

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        return [float(s) for s in self.model.predict([(query, t) for t in texts], show_progress_bar=False)]


class EndpointReranker:
    def __init__(self, model: str, api_base: str, api_key: str | None, timeout: float = 30.0):
        from ragtune.models.openai_http import _Endpoint

        self.name, self.model = f"openai:{model}", model
        self._endpoint = _Endpoint(api_base, api_key, timeout, retries=2, backoff_s=0.5)

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        data = self._endpoint.post("rerank", {"model": self.model, "query": query, "documents": list(texts)})
        try:
            found = {int(r["index"]): float(r["relevance_score"]) for r in data["results"]}
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{self._endpoint.api_base}/rerank answered without results[index, relevance_score] "
                             f"({e}); is it a rerank endpoint?") from None
        return [found.get(i, float("-inf")) for i in range(len(texts))]


def load_reranker(spec: str, api_base: str, api_key_env: str, device: str = "cpu") -> Reranker:
    if spec.startswith("openai:"):
        return EndpointReranker(spec.removeprefix("openai:"), api_base, os.environ.get(api_key_env))
    return CrossEncoderReranker(Path(spec).expanduser(), "cpu" if device == "auto" else device)
