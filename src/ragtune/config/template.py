"""The `ragtune.toml` that `ragtune init` writes: every key at its default, with a comment saying what it does."""

from __future__ import annotations

from pathlib import Path

from ragtune.config.settings import CONFIG_FILE
from ragtune.errors import ConfigError

DEFAULT_CONFIG = """\
# ragtune project settings. Every key is optional; these are the defaults.

[models]
embedder = "minilm"        # packaged all-MiniLM-L6-v2, a sentence-transformers model path, or "openai:<model>"
generator = "smollm2"      # packaged SmolLM2-135M-Instruct, a local Hugging Face model path, or "openai:<model>"
api_base = ""              # OpenAI-compatible endpoint for "openai:" models (vLLM, Ollama, llama.cpp server, OpenAI)
api_key_env = "OPENAI_API_KEY"
device = "auto"            # auto | cpu | cuda | mps
embed_batch_size = 64
concurrency = 8            # requests an "openai:" model has in flight at once (a batching server answers them together)

[index]                    # where the index lives (docs/scale.md)
uri = ""                   # "" = ./index; or a folder, or "s3://bucket/prefix" (also gs://, az://)
storage_options = {}       # e.g. { aws_region = "eu-west-1" }; credentials only from the environment
refresh_s = 5              # a write by another process is seen within this many seconds
lock_timeout_s = 600       # a second writer waits this long for the first, then fails with who holds it

[chunking]
max_tokens = 256           # hard cap, in the embedder's tokens
overlap = 32

[retrieval]
retriever = "hybrid"       # dense | bm25 | hybrid
top_k = 5
rrf_k = 60                 # reciprocal rank fusion constant
dense_weight = 1.0
bm25_weight = 1.0
rerank = ""                # a CrossEncoder folder or "openai:<model>" (its /rerank); "" = off
rerank_depth = 20          # candidates the reranker may score
rerank_budget_ms = 300     # it scores as many as fit this, at its measured speed

[generation]
max_new_tokens = 256
temperature = 0.0          # 0 = greedy
merge_adapters = true      # ft/raft answer with merged weights: as fast as the base, more memory per adapter

[synth]                    # `ragtune synth`: training data from the indexed documents
teacher = ""               # "" = the generator above; "openai:<model>", a local model folder, or "none"
pairs_per_chunk = 3        # question/answer pairs per chunk
paraphrases = 1            # paraphrases per chunk (trained as extra documents)
extractive = "fill"        # deterministic pairs when the teacher yields too few: fill | all | off
raft = true                # also build RAFT examples (for `ragtune tune --raft`)
raft_distractors = 3
p_no_oracle = 0.2          # share of RAFT examples without the passage holding the answer
val_fraction = 0.1         # share of facts held out from training: validation and `ragtune questions` ask them
questions = ""             # your own questions JSONL to train on (optional)
chat = ""                  # your own chat JSONL to train on (optional)
seed = 0
batch_size = 4             # teacher prompts generated together
# The pilot tries teacher Q/A and paraphrases on the first chunks and skips, with a reason, one that keeps
# nothing there, or that spends over max_seconds_per_item per kept pair/paraphrase while the rest of the
# corpus would take over slow_budget_seconds. A teacher that keeps pairs runs on every chunk.
pilot = true               # false = run every strategy on every chunk
pilot_chunks = 8           # chunks in the pilot...
pilot_seconds = 20         # ...or fewer where one more batch would end past this many seconds
max_seconds_per_item = 10  # slower than this per kept item (10 epochs of LoRA on a pair take about 5 s)...
slow_budget_seconds = 120  # ...is skipped if the rest would take longer than this

[questions]                # `ragtune questions` (and `ragtune eval` without --questions): eval questions from
                           # the indexed chunks, about facts synth never trains on (docs/metrics.md)
count = 100                # questions in the set; every variant answers each
generators = ["teacher", "extractive", "bridge", "multi-chunk", "unanswerable"]
unanswerable_share = 0.1   # questions about something the documents do not hold (the right answer: decline)

[tune]                     # `ragtune tune`: LoRA fine-tuning
rank = 16
alpha = 32
learning_rate = 1e-3
# epochs = 10              # unset: 3 to 10, stopping when an epoch stops raising training-answer accuracy
# max_minutes = 20         # plan the run to fit (from a step time measured before step 1)
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
equivalence_margin = 0.05  # +-5 points: within it (90 % CI of the difference), variants are equivalent

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

[behaviour]                # `ragtune eval --task`: a format, a style or labels, by example (README, Behaviour)
task = ""                  # task examples (JSONL: id, input, output, label?, answers?); --task overrides
instruction = ""           # what the assistant is asked to do ("" = a generic instruction)
json_schema = ""           # a JSON Schema file each output must validate against
regex = ""                 # each output must match this
# min_words = 20
# max_words = 120
must_include = []          # phrases every output must contain
must_not_include = []      # phrases no output may contain
label_field = ""           # "output" (the whole output) or a field of the JSON output; "" = no labels
labels = []                # the label set ([] = those seen in the examples)
test_fraction = 0.25       # held out for testing (never trained on, never a few-shot example)
shots = 4                  # examples in the `fewshot` prompt: the training examples nearest the input
# max_new_tokens = 96      # a task's answers (unset: [generation] max_new_tokens)
style_samples = 40         # training inputs the base model answers to train the style classifier
style_min_auc = 0.7        # below this cross-validated AUC the style score is not shown
tone = ""                  # with an [eval] judge: the house tone in words, graded 1-5 per output ("" = off)

[serve]                    # `ragtune serve`: an OpenAI-compatible API over the variants (README, Serve)
host = "127.0.0.1"         # without API keys only a loopback address is allowed
port = 8000
api_key_env = "RAGTUNE_API_KEYS"  # the variable holding accepted keys, comma-separated (never the keys here)
variants = []              # served as models ([] = every variant the project can run)
max_body_bytes = 1000000   # larger requests get 413
max_tokens = 512           # the most tokens one request may ask for
max_upload_bytes = 20000000  # larger documents get 413
documents = ""             # the folder behind /v1/documents ("" = the folder last ingested)
max_batch = 8              # questions of one variant answered together
queue_size = 64            # questions waiting; beyond this: 429 with Retry-After
request_timeout_s = 120    # a question not answered in time: 503
cors_origins = []          # origins a browser page may call from ([] = CORS off)

# Your own variants, compared alongside base, rag, ft, ft+rag and raft:
# [variants.rag-bm25-k3]
# adapter = "none"         # none | ft | raft | a run id
# retriever = "bm25"       # none | default | dense | bm25 | hybrid
# top_k = 3
# rerank = "default"       # default ([retrieval] rerank) | none | a CrossEncoder folder | "openai:<model>"
#
# A larger model behind an endpoint, with retrieval, priced by its tokens (README, Models):
# [variants.big-rag]
# generator = "openai:meta-llama/Llama-3.1-70B-Instruct"   # "" = [models] generator; or a local model folder
# api_base = "http://gpu-box:8000/v1"                       # "" = [models] api_base
# api_key_env = "BIG_API_KEY"                               # "" = [models] api_key_env
# retriever = "default"
# [variants.big-rag.cost]  # this model's prices; each key left out is [cost]'s
# hardware_usd_per_hour = 0.0
# input_usd_per_mtok = 0.88
# output_usd_per_mtok = 0.88
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
