"""`ragtune synth` over a project: the training set from the indexed chunks, written to `synth/`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ragtune.errors import ProjectError
from ragtune.models.protocols import Generator
from ragtune.project import Project

if TYPE_CHECKING:
    from ragtune.synth.build import TrainingSet


def teacher(proj: Project) -> Generator | None:
    """The `[synth] teacher`: the project's generator, another model, or None ("none")."""
    spec = proj.settings.synth.teacher.strip()
    return None if spec.lower() == "none" else proj.generator_named(spec)


def synthesize(proj: Project, progress: Callable[[str, int, int], None] | None = None
               ) -> tuple[TrainingSet, dict[str, Path]]:
    """Build the training set from the indexed chunks with the `[synth]` settings and write it to `synth/`.

    The teacher's completions are saved in `synth/progress/` as they finish, so an interrupted synth resumes."""
    from ragtune.synth import build_training_set, load_chat, load_questions
    from ragtune.synth.calls import PROGRESS_DIR
    from ragtune.synth.pilot import PilotRule

    chunks = proj.index.chunks()
    if not chunks:
        raise ProjectError("the index is empty: run `ragtune ingest PATH` first; synth builds data from it.")
    s = proj.settings.synth
    training_set = build_training_set(
        chunks, teacher(proj), pairs_per_chunk=s.pairs_per_chunk, paraphrases=s.paraphrases, raft=s.raft,
        index=proj.index, seed=s.seed, extractive=s.extractive, val_fraction=s.val_fraction,
        raft_distractors=s.raft_distractors, p_no_oracle=s.p_no_oracle, batch_size=s.batch_size,
        pilot=PilotRule(s.pilot_chunks, s.pilot_seconds, s.max_seconds_per_item, s.slow_budget_seconds)
        if s.pilot else None, progress_dir=proj.settings.synth_dir / PROGRESS_DIR,
        user_pairs=load_questions(proj.path(s.questions)) if s.questions else (),
        user_chat=load_chat(proj.path(s.chat)) if s.chat else (), progress=progress)
    return training_set, training_set.write(proj.settings.synth_dir)
