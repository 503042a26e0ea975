"""The project file `ragtune.toml` as typed settings.

Every field has a default chosen for the packaged local models, so an empty file is a valid project.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_FILE = "ragtune.toml"


class ConfigError(Exception):
    """The project file is missing or invalid; the message says how to fix it."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSettings(_Section):
    # "minilm" = packaged all-MiniLM-L6-v2; else a sentence-transformers path, or "openai:<model>".
    embedder: str = "minilm"
    # "smollm2" = packaged SmolLM2-135M-Instruct; else a local HF model path, or "openai:<model>".
    generator: str = "smollm2"
    api_base: str = ""  # OpenAI-compatible endpoint for "openai:" models, e.g. http://localhost:8000/v1
    api_key_env: str = "OPENAI_API_KEY"  # environment variable holding the API key (never the key itself)
    device: str = "auto"  # auto | cpu | cuda | mps
    embed_batch_size: int = Field(64, ge=1)


class ChunkSettings(_Section):
    max_tokens: int = Field(256, ge=16)
    overlap: int = Field(32, ge=0)


class RetrievalSettings(_Section):
    retriever: Literal["dense", "bm25", "hybrid"] = "hybrid"
    top_k: int = Field(5, ge=1)
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    bm25_weight: float = Field(1.0, ge=0)


class GenerationSettings(_Section):
    max_new_tokens: int = Field(256, ge=1)
    temperature: float = Field(0.0, ge=0)


class Settings(_Section):
    """All settings of one project; `root` is the directory holding `ragtune.toml`."""

    root: Path = Path(".")
    models: ModelSettings = ModelSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    generation: GenerationSettings = GenerationSettings()

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"


def load_settings(root: str | Path = ".") -> Settings:
    """Read `root/ragtune.toml`; a directory without one gets the defaults."""
    root = Path(root)
    path = root / CONFIG_FILE
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: not valid TOML ({e}). Fix the file or re-create it with `ragtune init`.") from e
    try:
        return Settings(root=root, **data)
    except ValidationError as e:
        raise ConfigError(f"{path}: invalid settings:\n{e}") from e


DEFAULT_CONFIG = """\
# ragtune project settings. Every key is optional; these are the defaults.

[models]
embedder = "minilm"        # packaged all-MiniLM-L6-v2, a sentence-transformers model path, or "openai:<model>"
generator = "smollm2"      # packaged SmolLM2-135M-Instruct, a local Hugging Face model path, or "openai:<model>"
api_base = ""              # OpenAI-compatible endpoint for "openai:" models (vLLM, Ollama, llama.cpp server, OpenAI)
api_key_env = "OPENAI_API_KEY"
device = "auto"            # auto | cpu | cuda | mps
embed_batch_size = 64

[chunking]
max_tokens = 256           # hard cap, in the embedder's tokens
overlap = 32

[retrieval]
retriever = "hybrid"       # dense | bm25 | hybrid
top_k = 5
rrf_k = 60                 # reciprocal rank fusion constant
dense_weight = 1.0
bm25_weight = 1.0

[generation]
max_new_tokens = 256
temperature = 0.0          # 0 = greedy
"""


def write_default_config(root: str | Path) -> Path:
    """Create `root/ragtune.toml` with the documented defaults; refuses to overwrite."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / CONFIG_FILE
    if path.exists():
        raise ConfigError(f"{path} already exists; edit it, or remove it to start over.")
    path.write_text(DEFAULT_CONFIG, encoding="utf-8")
    return path
