"""LoRA fine-tuning on chat JSONL: packed data, a resumable training loop, merged export.

Heavy libraries (torch, peft) load only when these functions are first called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragtune.errors import TuneError
from ragtune.tune.plan import TrainPlan, plan_training
from ragtune.tune.settings import TrainingResult, TrainProgress, TuneConfig

if TYPE_CHECKING:
    from ragtune.tune.export import export_merged
    from ragtune.tune.train import train_lora

__all__ = ["TrainPlan", "TrainProgress", "TrainingResult", "TuneConfig", "plan_training", "TuneError", "export_merged", "train_lora"]


def __getattr__(name: str):
    if name == "train_lora":
        from ragtune.tune.train import train_lora

        return train_lora
    if name == "export_merged":
        from ragtune.tune.export import export_merged

        return export_merged
    raise AttributeError(name)
