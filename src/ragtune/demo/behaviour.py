"""The demo's behaviour stage: the bundled ticket task (examples/kb/tickets.jsonl), where fine-tuning is
supposed to win, measured next to the knowledge stages.

Support tickets to Quellmoor Cycles must be answered as one JSON object (category, priority, a reply that
greets, states the fact from the current documents and signs off the house way). Four variants answer the
same held-out tickets: `base` (the spec in the prompt), `rag` (plus passages), `fewshot+rag` (plus the
nearest training tickets: teaching the format without training) and `task-ft+rag` (an adapter trained on
the training tickets with their passages).

Two stages, each resumable like the others (fixed run ids `demo-task` and `demo-task-eval`): the adapter
trains while the index holds v1, on tickets.jsonl (replies with the v1 facts), like ft and raft; the
held-out tickets are answered after the update to v2, from tickets_v2.jsonl (the same ids, replies with the
current facts, `old_answers` where a fact changed). So the behaviour table also says whether a variant
that learned the format still reads the passages, or repeats the facts it was trained on (`stale`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from ragtune.demo.sizing import STYLE_SAMPLES, TASK_TOKENS
from ragtune.runs import RECOMMENDATION, RUN_FILE, read_training_run, write_json

VARIANTS = ("base", "rag", "fewshot+rag", "task-ft+rag")
TASK_FILE, TASK_FILE_V2 = "tickets.jsonl", "tickets_v2.jsonl"
TASK_FILES = (TASK_FILE, TASK_FILE_V2, "ticket.schema.json")
TRAIN_RUN, EVAL_RUN = "demo-task", "demo-task-eval"
INSTRUCTION = ("You are Quellmoor Cycles Customer Care. Answer the customer's ticket: pick its category and "
               "priority and write the reply.")
# [behaviour] of the demo project (ragtune.toml): the ticket format as a spec, checked deterministically.
SETTINGS = {"task": f'"{TASK_FILE}"', "instruction": f'"{INSTRUCTION}"', "json_schema": '"ticket.schema.json"',
            "label_field": '"category"', "must_include": '["Kind regards"]', "shots": "2",
            "style_samples": str(STYLE_SAMPLES), "max_new_tokens": str(TASK_TOKENS)}

Progress = Callable[[str, int, int], None]


def has_task(kb: Path) -> bool:
    """Whether the knowledge base ships the ticket task (a --kb of your own may not: then no such stages)."""
    return all((kb / name).is_file() for name in TASK_FILES)


def copy_task(kb: Path, project: Path) -> None:
    """The ticket files into the project (once: a resumed demo keeps the bytes its runs hashed)."""
    for name in TASK_FILES:
        if not (project / name).is_file():
            shutil.copy(kb / name, project / name)


def train_stage(proj, kb: Path, steps: int, progress: Progress | None = None) -> dict:
    """Train `task-ft+rag` for `steps` on the training tickets with the passages the index gives now (v1)."""
    from ragtune.demo.sizing import tune_config
    from ragtune.tune.session import tune_project

    bar = progress or (lambda stage, done, total: None)
    copy_task(kb, proj.settings.root)
    run_dir = proj.settings.runs_dir / TRAIN_RUN
    started = read_training_run(run_dir) if (run_dir / RUN_FILE).is_file() else None
    if started is not None and started.status == "done":
        return {"run": TRAIN_RUN, "steps": started.record.get("steps")}
    info, result = tune_project(proj, task="", with_passages=True, run=TRAIN_RUN, resume=started is not None,
                                cfg=None if started else tune_config(proj, steps),
                                progress=lambda p: bar("Fine-tuning (task-ft+rag)", p.step, p.total_steps))
    return {"run": info.id, "steps": result.steps, "wall_s": round(result.wall_s, 1)}


def eval_stage(proj, kb: Path, examples: int, progress: Progress | None = None) -> dict:
    """Answer `examples` held-out tickets of tickets_v2.jsonl with every variant, summarize and judge
    (rules 11-13). Returns what stages.json records."""
    from ragtune.decide.behaviour import behaviour_verdict
    from ragtune.evaluate.task import evaluate_task, summarize_task_run

    copy_task(kb, proj.settings.root)
    eval_dir, _ = evaluate_task(proj, TASK_FILE_V2, list(VARIANTS), run=EVAL_RUN, progress=progress, limit=examples)
    summary = summarize_task_run(proj, eval_dir)
    verdict = behaviour_verdict(summary)
    write_json(eval_dir / RECOMMENDATION, {"behaviour": verdict})
    return {"run": str(eval_dir), "winner": verdict["winner"], "headline": verdict["headline"]}


def probe_trainer(proj, kb: Path, cfg):
    """The task-ft+rag step probe (`step_probe.train_step_seconds`) on the first training rows, with the passages
    the index gives now (v1): the very files `train_stage` then trains on (built here once, found there)."""
    from ragtune.behaviour.task import open_task
    from ragtune.demo.step_probe import PROBE_RAFT_ROWS, train_step_seconds
    from ragtune.runs import read_jsonl
    from ragtune.tune.task_data import task_training_files

    copy_task(kb, proj.settings.root)
    train, val = task_training_files(proj, open_task(proj, TASK_FILE), with_passages=True)
    rows = [r["messages"] for r in read_jsonl(train)][:PROBE_RAFT_ROWS]
    return train_step_seconds(proj.base_model_path(), cfg, rows, [r["messages"] for r in read_jsonl(val)] if val else None)


def probe_prompts(proj, kb: Path, hits) -> tuple[list[list[dict]], int]:
    """The sizing probe's task prompts (the first held-out ticket as each variant asks it, `hits` as its
    passages) and how many held-out tickets the evaluation could ask."""
    from ragtune.behaviour.task import open_task

    copy_task(kb, proj.settings.root)
    task = open_task(proj, TASK_FILE_V2)
    text = task.split.test[0].input
    shots = task.prompt.with_shots(proj.settings.behaviour.shots)
    # In the order of VARIANTS: base, rag, fewshot+rag, task-ft+rag.
    prompts = [task.prompt.messages(text, None), task.prompt.messages(text, hits), shots.messages(text, hits),
               task.prompt.messages(text, hits)]
    return prompts, len(task.split.test)
