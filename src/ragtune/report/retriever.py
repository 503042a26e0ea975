"""The fine-tuned retriever: what it found that the project's embedder did not, and what training it cost
(summary.json's `retrievers`, from `ragtune.evaluate.retriever_gain`)."""

from __future__ import annotations

from ragtune import numbers as fmt
from ragtune.report.data import RunData
from ragtune.report.elements import Cell, Section, Table, row

STAGES = (("synth_s", "synthesis"), ("mining_s", "mining negatives"), ("train_s", "training"),
          ("index_s", "embedding the corpus"))


def retriever_section(run: RunData) -> Section:
    title = "The fine-tuned retriever"
    gains = run.summary.retrievers
    if not gains:
        return Section("retriever", title, missing="no fine-tuned retriever in this run: `ragtune synth`, "
                       "`ragtune tune --retriever`, then `ragtune eval --variants rag,rag-ftr` measures it "
                       "against the project's embedder.")
    rows, runs, notes = [], [], []
    for variant, g in gains.items():
        if not g.get("metrics"):
            notes.append(f"{variant} has no twin in this run to compare with (add "
                         f"{variant.removesuffix('-ftr')} to `--variants`).")
        for metric, m in (g.get("metrics") or {}).items():
            d = m["difference"]
            rows.append(row(f"{variant} vs {g['against']}", metric, Cell(fmt.ci(m["base"]), "num"),
                            Cell(fmt.ci(m["fine_tuned"]), "num"), Cell(_points(d), "num"), _verdict(d)))
        card = g.get("card")
        if card is None:
            notes.append(f"The training card of {g['run']} is gone (run folder removed), so its cost is unknown.")
        elif g["run"] not in [r[0].text for r in runs]:
            total = sum(card.get(k) or 0 for k, _ in STAGES)
            runs.append(row(g["run"], Cell(str(card.get("pairs", fmt.DASH)), "num"),
                            Cell(str(card.get("steps", fmt.DASH)), "num"),
                            *(Cell(fmt.seconds(card.get(k)), "num") for k, _ in STAGES),
                            Cell(fmt.seconds(total), "num")))
    columns = ("pair", "metric", "project's embedder", "fine-tuned", "difference (95 % CI)", "verdict")
    tables = [Table("table-retriever-gain", columns, tuple(rows),
                    "Paired over the questions both variants answered; the gain is real when its CI excludes 0.")]
    if runs:
        tables.append(Table("table-retriever-cost", ("run", "pairs", "steps", *(label for _, label in STAGES),
                                                     "a retrain"), tuple(runs),
                            "Wall time on the machine that trained it; a retrain after a document update "
                            "repeats every stage, and the cost section counts it in the update cost."))
    return Section("retriever", title, paragraphs=(
        "The `-ftr` variants retrieve with the project's embedder fine-tuned on its synthetic question–passage "
        "pairs (`ragtune tune --retriever`); each is compared with the same variant reading the project's own "
        "index, so the difference is the retriever's alone.",), tables=tuple(tables), notes=tuple(notes))


def _points(d: dict) -> str:
    if d.get("diff") is None:
        return fmt.DASH
    return f"{100 * d['diff']:+.1f} pts ({100 * d['low']:+.1f} to {100 * d['high']:+.1f})"


def _verdict(d: dict) -> Cell:
    if d.get("low") is not None and d["low"] > 0:
        return Cell("fine-tuned better", "ok")
    if d.get("high") is not None and d["high"] < 0:
        return Cell("fine-tuned worse", "bad")
    return Cell("no significant difference")
