"""`ragtune init`, `ingest`, `ask` and `status`: a project, its index, and one answer at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ragtune.cli.terminal import ProjectOpt, console, err, fail, open_project


def init(directory: Path = typer.Argument(..., help="Directory to create the project in.")) -> None:
    """Create a project: writes DIRECTORY/ragtune.toml with documented defaults."""
    from ragtune.config import write_default_config

    path = write_default_config(directory)
    console.print(f"Created {path}. Next: [bold]cd {directory} && ragtune ingest PATH[/]")


def ingest(
    path: Path = typer.Argument(..., help="Folder of documents (.txt .md .html .pdf .jsonl) or one file."),
    project: Path = ProjectOpt,
    strict: bool = typer.Option(False, help="Exit with code 2 if any file was skipped."),
    rebuild: bool = typer.Option(False, help="Empty the index first (after changing the embedder or chunking)."),
    engine: str = typer.Option("local", help="local, or ray: parse, chunk and embed on a Ray cluster "
                               "(pip install 'ragtune[scale]'); the index is the same either way."),
    address: Optional[str] = typer.Option(None, help="With --engine ray: the cluster's address "
                                          "(default: $RAY_ADDRESS, else a local Ray on this machine)."),
    actors: Optional[int] = typer.Option(None, min=1, help="With --engine ray: embedding actors "
                                         "(default: one per GPU, else one per node)."),
) -> None:
    """Sync the index to the documents under PATH: new and changed ones are embedded, removed ones deleted."""
    from ragtune.index.engine import check_engine

    proj = open_project(project)
    if not path.exists():
        fail(f"{path} does not exist")
    check_engine(engine, address, actors)  # before the models load: a missing Ray is said at once
    with Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True,
    ) as bar:
        task = bar.add_task("Embedding chunks", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with err.status("Loading models..."):
            _ = proj.embedder
            if not rebuild:
                _ = proj.index
        report = proj.ingest(path, rebuild=rebuild, progress=progress, engine=engine, address=address, actors=actors)
    print_skipped(report.load)
    print_encodings(report.load)
    s = report.sync
    console.print(
        f"Indexed {len(report.load.documents)} documents: {len(s.added)} added, {len(s.changed)} changed, "
        f"{len(s.removed)} removed, {len(s.unchanged)} unchanged; {s.chunks_embedded} chunks embedded "
        f"in {s.seconds:.1f}s (table version {s.version})."
    )
    if report.load.skipped and strict:
        raise typer.Exit(2)


def print_skipped(loaded) -> None:
    """The files ingest could not read, with the reason, on stderr."""
    if not loaded.skipped:
        return
    table = Table(title=f"{len(loaded.skipped)} file(s) skipped", title_style="bold yellow")
    table.add_column("file")
    table.add_column("reason")
    for s in loaded.skipped:
        table.add_row(s.path, s.reason)
    err.print(table)


def print_encodings(loaded) -> None:
    """The files read in another encoding than UTF-8, on stderr: a detected encoding can be wrong, so the user
    checks them (or saves them as UTF-8)."""
    if not loaded.encodings:
        return
    table = Table(title=f"{len(loaded.encodings)} file(s) not in UTF-8, read as", title_style="bold")
    table.add_column("file")
    table.add_column("encoding")
    for path, encoding in sorted(loaded.encodings.items()):
        table.add_row(path, encoding)
    err.print(table)


def ask(
    question: str = typer.Argument(..., help="The question."),
    variant: str = typer.Option("rag", "--variant", "-v", help="base, rag, ft, ft+rag, raft (ft/raft need `ragtune tune`), or one of your [variants.*]."),
    retriever: Optional[str] = typer.Option(None, "--retriever", "-r", help="dense, bm25 or hybrid (default: from ragtune.toml)."),
    k: Optional[int] = typer.Option(None, "-k", help="Passages to retrieve (default: from ragtune.toml)."),
    filters: list[str] = typer.Option([], "--filter", "-f", help="Metadata filter, e.g. path^=policies/ or category=faq (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer, passages, citations and timings as JSON."),
    run: Optional[str] = typer.Option(None, "--run", help="Training run whose adapter ft/ft+rag/raft use (default: newest)."),
    project: Path = ProjectOpt,
) -> None:
    """Answer QUESTION with a variant; rag, ft+rag and raft retrieve passages and cite them by number."""
    from ragtune.variants import answerer

    proj = open_project(project)
    with err.status("Thinking..."):
        answer = answerer(proj, variant, run=run, retriever=retriever, top_k=k, filters=filters).answer([question])[0]
    if as_json:
        print(json.dumps(answer_to_json(answer, variant), indent=2, ensure_ascii=False))
        return
    console.print(answer.text)
    if answer.passages:
        table = Table(title="Passages", show_lines=False)
        for col in ("n", "document", "score", "cited"):
            table.add_column(col)
        for n, hit in enumerate(answer.passages, start=1):
            where = hit.doc_id + (f" p.{hit.metadata['page']}" if hit.metadata.get("page") else "")
            how = {c.number: c.source for c in answer.citations}.get(n)
            table.add_row(str(n), where, f"{hit.score:.3f}", {"model": "yes", "attributed": "attributed"}.get(how, ""))
        console.print(table)
    t = answer.timings
    console.print(
        f"[dim]{answer.completion.prompt_tokens} prompt + {answer.completion.completion_tokens} generated tokens; "
        f"retrieval {t['retrieval_s'] * 1000:.0f} ms, generation {t['generation_s']:.2f} s[/]"
    )


def answer_to_json(answer, variant: str) -> dict:
    """`ragtune ask --json`: the answer, its citations and passages, tokens and timings."""
    c = answer.completion
    return {
        "question": answer.question,
        "variant": variant,
        "answer": answer.text,
        "citations": [
            {"n": x.number, "doc_id": x.doc_id, "chunk_id": x.chunk_id, "page": x.page, "source": x.source}
            for x in answer.citations
        ],
        "invalid_citations": list(answer.invalid_citations),
        "passages": [
            {"n": n, "chunk_id": h.chunk_id, "doc_id": h.doc_id, "score": h.score, "ranks": h.ranks, "text": h.text}
            for n, h in enumerate(answer.passages, start=1)
        ],
        "tokens": {"prompt": c.prompt_tokens, "completion": c.completion_tokens},
        "timings": answer.timings,
        "model": c.model,
    }


def status(project: Path = ProjectOpt) -> None:
    """Show the index: documents, chunks, table version and models."""
    from ragtune.models import dtype_status
    from ragtune.runs import list_training_runs

    proj = open_project(project)
    m = proj.settings.models
    dtypes = dtype_status(m)  # loads no model: the verdict measured at first use, or "not measured yet"
    table = Table(show_header=False)
    table.add_row("project", str(proj.settings.root.resolve()))
    table.add_row("embedder", m.embedder)
    table.add_row("embedder dtype", dtypes["embedder"])
    table.add_row("generator", m.generator)
    table.add_row("generator dtype", dtypes["generator"])
    table.add_row("index", proj.settings.index_uri)
    if not proj.has_index():
        table.add_row("index", "empty (run `ragtune ingest PATH`)")
    else:
        stats = proj.index.stats()
        table.add_row("documents", str(stats.documents))
        table.add_row("chunks", str(stats.chunks))
        table.add_row("table version", str(stats.version))
    for run in list_training_runs(proj.settings.runs_dir):
        table.add_row(f"run {run.id}", f"{run.kind}, {run.status}" + (" (resume with `ragtune tune --resume`)"
                                                                       if run.status != "done" else ""))
    console.print(table)
