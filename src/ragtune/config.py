"""The project file `ragtune.toml` as typed settings.

Every field has a default chosen for the packaged local models, so an empty file is a valid project.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ragtune.errors import ConfigError

CONFIG_FILE = "ragtune.toml"



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


class SynthSettings(_Section):
    """How `ragtune synth` builds the training set (see `ragtune.synth.build_training_set`)."""

    # "" = the [models] generator; else "openai:<model>" (at api_base) or a local HF model folder; "none" = no teacher.
    teacher: str = ""
    pairs_per_chunk: int = Field(3, ge=0)
    paraphrases: int = Field(1, ge=0)  # paraphrases per chunk, trained as extra documents
    extractive: Literal["fill", "all", "off"] = "fill"  # deterministic pairs: top up, add all, or never
    raft: bool = True  # also write RAFT examples (for `ragtune tune --raft`)
    raft_distractors: int = Field(3, ge=1)
    p_no_oracle: float = Field(0.2, ge=0, le=1)
    val_fraction: float = Field(0.1, ge=0, lt=1)
    questions: str = ""  # your own Q/A set (questions JSONL), added to the pairs
    chat: str = ""  # your own chat JSONL, trained as given
    seed: int = 0


class VariantSettings(_Section):
    """A variant of your own (`[variants.<name>]`): which weights answer and how passages are retrieved."""

    adapter: str = "none"  # none | ft | raft (the newest finished run of that kind) | a run id under runs/
    retriever: Literal["none", "default", "dense", "bm25", "hybrid"] = "default"  # default: [retrieval] retriever
    top_k: int | None = Field(None, ge=1)  # None: [retrieval] top_k
    system_prompt: str = ""  # "" = ragtune's prompt for this kind of variant


class EvalSettings(_Section):
    """`ragtune eval` (see docs/metrics.md)."""

    judge: str = ""  # "" = no LLM judge; "openai:<model>" (at [models] api_base), a local model folder, or "smollm2"
    bootstrap_resamples: int = Field(2000, ge=100)
    seed: int = 0
    # Answers generated together per variant (throughput; 1 = one at a time). The first `latency_sample`
    # questions of each variant are always answered alone: the latency a single user sees comes from them.
    batch_size: int = Field(8, ge=1)
    latency_sample: int = Field(5, ge=0)


class CostSettings(_Section):
    """Prices for `ragtune.evaluate.cost`; defaults and their sources are in docs/metrics.md (Cost)."""

    # Hardware the models run on, per hour: AWS EC2 c7i.large (2 vCPU, 4 GiB), on-demand, us-east-1, as listed
    # in 2024. A GPU server, e.g. g5.xlarge (1x A10G): 1.006.
    hardware_usd_per_hour: float = Field(0.0893, ge=0)
    concurrency: int = Field(1, ge=1)  # queries the hardware serves at once (1: one after another, as measured)
    # API models: price per million tokens (e.g. OpenAI gpt-4o-mini, 2024-07: 0.15 in, 0.60 out).
    input_usd_per_mtok: float = Field(0.0, ge=0)
    output_usd_per_mtok: float = Field(0.0, ge=0)
    training_usd_per_hour: float | None = Field(None, ge=0)  # None: hardware_usd_per_hour
    training_usd_per_mtok: float = Field(0.0, ge=0)  # API fine-tuning (e.g. gpt-4o-mini, 2024-07: 3.00)
    queries_per_day: float = Field(1000, ge=0)  # your volume, for the monthly figure
    updates_per_month: float = Field(4, ge=0)  # how often the documents change (a re-sync, or a retrain)


class ConstraintSettings(_Section):
    """Requirements for `ragtune recommend` (docs/decision.md); volume and update rate live in [cost]."""

    latency_ms: float | None = Field(None, gt=0)  # p50 per answer must stay under this (None: no target)
    citations_required: bool = False  # answers must cite passages: closed-book variants are excluded
    sensitive_data: bool = False  # facts must be deletable / access-controlled: fine-tuned variants are excluded
    budget_usd_per_month: float | None = Field(None, gt=0)  # None: no budget
    gpu_available: bool = False  # a GPU for (re)training; without one, retraining is timed on this CPU


ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TuneConfig:
    """LoRA hyperparameters and the schedule (`[tune]`); defaults measured for SmolLM2-135M on 2 CPU cores.

    A plain dataclass so `ragtune.tune` can take it without pydantic; pydantic still validates it in `Settings`.
    """

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.0
    target_modules: tuple[str, ...] = ALL_LINEAR
    learning_rate: float = 1e-3  # measured: 5e-4 learned 16/20 invented facts in 10 epochs, 1e-3 learned 20/20
    weight_decay: float = 0.0
    warmup_ratio: float = 0.1  # fraction of optimizer steps with linear warmup, then cosine decay to 0
    max_grad_norm: float = 1.0
    epochs: int = 10  # measured: 6 epochs learned 13/20 facts, 10 and 12 epochs 20/20 (train loss < 0.01)
    max_steps: int | None = None  # caps the optimizer steps (None: epochs decide)
    seq_len: int = 256  # packed row length in tokens (a longer example gets a row of its own)
    batch_rows: int = 1  # packed rows per micro-batch
    grad_accum: int = 1  # micro-batches per optimizer step
    eval_every: int = 10  # optimizer steps between validation losses (0: never)
    # Early stopping and keep-best are off by default, by measurement (docs/benchmarks.md): the validation
    # questions ask facts never trained as questions, whose loss bottoms out early while the trained facts
    # are still being learned (examples/docs: stopping at the best validation loss answered 19/22 training
    # questions, the full schedule 21/22; held-out facts 0/2 either way). The loss is still recorded.
    patience: int = 0  # validations without improvement before stopping (0: never stop early)
    min_delta: float = 0.0  # improvement a validation loss needs to count as better
    keep_best: bool = False  # with validation data, end with the weights of the lowest validation loss
    checkpoint_every: int = 20  # optimizer steps between checkpoints (0: never)
    seed: int = 0
    device: str = "auto"
    dtype: str | None = None  # None: bf16 on CUDA, fp32 elsewhere

    def __post_init__(self):
        positive = ("rank", "alpha", "epochs", "seq_len", "batch_rows", "grad_accum")
        bad = [f"{name} must be >= 1" for name in positive if getattr(self, name) < 1]
        bad += [f"{name} must be >= 0" for name in ("eval_every", "patience", "checkpoint_every", "weight_decay",
                                                     "max_grad_norm", "min_delta") if getattr(self, name) < 0]
        if not self.learning_rate > 0:
            bad.append("learning_rate must be > 0")
        if not 0 <= self.warmup_ratio < 1 or not 0 <= self.dropout < 1:
            bad.append("warmup_ratio and dropout must be in [0, 1)")
        if self.max_steps is not None and self.max_steps < 1:
            bad.append("max_steps must be >= 1 (or left out)")
        if not self.target_modules:
            bad.append("target_modules must name at least one layer")
        if bad:
            raise ValueError("; ".join(bad))


class Settings(_Section):
    """All settings of one project; `root` is the directory holding `ragtune.toml`."""

    root: Path = Path(".")
    models: ModelSettings = ModelSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    generation: GenerationSettings = GenerationSettings()
    synth: SynthSettings = SynthSettings()
    tune: TuneConfig = TuneConfig()
    eval: EvalSettings = EvalSettings()
    cost: CostSettings = CostSettings()
    constraints: ConstraintSettings = ConstraintSettings()
    variants: dict[str, VariantSettings] = {}

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def synth_dir(self) -> Path:
        return self.root / "synth"

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

[synth]                    # `ragtune synth`: training data from the indexed documents
teacher = ""               # "" = the generator above; "openai:<model>", a local model folder, or "none"
pairs_per_chunk = 3        # question/answer pairs per chunk
paraphrases = 1            # paraphrases per chunk (trained as extra documents)
extractive = "fill"        # deterministic pairs when the teacher yields too few: fill | all | off
raft = true                # also build RAFT examples (for `ragtune tune --raft`)
raft_distractors = 3
p_no_oracle = 0.2          # share of RAFT examples without the passage holding the answer
val_fraction = 0.1         # share of facts held out for validation
questions = ""             # your own questions JSONL to train on (optional)
chat = ""                  # your own chat JSONL to train on (optional)
seed = 0

[tune]                     # `ragtune tune`: LoRA fine-tuning
rank = 16
alpha = 32
learning_rate = 1e-3
epochs = 10
seq_len = 256              # packed sequence length in tokens
batch_rows = 1
grad_accum = 1
eval_every = 10            # steps between validation losses (0 = never)
patience = 0               # validations without improvement before stopping (0 = never stop early)
keep_best = false          # end with the weights of the lowest validation loss instead of the last
checkpoint_every = 20      # steps between checkpoints, for `ragtune tune --resume`
target_modules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
seed = 0

[eval]                     # `ragtune eval`
judge = ""                 # LLM judge: "" = off, "openai:<model>" (at api_base above), or a local model folder
bootstrap_resamples = 2000
seed = 0
batch_size = 8             # answers generated together per variant (faster); 1 = one at a time
latency_sample = 5         # first questions per variant answered alone: the single-user latency figures

[cost]                     # prices for the cost figures (sources: docs/metrics.md)
hardware_usd_per_hour = 0.0893   # AWS c7i.large (2 vCPU) on-demand, us-east-1, 2024; a g5.xlarge GPU: 1.006
concurrency = 1            # queries the hardware serves at once
input_usd_per_mtok = 0.0   # API models: $ per million prompt tokens (gpt-4o-mini, 2024-07: 0.15)
output_usd_per_mtok = 0.0  # $ per million completion tokens (gpt-4o-mini, 2024-07: 0.60)
training_usd_per_mtok = 0.0  # API fine-tuning: $ per million training tokens (gpt-4o-mini, 2024-07: 3.00)
queries_per_day = 1000
updates_per_month = 4      # how often your documents change

[constraints]              # `ragtune recommend`: your requirements (docs/decision.md); flags override them
# latency_ms = 800         # p50 per answer must stay under this (unset: no target)
citations_required = false # answers must cite passages: closed-book variants are excluded
sensitive_data = false     # facts must be deletable / access-controlled: fine-tuned variants are excluded
# budget_usd_per_month = 50  # monthly cost at [cost] queries_per_day and updates_per_month (unset: no budget)
gpu_available = false      # a GPU for (re)training

# Your own variants, compared alongside base, rag, ft, ft+rag and raft:
# [variants.rag-bm25-k3]
# adapter = "none"         # none | ft | raft | a run id
# retriever = "bm25"       # none | default | dense | bm25 | hybrid
# top_k = 3
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
