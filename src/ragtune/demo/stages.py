"""`ragtune demo`: the whole comparison on a knowledge base with two versions, as resumable stages.

Stages: ingest v1, synthesize the training set, size the plan to this machine, fine-tune (ft), (raft) and,
where the knowledge base has the ticket task, (task-ft+rag), evaluate every variant on the v1 questions,
sync the index to v2 and evaluate the freshness questions, answer the held-out tickets (the behaviour
stage, demo/behaviour.py), recommend, write the report.
Each finished stage is recorded in `runs/demo/stages.json` with its time, so a re-run (after a crash or
Ctrl-C) skips it; the training runs and eval runs have fixed ids and resume where they stopped.

The knowledge base folder holds `v1/`, `v2/`, `questions.jsonl` (about v1) and `questions_v2.jsonl`
(about v2; changed facts carry `old_answers` and the same ids as in questions.jsonl): see examples/kb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ragtune.config import CONFIG_FILE, DEFAULT_CONFIG
from ragtune.demo import behaviour as tickets
from ragtune.demo.log import StageLog, timed
from ragtune.demo.questions import pick_questions, sampled_questions
from ragtune.demo.sizing import (BUDGET_S, Counts, Sizing, Throughput, choose, measure, minutes_needed,
                                 smallest_deciding, tune_config)
from ragtune.demo.step_probe import probe_trainers
from ragtune.errors import DemoError
from ragtune.questions import Question, load_questions
from ragtune.retrieve.hit import Hit
from ragtune.runs import RUN_FILE, read_training_run

DEMO_DIR = "demo"  # under runs/
STAGES = "stages.json"
SIZING_STAGE = "size the plan to this machine"
BEHAVIOUR_STAGE = "behaviour: the ticket format"
TASK_TRAIN_STAGE = "fine-tune task-ft+rag"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class DemoPlan:
    """How big a demo run is. The full plan is sized to the machine before it runs (`ragtune.demo.sizing`);
    the numbers of `FULL` are what it runs unsized. `FAST` is fixed: about 5 minutes on 2 cores (README)."""

    name: str
    per_tag_v1: int | None  # questions per tag from questions.jsonl (None: all)
    per_tag_v2: int | None
    ft_steps: int | None  # optimizer steps (None: [tune] epochs decide)
    raft_steps: int | None
    latency_sample: int = 2  # questions per variant answered alone (the latency figures), [eval] latency_sample
    behaviour_examples: int | None = None  # held-out tickets of the behaviour stage (None: no such stage)
    behaviour_steps: int = 8  # task-ft+rag training steps


# Unsized, the full plan asks 42 of the 122 v1 questions (at most 4 per tag, plus all 26 facts the update
# changes or removes) and all 45 v2 questions, ft 80 steps (0.8 epoch): 15 min 12 s on a 2-core AMD EPYC
# (Zen 4), 26 min 37 s on a 2-core Intel Xeon where bf16 was slower, hence the sizing. Sized, the
# behaviour stage's tickets and steps come from the probe too.
FULL = DemoPlan("full", 4, None, 80, 30, behaviour_examples=24, behaviour_steps=30)
FAST = DemoPlan("fast", 1, 2, 8, 4, latency_sample=1, behaviour_examples=2, behaviour_steps=2)

# Settings of the demo project, written into its ragtune.toml with the reasons. Every other key keeps
# ragtune's default.
DEMO_SETTINGS = {
    # SmolLM2-135M as its own teacher kept 4 of 24 pairs in 60 s and 0 of 8 paraphrases in 53 s on
    # examples/docs (issue 4 run): on 2 cores the deterministic extractive pairs are the useful data.
    # RAFT trains on the oracle passage plus distractors: as many passages as the demo retrieves.
    "synth": {"teacher": '"none"', "paraphrases": "0", "raft_distractors": "2"},
    # A passage costs ~250 prompt tokens and prefill dominates CPU answer time; on the bundled questions
    # hit@3 0.96 vs hit@5 0.97 (examples/kb/README.md). Your projects keep ragtune's default of 5.
    "retrieval": {"top_k": "3"},
    # The questions want short answers; SmolLM2 otherwise rambles up to 256 tokens (p95 21 s).
    "generation": {"max_new_tokens": "48"},
    "eval": {"batch_size": "8"},
    "behaviour": tickets.SETTINGS,  # the ticket task (ragtune/demo/behaviour.py)
}


def demo_config(settings: dict[str, dict[str, str]] = DEMO_SETTINGS) -> str:
    """The default ragtune.toml with the demo's values put in place of the defaults."""
    text, section = [], ""
    for line in DEFAULT_CONFIG.splitlines():
        if m := re.match(r"\[(\w+)\]", line):
            section = m.group(1)
        key = re.match(r"#?\s*(\w+)\s*=", line)  # a commented-out key too (set by the demo)
        if key and key.group(1) in settings.get(section, {}):
            line = f"{key.group(1)} = {settings[section][key.group(1)]}  # ragtune demo (see ragtune/demo/)"
        text.append(line)
    return "\n".join(text) + "\n"


def check_kb(kb: Path) -> dict[str, Path]:
    """The knowledge base's parts, or a DemoError naming what is missing."""
    parts = {"v1": kb / "v1", "v2": kb / "v2", "questions": kb / "questions.jsonl",
             "questions_v2": kb / "questions_v2.jsonl"}
    missing = [str(p) for p in parts.values() if not p.exists()]
    if missing:
        raise DemoError(f"the knowledge base {kb} lacks {', '.join(missing)}; run `ragtune demo` from the "
                        "repository root (the bundled one is examples/kb), or pass --kb with v1/, v2/, "
                        "questions.jsonl and questions_v2.jsonl.")
    return parts


def prepare_project(project: Path, plan: DemoPlan = FULL) -> None:
    """Create the demo project with its settings, unless it exists (then its ragtune.toml is kept)."""
    project.mkdir(parents=True, exist_ok=True)
    if not (project / CONFIG_FILE).exists():
        settings = DEMO_SETTINGS | {"eval": DEMO_SETTINGS["eval"] | {"latency_sample": str(plan.latency_sample)}}
        (project / CONFIG_FILE).write_text(demo_config(settings), encoding="utf-8")


def size_plan(proj, all_v1: list[Question], all_v2: list[Question], budget_s: float,
              train_file: Path | None = None, kb: Path | None = None) -> Sizing:
    """Measure this machine (`sizing.measure`) and choose the plan that fits `budget_s`, its deciding set first,
    or say (before any training) what budget would.
    `train_file`: the synthesized training rows the probe's steps train on (else the v1 questions' answers);
    `kb`: a knowledge base with the ticket task, whose behaviour stage is sized too."""
    def counts(per_tag_v1: int, per_tag_v2: int | None) -> tuple[int, int]:
        v1, v2 = pick_questions(all_v1, all_v2, per_tag_v1, per_tag_v2)
        return len(v1), len(v2)

    chunks = proj.index.chunks()
    fallback = [[{"role": "user", "content": q.question}, {"role": "assistant", "content": q.answers[0]}]
                for q in all_v1 if q.answers]
    train, train_raft = probe_trainers(proj.base_model_path(), tune_config(proj, None), train_file, fallback)
    task_prompts, task_examples, train_task = None, 0, None
    if kb is not None and tickets.has_task(kb):
        hits = [Hit(c.id, c.doc_id, c.text, c.title, {}, 0.0) for c in chunks[:3]]
        task_prompts, task_examples = tickets.probe_prompts(proj, kb, hits)
        train_task = tickets.probe_trainer(proj, kb, tune_config(proj, None))
    throughput = measure(proj.generator, train, [c.text for c in chunks[:3]], all_v1[0].question, train_raft,
                         task_prompts, train_task)
    sizing = choose(throughput, counts, budget_s, task_examples)
    if sizing is None:
        raise DemoError(unaffordable(throughput, counts, budget_s, task_examples))
    return sizing


def unaffordable(t: Throughput, counts: Counts, budget_s: float, task_examples: int) -> str:
    """Why no plan fits `budget_s` and what would: said at the sizing stage, before any training."""
    minutes = minutes_needed(t, counts, task_examples)
    need = (f"this machine would need {minutes} minutes. Run `ragtune demo --minutes {minutes}`, or"
            if minutes is not None else "not even a day would do on this machine. Run")
    return (f"no verdict fits {budget_s / 60:.0f} minutes here: the documents change, so the verdict rests on "
            f"the questions after the update, and the deciding set needs {smallest_deciding(counts)} of them; "
            f"at the measured speed (one question through the five variants {t.question_s():.1f} s, a "
            f"training step {t.ft_step_s:.1f} s) {need} `ragtune demo --fast` (about 5 minutes: a smoke run "
            "on a few questions, not a verdict).")


@dataclass(frozen=True)
class DemoResult:
    project: Path
    before: Path  # eval run on v1
    after: Path  # eval run after the v2 update (freshness)
    report: Path
    recommendation: dict
    seconds: dict[str, float]
    behaviour: Path | None = None  # the behaviour stage's task eval run


def run_demo(kb: Path, project: Path, plan: DemoPlan = FULL, *, progress: Progress | None = None,
             on_stage: Callable[[str, dict | None], None] = lambda stage, entry: None,
             sized: bool | None = None, budget_s: float = BUDGET_S) -> DemoResult:
    """Every stage of the comparison; `on_stage(stage, None)` when one starts, `(stage, entry)` when done/skipped.

    `sized` (default: for the full plan) measures this machine after the ingest and sizes the question counts
    and training steps to `budget_s` (`ragtune.demo.sizing`); the recorded plan is reused on a re-run."""
    sized = plan.name == FULL.name if sized is None else sized
    from ragtune.decide import recommend_run
    from ragtune.evaluate.session import evaluate, summarize_run
    from ragtune.project import Project
    from ragtune.report import write_report
    from ragtune.synth.session import synthesize
    from ragtune.tune.session import tune_project

    parts = check_kb(kb)
    prepare_project(project, plan)
    proj = Project(project)
    demo_dir = proj.settings.runs_dir / DEMO_DIR
    log = StageLog(demo_dir / STAGES, plan.name)
    bar = progress or (lambda stage, done, total: None)
    all_v1, all_v2 = load_questions(parts["questions"]), load_questions(parts["questions_v2"])

    def ingest() -> dict:
        report = proj.ingest(parts["v1"], progress=lambda d, n: bar("Embedding v1", d, n))
        if report.load.skipped:
            raise DemoError("files of the knowledge base were skipped: "
                            + "; ".join(f"{s.path} ({s.reason})" for s in report.load.skipped))
        return {"documents": len(report.load.documents), "chunks": report.sync.chunks_embedded,
                "version": report.sync.version}

    def synth() -> dict:
        training_set, files = synthesize(proj, progress=bar)
        return {"pairs": len(training_set.split.train), "documents": len(training_set.documents),
                "raft": len(training_set.raft), "files": {k: str(v) for k, v in files.items()}}

    def tune(kind: str, steps: int | None) -> Callable[[], dict]:
        def work() -> dict:
            run_id = f"demo-{kind}"
            run_dir = proj.settings.runs_dir / run_id
            started = read_training_run(run_dir) if (run_dir / RUN_FILE).is_file() else None
            if started is not None and started.status == "done":  # finished, but the stage was not recorded
                return {"run": run_id, "steps": started.record.get("steps")}
            label = f"Fine-tuning ({kind})"
            info, result = tune_project(proj, raft=kind == "raft", run=run_id, resume=started is not None,
                                        cfg=None if started else tune_config(proj, steps),
                                        progress=lambda p: bar(label, p.step, p.total_steps))
            final = result.train_loss[-1][1] if result.train_loss else None
            return {"run": info.id, "steps": result.steps, "wall_s": round(result.wall_s, 1),
                    "tokens_per_s": round(result.tokens_per_s, 1), "final_loss": final}
        return work

    def evaluate_stage(run: str, questions: Path, freshness: Path | None) -> Callable[[], dict]:
        def work() -> dict:
            run_dir, _ = evaluate(proj, questions, ["base", "rag", "ft", "ft+rag", "raft"], run=run,
                                  freshness=freshness, progress=bar)
            summarize_run(proj, run_dir)
            return {"run": str(run_dir)}
        return work

    timed(log, "ingest v1", on_stage, ingest)
    files = timed(log, "synthesize training data", on_stage, synth)["files"]
    with_task = bool(plan.behaviour_examples) and tickets.has_task(kb)
    if sized:  # after synth: the training probe steps through the very rows ft will train on
        sizing = timed(log, SIZING_STAGE, on_stage, lambda: size_plan(
            proj, all_v1, all_v2, budget_s, Path(files["train"]), kb if with_task else None).to_json())
        plan = replace(plan, per_tag_v1=sizing["per_tag_v1"], per_tag_v2=sizing["per_tag_v2"],
                       ft_steps=sizing["ft_steps"], raft_steps=sizing["raft_steps"],
                       behaviour_examples=sizing.get("behaviour_examples") or plan.behaviour_examples,
                       behaviour_steps=sizing.get("behaviour_steps") or plan.behaviour_steps)
    q1, q2 = sampled_questions(all_v1, all_v2, plan.per_tag_v1, plan.per_tag_v2, demo_dir)
    timed(log, "fine-tune ft", on_stage, tune("ft", plan.ft_steps))
    timed(log, "fine-tune raft", on_stage, tune("raft", plan.raft_steps))
    if with_task:  # while the index holds v1, like ft and raft
        timed(log, TASK_TRAIN_STAGE, on_stage, lambda: tickets.train_stage(proj, kb, plan.behaviour_steps, bar))
    before = Path(timed(log, "evaluate v1", on_stage, evaluate_stage("demo-v1", q1, None))["run"])
    after = Path(timed(log, "update to v2, evaluate freshness", on_stage,
                       evaluate_stage("demo-v2", q2, parts["v2"]))["run"])
    behaviour = None
    if with_task:
        behaviour = Path(timed(log, BEHAVIOUR_STAGE, on_stage, lambda: tickets.eval_stage(
            proj, kb, plan.behaviour_examples, bar))["run"])
    recommendation = recommend_run(proj, before, after, task_dir=behaviour)  # cheap: recomputed from the runs
    report = write_report(before, project / "report.html", after=after, recommendation=recommendation,
                          task=behaviour)
    return DemoResult(project, before, after, report, recommendation, log.seconds(), behaviour)
