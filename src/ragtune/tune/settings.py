"""Training configuration as data (`TuneConfig`, defined with the project settings), and what a run reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ragtune.config import ALL_LINEAR, TuneConfig  # noqa: F401 - re-exported: the `[tune]` section
from ragtune.tune.plan import TrainPlan


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
    plan: TrainPlan | None = None  # the length and cost planned before step 1
    stop_reason: str = ""  # why the run ended where it did
    epoch_accuracy: list[float] = field(default_factory=list)  # training-answer accuracy per finished epoch
