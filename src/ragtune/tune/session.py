"""`ragtune tune` and `ragtune export` over a project: a LoRA run into `runs/<id>/`, resumable, and the
merged export of a finished run. The run folder's format is `ragtune.runs`. Under `torchrun` every rank runs
`tune_project`; rank 0 alone writes the run folder (`ragtune.tune.distributed`)."""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ragtune.config import TuneConfig
from ragtune.errors import ProjectError, TuneError
from ragtune.project import Project
from ragtune.runs import (TRAINING_KINDS, TrainingRun, file_hash, find_training_run, new_run_id, read_training_run,
                          write_training_run)
from ragtune.tune.distributed import from_main, join_world

if TYPE_CHECKING:
    from ragtune.tune.plan import TrainPlan
    from ragtune.tune.settings import TrainingResult, TrainProgress


def tune_project(proj: Project, *, raft: bool = False, train: str | Path | None = None,
                 val: str | Path | None = None, run: str | None = None, resume: bool = False,
                 cfg: TuneConfig | None = None, progress: Callable[[TrainProgress], None] | None = None,
                 on_plan: Callable[[TrainPlan], None] | None = None, task: str | Path | None = None,
                 with_passages: bool = False) -> tuple[TrainingRun, TrainingResult]:
    """Train a LoRA adapter into `runs/<id>/`; `resume` continues an unfinished run from its last checkpoint
    with the settings, data and planned steps it started with. `on_plan` gets the plan before step 1.

    `task`: train on a task's training examples (`ragtune.tune.task_data`; run kind `task`, or `task-rag`
    `with_passages`) for the `task-ft` and `task-ft+rag` variants ("" = the `[behaviour] task`)."""
    from ragtune.tune.train import train_lora

    world = join_world()  # one rank of several under torchrun / accelerate launch
    kind = "raft" if raft else "ft"
    if task is not None:
        if raft:
            raise ProjectError("--task and --raft are two kinds of run; pick one.")
        kind = "task-rag" if with_passages else "task"
        if not resume:
            from ragtune.behaviour.task import open_task
            from ragtune.tune.task_data import task_training_files

            train, val = from_main(lambda: task_training_files(proj, open_task(proj, task or None),
                                                               with_passages=with_passages), world)
    elif with_passages:
        raise ProjectError("--with-passages trains on a task's examples with passages; pass --task FILE too.")
    runs = proj.settings.runs_dir
    if resume:
        info = find_training_run(runs, kind, run, done=False) if run is None else read_training_run(runs / run)
        if info.status == "done":
            raise ProjectError(f"run {info.id} already finished; start a new one without --resume.")
        record = info.record
        for key in ("train", "val"):
            path = record["data"].get(key)
            if path and file_hash(Path(path)) != record["data"][f"{key}_hash"]:
                raise ProjectError(f"{path} changed since run {info.id} started; start a new run instead of "
                                   "--resume.")
        cfg = TuneConfig(**record["config"])
    else:
        record, cfg = _new_record(proj, kind, train, val, cfg)
        info = read_training_run(runs / from_main(lambda: _new_run(runs, run or new_run_id(kind, runs), record), world))
    result = train_lora(proj.base_model_path(), record["data"]["train"], record["data"]["val"], info.path, cfg,
                        resume=resume, progress=progress, on_plan=on_plan)
    from_main(lambda: write_training_run(info.path, {**record, "status": "done", "steps": result.steps}), world)
    return read_training_run(info.path), result


def _new_run(runs: Path, run_id: str, record: dict) -> str:
    """Write a new run's `run.json` (rank 0 alone, under torchrun) and return its id."""
    write_training_run(runs / run_id, record)
    return run_id


def _new_record(proj: Project, kind: str, train: str | Path | None, val: str | Path | None,
                cfg: TuneConfig | None) -> tuple[dict, TuneConfig]:
    """`run.json` of a new run (its data files, with hashes so a resume can check them, and its settings)
    and the settings it trains with."""
    synth = proj.settings.synth_dir
    train_path = Path(train) if train else synth / ("raft_train.jsonl" if kind == "raft" else "train.jsonl")
    val_path = Path(val) if val else (None if train else synth / "val.jsonl")
    if kind.startswith("task"):
        val_path = Path(val) if val else None
    if not train_path.is_file():
        raise ProjectError(f"training data {train_path} not found: run `ragtune synth` first"
                           + (" (with [synth] raft = true)" if kind == "raft" else "") + ", or pass --data FILE.")
    if val_path is not None and (not val_path.is_file() or val_path.stat().st_size == 0):
        val_path = None
    cfg = cfg or proj.settings.tune
    if cfg.device == "auto":
        cfg = replace(cfg, device=proj.settings.models.device)
    train_path, val_path = train_path.resolve(), val_path.resolve() if val_path else None
    data = {"train": str(train_path), "train_hash": file_hash(train_path),
            "val": str(val_path) if val_path else None, "val_hash": file_hash(val_path) if val_path else None}
    config = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
    record = {"kind": kind, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "status": "running",
              "base_model": proj.settings.models.generator, "data": data, "config": config}
    return record, cfg


def vllm_serve_command(proj: Project) -> str:
    """The `vllm serve` command for the base model and the newest finished adapter of each kind, named as
    `ragtune serve` names them (`weights-base`, `weights-ft`, ...); a variant elsewhere names one as its
    generator (README, Models: endpoint-served adapters)."""
    from ragtune.tune.export import vllm_command

    adapters = {}
    for kind in (k for k in TRAINING_KINDS if k != "retriever"):
        try:
            adapters[f"weights-{kind}"] = find_training_run(proj.settings.runs_dir, kind).adapter_dir
        except TuneError:
            continue
    return vllm_command(proj.base_model_path(), adapters)


def export_run(proj: Project, out_dir: str | Path, run: str | None = None, kind: str = "ft") -> Path:
    """Merge a finished run's adapter into the base model and save a plain Hugging Face folder."""
    from ragtune.tune.export import export_merged

    adapter = find_training_run(proj.settings.runs_dir, kind, run).adapter_dir
    return export_merged(proj.base_model_path(), adapter, out_dir)
