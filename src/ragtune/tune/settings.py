"""Training configuration as data, and what a training run reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TuneConfig:
    """LoRA hyperparameters and the training schedule; defaults measured for SmolLM2-135M on 2 CPU cores."""

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
    patience: int = 3  # validations without improvement before stopping early (0: never stop early)
    min_delta: float = 0.0  # improvement a validation loss needs to count as better
    checkpoint_every: int = 20  # optimizer steps between checkpoints (0: never)
    seed: int = 0
    device: str = "auto"
    dtype: str | None = None  # None: bf16 on CUDA, fp32 elsewhere


@dataclass(frozen=True)
class TrainProgress:
    """Sent to the progress callback after every optimizer step."""

    step: int
    total_steps: int
    epoch: int
    loss: float
    learning_rate: float
    tokens_per_s: float
    val_loss: float | None = None  # set on steps that ran a validation


@dataclass(frozen=True)
class TrainingResult:
    adapter_dir: Path
    card_path: Path
    steps: int
    stopped_early: bool
    train_loss: list[tuple[int, float]] = field(default_factory=list)  # (step, loss)
    val_loss: list[tuple[int, float]] = field(default_factory=list)
    best_val_loss: float | None = None
    tokens_per_s: float = 0.0
    wall_s: float = 0.0
