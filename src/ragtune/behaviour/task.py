"""A project's task: its examples split into training and test, its spec, and the prompt every variant uses.

One place builds it, from `[behaviour]` (or a `--task` file), so `ragtune eval --task`, `ragtune tune
--task` and `ragtune ask --variant fewshot` see the same split, the same spec and the same prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ragtune.behaviour.prompt import TaskPrompt
from ragtune.behaviour.spec import BehaviourSpec, load_spec, reference_label
from ragtune.errors import TaskError
from ragtune.project import Project
from ragtune.runs import file_hash
from ragtune.tasks import TaskSplit, load_examples, split_examples


@dataclass(frozen=True)
class Task:
    path: Path
    hash: str  # of the examples file: a resumed run must be asked the same task
    split: TaskSplit
    spec: BehaviourSpec
    prompt: TaskPrompt  # shots = 0; a few-shot variant uses prompt.with_shots(k)

    def reference_label(self, example) -> str | None:
        return reference_label(self.spec, example.output, example.label)


def open_task(proj: Project, path: str | Path | None = None) -> Task:
    """The task of `path` (else `[behaviour] task`); the few-shot pool is the training split."""
    b = proj.settings.behaviour
    given = path or b.task
    if not given:
        raise TaskError("no task examples: pass --task FILE (JSONL of {\"input\", \"output\"} lines) or set "
                        "`task` under [behaviour] in ragtune.toml.")
    file = proj.path(given).resolve()  # recorded in the run's manifest and opened again from there
    examples = load_examples(file)
    split = split_examples(examples, test_fraction=b.test_fraction, seed=b.seed)
    seen = tuple(e.label for e in examples if e.label is not None)
    spec = load_spec(b, proj.settings.root, seen)
    if spec.label_field and not seen:  # labels only in the outputs: read them from there
        spec = load_spec(b, proj.settings.root, tuple(x for e in examples
                                                      if (x := reference_label(spec, e.output, None)) is not None))
    prompt = TaskPrompt(spec, split.train, proj.embedder.embed)
    return Task(file, file_hash(file), split, spec, prompt)
