"""`ragtune synth`, `ragtune tune` and `ragtune export`: the fine-tuning commands."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ragtune.cli.terminal import ProjectOpt, console, err, fail, open_project, stage_progress
from ragtune.numbers import seconds_text


def synth(
    project: Path = ProjectOpt,
    teacher: Optional[str] = typer.Option(None, help='Override [synth] teacher: "none", "openai:<model>" or a model folder.'),
) -> None:
    """Build the fine-tuning set from the indexed documents: Q/A pairs, paraphrases, RAFT examples -> synth/."""
    from ragtune.synth.session import synthesize

    proj = open_project(project)
    if teacher is not None:
        proj.settings.synth = proj.settings.synth.model_copy(update={"teacher": teacher})
    with stage_progress(lambda stage: f"{stage} (teacher)") as (_, progress):
        with err.status("Loading models..."):
            _ = proj.index
        training_set, files = synthesize(proj, progress)
    table = Table(title="Training data by strategy")
    for col in ("strategy", "asked", "parsed", "valid", "kept", "seconds", "most common rejection"):
        table.add_column(col)
    for y in training_set.yields.values():
        reason = max(y.rejected.items(), key=lambda kv: kv[1]) if y.rejected else None
        table.add_row(y.strategy, str(y.asked), str(y.parsed), str(y.valid), str(y.kept), f"{y.seconds:.1f}",
                      f"{reason[0]} ({reason[1]})" if reason else "")
    console.print(table)
    for note in training_set.pilot_notes():
        console.print(f"pilot: {note}")
    resumed = sum(y.resumed for y in training_set.yields.values())
    if resumed:
        console.print(f"{resumed} teacher completions resumed from {proj.settings.synth_dir / 'progress'}")
    counts = training_set.report()["counts"]
    console.print(f"{counts['train_pairs']} training pairs, {counts['val_pairs']} validation pairs, "
                  f"{counts['paraphrase_pairs']} held-out rewordings, {counts['documents']} documents, "
                  f"{counts['raft_examples']} RAFT examples -> {proj.settings.synth_dir}")
    if counts["train_pairs"] == 0 and counts["documents"] == 0:
        fail("no training data was produced; check the documents or set [synth] extractive = \"all\".")
    console.print("Next: [bold]ragtune tune[/]" + (" (or ragtune tune --raft)" if counts["raft_examples"] else ""))


def tune(
    project: Path = ProjectOpt,
    raft: bool = typer.Option(False, "--raft", help="Train on the RAFT examples (for the raft variant)."),
    task_file: Optional[Path] = typer.Option(None, "--task", help="Train on this task's training examples (JSONL; "
                                             "for the task-ft variant); test examples are never trained on."),
    with_passages: bool = typer.Option(False, "--with-passages", help="With --task: put each input's retrieved "
                                       "passages in the prompt (for the task-ft+rag variant)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Chat JSONL to train on (default: synth/train.jsonl)."),
    val: Optional[Path] = typer.Option(None, "--val", help="Chat JSONL for validation loss (default: synth/val.jsonl)."),
    run: Optional[str] = typer.Option(None, "--run", help="Run id (default: <kind>-<date>-<time>)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the newest unfinished run (or --run ID) from its checkpoint."),
    epochs: Optional[int] = typer.Option(None, help="Train exactly this many epochs (default: [tune] epochs, "
                                         "unset = 3 to 10, until an epoch stops raising training-answer accuracy)."),
    max_steps: Optional[int] = typer.Option(None, help="Stop after this many optimizer steps."),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", help="Plan the run to fit this many minutes "
                                                "(from a step time measured before step 1); overrides [tune] max_minutes."),
    rank: Optional[int] = typer.Option(None, help="Override [tune] rank."),
    learning_rate: Optional[float] = typer.Option(None, "--lr", help="Override [tune] learning_rate."),
    retriever: bool = typer.Option(False, "--retriever", help="Fine-tune the embedder instead, on the synth "
                                   "question-chunk pairs (for the rag-ftr and ft+rag-ftr variants)."),
) -> None:
    """LoRA fine-tune the generator on the synth data; the adapter goes to runs/<id>/adapter/. Runs on several
    processes under `torchrun --nproc_per_node N` or `accelerate launch` (data parallel; rank 0 reports)."""
    from ragtune.tune.distributed import detect_world
    from ragtune.tune.session import tune_project

    if detect_world().rank:  # every launched process runs this command: one report, not one per process
        console.quiet = err.quiet = True
    proj = open_project(project)
    if retriever:
        if raft or task_file or with_passages or data or val or max_steps or max_minutes or rank:
            fail("--retriever trains the embedder on synth/train_questions.jsonl; it takes --run, --resume, "
                 "--epochs and --lr only.")
        return _tune_retriever(proj, run, resume, epochs, learning_rate)
    overrides = {k: v for k, v in {"epochs": epochs, "max_steps": max_steps, "max_minutes": max_minutes, "rank": rank,
                                   "learning_rate": learning_rate}.items() if v is not None}
    if resume and overrides:
        fail("--resume continues with the run's own settings; drop " + ", ".join(f"--{k}" for k in overrides))
    try:
        cfg = dataclasses.replace(proj.settings.tune, **overrides)
    except ValueError as e:  # TuneConfig checks the overridden values (e.g. --rank 0) as pydantic checks the file
        fail(str(e))
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                   TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True)
    task = bar.add_task("Training", total=None, info="")
    status = err.status("Loading the model and timing a training step...")

    def on_plan(plan) -> None:  # before step 1: the plan, then the bar
        status.stop()
        console.print(f"Plan: {plan.note}", markup=False, highlight=False)
        bar.start()

    def progress(p) -> None:
        val_part = f" val {p.val_loss:.3f}" if p.val_loss is not None else ""
        bar.update(task, completed=p.step, total=p.total_steps,
                   info=f"loss {p.loss:.3f}{val_part} | {p.tokens_per_s:.0f} tok/s")

    try:
        status.start()
        _ = proj.base_model_path()
        info, result = tune_project(proj, raft=raft, train=data, val=val, run=run, resume=resume, cfg=cfg,
                                    progress=progress, on_plan=on_plan,
                                    task=str(task_file.resolve()) if task_file else None, with_passages=with_passages)
    except KeyboardInterrupt:
        again = " --raft" if raft else (f" --task {task_file}" + (" --with-passages" if with_passages else "")
                                         if task_file else "")
        fail("interrupted; continue from the last checkpoint with `ragtune tune --resume`" + again, code=130)
    finally:
        status.stop()
        bar.stop()
    last = result.train_loss[-1][1] if result.train_loss else float("nan")
    best = f", best validation loss {result.best_val_loss:.3f}" if result.best_val_loss is not None else ""
    console.print(f"Run [bold]{info.id}[/]: {result.steps} steps, final loss {last:.3f}{best}, "
                  f"{result.tokens_per_s:.0f} tokens/s, {result.wall_s:.0f} s.")
    if result.stop_reason and result.plan is not None and result.steps < result.plan.steps:
        console.print(f"Stopped at step {result.steps} of {result.plan.steps}: {result.stop_reason}.", markup=False)
    timing = json.loads(result.card_path.read_text())["time"]
    console.print(f"Training took {seconds_text(timing['actual_s'])} against an estimate of "
                  f"{seconds_text(timing['estimated_s_run'])} for the steps it ran.")
    console.print(f"Adapter: {result.adapter_dir}\nCard: {result.card_path}")
    variant = "raft" if raft else ("task-ft+rag" if with_passages else "task-ft") if task_file else "ft"
    console.print(f'Next: [bold]ragtune ask "..." --variant {variant}[/]')
    _endpoint_note(proj, "raft" if raft else ("task-rag" if with_passages else "task") if task_file else "ft")


def _endpoint_note(proj, kind: str) -> None:
    """Variants whose endpoint serves this kind of adapter answer with the old one until it is served there."""
    from ragtune.variants import project_variants

    remote = [v for v in project_variants(proj.settings).values() if v.remote and v.adapter_kind == kind]
    for v in remote:
        console.print(f"Note: {v.name} answers with {v.generator} at {v.api_base or proj.settings.models.api_base}; "
                      "serve this new adapter there (`ragtune export --vllm`, or restart `ragtune serve`).",
                      markup=False, style="dim")


def export(
    merged: Optional[Path] = typer.Option(None, "--merged", help="Folder to write the merged model to (must be new "
                                          "or empty)."),
    vllm: bool = typer.Option(False, "--vllm", help="Print the `vllm serve` command that serves the base model and "
                              "this project's adapters as they are (weights-base, weights-ft, ...)."),
    run: Optional[str] = typer.Option(None, "--run", help="Run id (default: the newest finished ft run)."),
    raft: bool = typer.Option(False, "--raft", help="Export the newest raft run instead of ft."),
    project: Path = ProjectOpt,
) -> None:
    """Merge a run's LoRA adapter into the base model (a plain Hugging Face folder, loadable without peft), or
    print the vLLM command that serves the adapters as they are (--vllm)."""
    from ragtune.tune.session import export_run, vllm_serve_command

    if merged is None and not vllm:
        fail("say what to export: --merged DIR (a merged model folder) or --vllm (the vLLM command)")
    proj = open_project(project)
    if vllm:
        console.print(vllm_serve_command(proj), markup=False, soft_wrap=True)
        console.print("Then name a weights model as a variant's generator, e.g. [variants.ft-endpoint] generator = "
                      "\"openai:weights-ft\", adapter = \"ft\", api_base = \"http://HOST:8000/v1\" (README, Models).",
                      markup=False, style="dim")
    if merged is not None:
        with err.status("Merging..."):
            out = export_run(proj, merged, run, kind="raft" if raft else "ft")
        console.print(f"Merged model written to {out}")


def _tune_retriever(proj, run: str | None, resume: bool, epochs: int | None, lr: float | None) -> None:
    from ragtune.tune.retriever import RetrieverConfig
    from ragtune.tune.retriever_run import tune_retriever

    cfg = RetrieverConfig(**{k: v for k, v in {"epochs": epochs, "lr": lr}.items() if v is not None})
    with stage_progress() as (_, progress):
        try:
            info, card = tune_retriever(proj, run=run, resume=resume, cfg=None if resume else cfg,
                                        progress=lambda s, t, loss: progress("Training the retriever", s, t),
                                        index_progress=lambda d, t: progress("Embedding the chunks", d, t))
        except KeyboardInterrupt:
            fail("interrupted; continue from the last checkpoint with `ragtune tune --retriever --resume`", code=130)
    console.print(f"Run [bold]{info.id}[/]: {card['pairs']} pairs, {card['steps']} steps in "
                  f"{seconds_text(card['seconds'])}, loss {card['loss_first']:.3f} -> {card['loss_last']:.3f}; "
                  f"{card['chunks']} chunks embedded in {seconds_text(card['index_s'])}.")
    console.print("Next: [bold]ragtune eval[/] compares rag-ftr (and ft+rag-ftr) with the others.")
