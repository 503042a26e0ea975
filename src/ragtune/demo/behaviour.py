"""The demo's behaviour stage: the bundled ticket task (examples/kb/tickets.jsonl), where fine-tuning is
supposed to win, measured next to the knowledge stages.

Support tickets to Quellmoor Cycles must be answered as one JSON object (category, priority, a reply that
greets, states the fact from the current documents and signs off the house way). Four variants answer the
same held-out tickets: `base` (the spec in the prompt), `rag` (plus passages), `fewshot+rag` (plus the
nearest training tickets: teaching the format without training) and `task-ft+rag` (an adapter trained on
the training tickets with their passages). The stage trains, evaluates and writes the verdict, each part
resumable like the others (fixed run ids `demo-task` and `demo-task-eval`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from ragtune.runs import RECOMMENDATION, RUN_FILE, read_training_run, write_json

VARIANTS = ("base", "rag", "fewshot+rag", "task-ft+rag")
TASK_FILES = ("tickets.jsonl", "ticket.schema.json")
TRAIN_RUN, EVAL_RUN = "demo-task", "demo-task-eval"
INSTRUCTION = ("You are Quellmoor Cycles Customer Care. Answer the customer's ticket: pick its category and "
               "priority and write the reply.")
# [behaviour] of the demo project (ragtune.toml): the ticket format as a spec, checked deterministically.
SETTINGS = {"task": '"tickets.jsonl"', "instruction": f'"{INSTRUCTION}"', "json_schema": '"ticket.schema.json"',
            "label_field": '"category"', "must_include": '["Kind regards"]', "shots": "2", "style_samples": "10",
            "max_new_tokens": "80"}  # a house reply is 55-70 tokens of SmolLM2's tokenizer

Progress = Callable[[str, int, int], None]


def copy_task(kb: Path, project: Path) -> None:
    """The ticket files into the project (once: a resumed demo keeps the bytes its runs hashed)."""
    for name in TASK_FILES:
        if not (project / name).is_file():
            shutil.copy(kb / name, project / name)


def behaviour_stage(proj, kb: Path, examples: int, steps: int, progress: Progress | None = None) -> dict:
    """Train `task-ft+rag` for `steps`, answer `examples` held-out tickets with every variant, summarize and
    judge (rules 11-13). Returns what stages.json records."""
    from ragtune.decide.behaviour import behaviour_verdict
    from ragtune.demo.sizing import tune_config
    from ragtune.evaluate.task import evaluate_task, summarize_task_run
    from ragtune.tune.session import tune_project

    bar = progress or (lambda stage, done, total: None)
    copy_task(kb, proj.settings.root)
    run_dir = proj.settings.runs_dir / TRAIN_RUN
    started = read_training_run(run_dir) if (run_dir / RUN_FILE).is_file() else None
    if started is None or started.status != "done":
        tune_project(proj, task="", with_passages=True, run=TRAIN_RUN, resume=started is not None,
                     cfg=None if started else tune_config(proj, steps),
                     progress=lambda p: bar("Fine-tuning (task-ft+rag)", p.step, p.total_steps))
    eval_dir, _ = evaluate_task(proj, None, list(VARIANTS), run=EVAL_RUN, progress=bar, limit=examples)
    summary = summarize_task_run(proj, eval_dir)
    verdict = behaviour_verdict(summary)
    write_json(eval_dir / RECOMMENDATION, {"behaviour": verdict})
    return {"run": str(eval_dir), "winner": verdict["winner"], "headline": verdict["headline"]}
