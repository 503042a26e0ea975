"""Training rows of a task for `ragtune tune --task`: the task's training examples, in the very prompt the
`task-ft` variant is asked (`ragtune.behaviour.prompt.training_messages`), with the example's output as the
reply. `--with-passages` (run kind `task-rag`) puts the passages retrieved for each input into the prompt,
as `task-ft+rag` will see them, so the adapter learns to keep the format while it reads passages.

A tenth of the training examples (at least one, when there are ten or more) is the validation set for the
loss curve; the test examples are never written here. Files go to `synth/task/<hash>/`, named by a hash
of everything that shapes them, so the same task gives the same files and a resumed run finds them intact.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ragtune.behaviour.prompt import training_messages
from ragtune.behaviour.task import Task
from ragtune.errors import ProjectError
from ragtune.project import Project
from ragtune.retrieve import retrieve
from ragtune.runs import write_jsonl

TASK_DIR = "task"
VAL_EVERY = 10  # every 10th training example (in the split's order) validates


def task_training_files(proj: Project, task: Task, *, with_passages: bool = False) -> tuple[Path, Path | None]:
    """(train.jsonl, val.jsonl or None) of chat rows for the task's training split."""
    r = proj.settings.retrieval
    if with_passages and not proj.index.stats().chunks:
        raise ProjectError("--with-passages needs an index: run `ragtune ingest PATH` first.")
    shape = json.dumps([task.hash, task.split.seed, task.split.test_fraction, with_passages, r.retriever, r.top_k,
                        proj.index.version if with_passages else None, task.prompt.system(with_passages)])
    folder = proj.settings.synth_dir / TASK_DIR / hashlib.sha256(shape.encode()).hexdigest()[:16]
    train_path, val_path = folder / "train.jsonl", folder / "val.jsonl"
    if train_path.is_file():
        return train_path, val_path if val_path.is_file() else None
    weights = {"dense": r.dense_weight, "bm25": r.bm25_weight}
    rows = []
    for example in task.split.train:
        hits = retrieve(proj.index, example.input, retriever=r.retriever, top_k=r.top_k, rrf_k=r.rrf_k,
                        weights=weights) if with_passages else None
        rows.append({"messages": training_messages(task.prompt, example, hits)})
    val = [row for n, row in enumerate(rows) if len(rows) >= VAL_EVERY and n % VAL_EVERY == VAL_EVERY - 1]
    train = [row for row in rows if row not in val]
    if val:
        write_jsonl(val_path, val)
    write_jsonl(train_path, train)  # last: its presence means both files are complete
    return train_path, val_path if val else None
