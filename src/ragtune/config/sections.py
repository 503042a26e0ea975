"""The sections of `ragtune.toml`, one typed model each; `[tune]` is a plain dataclass so training needs no pydantic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Section(BaseModel):
    """Every section refuses unknown keys, so a typo in `ragtune.toml` is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid")


class ModelSettings(Section):
    # "minilm" = packaged all-MiniLM-L6-v2; else a sentence-transformers path, or "openai:<model>".
    embedder: str = "minilm"
    # "smollm2" = packaged SmolLM2-135M-Instruct; else a local HF model path, or "openai:<model>".
    generator: str = "smollm2"
    api_base: str = ""  # OpenAI-compatible endpoint for "openai:" models, e.g. http://localhost:8000/v1
    api_key_env: str = "OPENAI_API_KEY"  # environment variable holding the API key (never the key itself)
    device: str = "auto"  # auto | cpu | cuda | mps
    embed_batch_size: int = Field(64, ge=1)
    # Requests an "openai:" generator, teacher, judge or embedder has in flight (the latency sample: one).
    concurrency: int = Field(8, ge=1)


CREDENTIAL_WORDS = ("secret", "token", "password", "credential", "access_key", "account_key", "sas", "session")


class IndexSettings(Section):
    """Where the index lives (docs/scale.md): a folder, or object storage as LanceDB takes it."""

    # "" = the project's index/ folder; else a folder, or "s3://bucket/prefix", "gs://...", "az://...".
    uri: str = ""
    # LanceDB storage options (region, endpoint, allow_http, ...); credentials only from the environment.
    storage_options: dict[str, str] = {}
    refresh_s: float = Field(5.0, gt=0)  # a write by another process is seen within this many seconds
    lock_timeout_s: float = Field(600.0, ge=0)  # a second writer waits this long for the first, then fails

    @field_validator("storage_options")
    @classmethod
    def no_credentials(cls, options: dict[str, str]) -> dict[str, str]:
        secret = [k for k in options if any(word in k.lower() for word in CREDENTIAL_WORDS)]
        if secret:
            raise ValueError(f"{', '.join(secret)}: credentials never go in ragtune.toml; set them in the "
                             "environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                             "GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT_KEY, ...).")
        return options


class ChunkSettings(Section):
    max_tokens: int = Field(256, ge=16)
    overlap: int = Field(32, ge=0)


class RetrievalSettings(Section):
    retriever: Literal["dense", "bm25", "hybrid"] = "hybrid"
    top_k: int = Field(5, ge=1)
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    bm25_weight: float = Field(1.0, ge=0)
    # Optional reranking: a sentence-transformers CrossEncoder folder or "openai:<model>" (the endpoint's
    # /rerank at [models] api_base); "" = off. It scores up to `rerank_depth` candidates, as many as fit
    # `rerank_budget_ms` at its measured speed.
    rerank: str = ""
    rerank_depth: int = Field(20, ge=1)
    rerank_budget_ms: float = Field(300.0, gt=0)


class GenerationSettings(Section):
    max_new_tokens: int = Field(256, ge=1)
    temperature: float = Field(0.0, ge=0)
    # Adapter variants answer with merged weights: as fast as the base (unmerged LoRA: 25-45 % slower), at the
    # memory of the layers each adapter targets (ragtune.models.merged); false: one copy of the weights.
    merge_adapters: bool = True


class SynthSettings(Section):
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
    # Teacher prompts generated together (1 where the backend cannot batch). SmolLM2 on 2 cores (AMD EPYC):
    # 20 tok/s one at a time, 50 in batches of 4, 65 of 8; 4 keeps a pilot batch of paraphrases near 30 s.
    batch_size: int = Field(4, ge=1)
    # The pilot (ragtune.synth.pilot): teacher Q/A and paraphrases first run on `pilot_chunks` chunks (fewer
    # where one more batch would end past `pilot_seconds`); one that kept nothing, or more than
    # `max_seconds_per_item` per kept item with the rest projected over `slow_budget_seconds`, is skipped
    # for the other chunks.
    pilot: bool = True  # false: every strategy runs on every chunk
    pilot_chunks: int = Field(8, ge=1)
    pilot_seconds: float = Field(20.0, gt=0)
    max_seconds_per_item: float = Field(10.0, gt=0)
    slow_budget_seconds: float = Field(120.0, ge=0)


class QuestionsSettings(Section):
    """Evaluation questions built from the indexed chunks (`ragtune questions`, `ragtune eval` without
    --questions): held out by fact from synth's training pairs (`[synth] val_fraction` and `seed` decide)."""

    count: int = Field(100, ge=1)  # questions in the set (each is asked of every variant)
    generators: list[Literal["teacher", "extractive", "bridge", "multi-chunk", "unanswerable"]] = [
        "teacher", "extractive", "bridge", "multi-chunk", "unanswerable"]
    unanswerable_share: float = Field(0.1, ge=0, lt=1)  # questions whose right answer is to decline


class VariantPrices(Section):
    """`[variants.<name>.cost]`: its model's machine or API prices; a key left out is `[cost]`'s."""

    hardware_usd_per_hour: float | None = Field(None, ge=0)
    concurrency: int | None = Field(None, ge=1)
    input_usd_per_mtok: float | None = Field(None, ge=0)
    output_usd_per_mtok: float | None = Field(None, ge=0)

    def overrides(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class VariantSettings(Section):
    """A variant of your own (`[variants.<name>]`): which model and weights answer, how passages are retrieved."""

    # "" = [models] generator; else "smollm2", a local Hugging Face model folder, or "openai:<model>" at this
    # variant's api_base. With an adapter and an "openai:" model: the endpoint serves that adapter under <model>.
    generator: str = ""
    api_base: str = ""  # "" = [models] api_base
    api_key_env: str = ""  # "" = [models] api_key_env (the variable's name, never the key)
    cost: VariantPrices = VariantPrices()
    adapter: str = "none"  # none | ft | raft | task | task-rag (the newest finished run of that kind) | a run id
    retriever: Literal["none", "default", "dense", "bm25", "hybrid"] = "default"  # default: [retrieval] retriever
    top_k: int | None = Field(None, ge=1)  # None: [retrieval] top_k
    system_prompt: str = ""  # "" = ragtune's prompt for this kind of variant
    shots: bool = False  # a task's nearest training examples in the prompt ([behaviour] shots of them)
    # default: [retrieval] rerank; none: no reranking; else a CrossEncoder folder or "openai:<model>". Two
    # variants that differ only here measure the reranker on your questions, paired, in one `ragtune eval`.
    rerank: str = "default"


class EvalSettings(Section):
    """`ragtune eval` (see docs/metrics.md)."""

    judge: str = ""  # "" = no LLM judge; "openai:<model>" (at [models] api_base), a local model folder, or "smollm2"
    bootstrap_resamples: int = Field(2000, ge=100)
    seed: int = 0
    # Answers generated together per variant (throughput; 1 = one at a time). The first `latency_sample`
    # questions of each variant are always answered alone: the latency a single user sees comes from them.
    batch_size: int = Field(8, ge=1)
    latency_sample: int = Field(5, ge=0)
    # Two variants are "equivalent" when the 90 % CI of their paired difference lies inside +-this (0.05 = 5
    # points of accuracy): then cost decides between them (docs/decision.md, rules 8 and 10).
    equivalence_margin: float = Field(0.05, gt=0, lt=1)


class BehaviourSettings(Section):
    """A behaviour to measure (`ragtune eval --task`, README Behaviour): task examples and a deterministic spec.

    Every check is optional; `format_ok` is 1 when all the configured ones pass (docs/metrics.md, Behaviour)."""

    task: str = ""  # task examples (JSONL); `ragtune eval --task FILE` overrides it
    instruction: str = ""  # what the assistant is asked to do, in every variant's prompt ("" = a generic one)
    json_schema: str = ""  # a JSON Schema file the output must validate against (implies JSON output)
    regex: str = ""  # the output must match this (Python `re.search`)
    min_words: int | None = Field(None, ge=0)
    max_words: int | None = Field(None, ge=1)
    must_include: list[str] = []  # phrases every output must contain (case-insensitive)
    must_not_include: list[str] = []  # phrases no output may contain (case-insensitive)
    label_field: str = ""  # "" = no labels; "output" = the whole output is the label; else a field of the JSON
    labels: list[str] = []  # the label set ([] = the labels seen in the examples)
    test_fraction: float = Field(0.25, gt=0, lt=1)  # held out, by a seeded hash of each example's id
    seed: int = 0
    shots: int = Field(4, ge=1)  # training examples in a few-shot prompt, nearest to the input by the embedder
    max_new_tokens: int | None = Field(None, ge=1)  # a task's answers (None: [generation] max_new_tokens)
    # The style classifier is trained on this many training outputs against the base model's outputs for the
    # same inputs (generated once per eval run); below `style_min_auc` cross-validated AUC it gives no score.
    style_samples: int = Field(40, ge=8)
    style_min_auc: float = Field(0.7, gt=0.5, le=1)
    # With an `[eval] judge`: the house tone in words; the judge grades each output's tone 1-5 against it and
    # the reference output (`judge_tone`, 0-1; unmeasured, never 0, when the judge fails). "" = no tone grade.
    tone: str = ""


class ServeSettings(Section):
    """`ragtune serve` (README, Serve): where it listens and who may call it."""

    host: str = "127.0.0.1"  # without API keys only a loopback address is allowed
    port: int = Field(8000, ge=1, le=65535)
    # The environment variable holding the accepted API keys (comma-separated), never the keys themselves;
    # unset or empty: no keys, and the server listens on loopback only.
    api_key_env: str = "RAGTUNE_API_KEYS"
    variants: list[str] = []  # served as models ([] = every variant the project can run)
    max_body_bytes: int = Field(1_000_000, ge=1024)  # a larger request is refused with 413
    max_tokens: int = Field(512, ge=1)  # the most `max_tokens` a request may ask for
    max_upload_bytes: int = Field(20_000_000, ge=1024)  # a document larger than this is refused with 413
    # The folder behind /v1/documents ("": the folder last ingested); each write is synced into the index.
    documents: str = ""
    # Questions wait in one bounded queue and are answered in batches of one variant (bench/serve_load.py);
    # a full queue answers 429 with Retry-After, a question not answered in time 503.
    max_batch: int = Field(8, ge=1)
    queue_size: int = Field(64, ge=1)
    request_timeout_s: float = Field(120.0, gt=0)
    cors_origins: list[str] = []  # origins a browser may call from ([] = CORS off: same origin only)


class CostSettings(Section):
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


class ConstraintSettings(Section):
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
    # None: by measurement, 3 to 10 epochs, ending after an epoch that adds under half a point of training-answer
    # accuracy (ragtune.tune.plan.epoch_stop). A number is trained exactly (10: the old default, which learned
    # 20/20 invented facts; 6 learned 13/20).
    epochs: int | None = None
    max_steps: int | None = None  # caps the optimizer steps (None: epochs decide)
    max_minutes: float | None = None  # plan the schedule to fit this many minutes, from a measured step time
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
    dtype: str | None = None  # None: bf16 autocast on CUDA, and on a CPU where it measures faster

    def __post_init__(self):
        positive = ("rank", "alpha", "seq_len", "batch_rows", "grad_accum")
        bad = [f"{name} must be >= 1" for name in positive if getattr(self, name) < 1]
        if self.epochs is not None and self.epochs < 1:
            bad.append("epochs must be >= 1 (or left out: chosen by measurement)")
        if self.max_minutes is not None and not self.max_minutes > 0:
            bad.append("max_minutes must be > 0 (or left out)")
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
