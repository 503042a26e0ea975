"""The tables of an evaluation question set (`ragtune questions`, `ragtune eval` without a question file):
what each generator made and each filter dropped, and the set's bias."""

from __future__ import annotations

from rich import box
from rich.table import Table

from ragtune.cli.terminal import console
from ragtune.numbers import decimal


def stale_note(report: dict, version: int) -> None:
    built_on = report.get("corpus_version")
    if built_on is not None and built_on != version:
        console.print(f"note: built on index version {built_on}, the index is now at {version}; "
                      "`ragtune questions --rebuild` asks about the documents as they are now.", markup=False,
                      highlight=False)


def print_question_report(report: dict) -> None:
    """Per generator: made, dropped by each filter, kept, chosen; then the chosen set's bias figures."""
    gens, bias = report.get("generators") or {}, report.get("bias") or {}
    if not gens:
        return
    filters = list(dict.fromkeys(f for t in gens.values() for f in t["dropped"]))
    table = Table(title=f"{report.get('questions', '?')} questions from {report.get('chunks', '?')} chunks: made, "
                        "dropped by each filter, kept, chosen", box=box.SIMPLE_HEAD, padding=(0, 1),
                  collapse_padding=True)
    for col in ("generator", "made", *(_two_lines(f) for f in filters), "kept", "chosen"):
        table.add_column(col, no_wrap=True)  # "held-\nout": a filter's name on two lines keeps 80 columns
    for g, t in gens.items():
        table.add_row(g, str(t["candidates"]), *(str(t["dropped"].get(f, 0)) for f in filters), str(t["kept"]),
                      str(t["chosen"]))
    console.print(table)
    table = Table(title="Bias of the chosen questions (docs/metrics.md)", box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ("generator", "n", "word\noverlap", "BM25\nrank 1", "answer in\ntraining", "in a\npair"):
        table.add_column(col, no_wrap=True)
    for g, b in bias.items():
        table.add_row(g, str(b["n"]), decimal(b.get("lexical_overlap")), decimal(b.get("bm25_top1")),
                      decimal(b.get("answer_in_training")), decimal(b.get("answer_in_training_pairs")))
    console.print(table)
    if not report.get("training"):
        console.print("note: no training set yet (`ragtune synth`): the held-out split still applies, but no "
                      "training question could be checked for copies.", markup=False, highlight=False)


def _two_lines(name: str) -> str:
    """A filter's name as a narrow header: "held-\nout", "answer-\nable"."""
    if "-" in name:
        return name.replace("-", "-\n", 1)
    return f"{name[:len(name) // 2 + 1]}-\n{name[len(name) // 2 + 1:]}" if len(name) > 7 else name
