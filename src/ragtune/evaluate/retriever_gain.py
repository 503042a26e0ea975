"""summary.json's `retrievers`: what fine-tuning the retriever bought, and what it cost to train.

A variant that reads the fine-tuned retriever's index (`rag-ftr`, `ft+rag-ftr`) is compared with the run's
variant that is the same but for the index (`rag`, `ft+rag`): same generator, adapter and prompt, so any
difference in hit@k and MRR@k is the retriever's. The difference is a paired bootstrap over the questions
both answered (its 95 % CI says whether the gain is more than chance); next to it, the retriever run's
training card (pairs, steps, seconds of mining, training and indexing) and the synthesis it trained on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from ragtune.evaluate.results import Manifest, ResultRecord
from ragtune.evaluate.stats import bootstrap_ci, paired_bootstrap
from ragtune.runs import CARD, RUN_FILE, read_json

MEASURED = ("hit", "mrr")  # hit@k: the generator saw a relevant passage; MRR@k: how high it ranked
CARD_FIELDS = ("pairs", "steps", "epochs", "mining_s", "train_s", "index_s", "wall_s", "chunks", "loss_first",
               "loss_last")


def twin_of(variant: str, definitions: Mapping[str, Mapping]) -> str | None:
    """The run's variant defined exactly like `variant` except that it reads the project's own index."""
    def rest(d: Mapping) -> dict:
        return {k: v for k, v in d.items() if k not in ("name", "index")}

    mine = definitions.get(variant)
    if mine is None:
        return None
    return next((name for name, d in definitions.items()
                 if name != variant and not d.get("index") and rest(d) == rest(mine)), None)


def retriever_card(run_path: Path) -> dict | None:
    """The retriever run's training card (the fields the report shows) and the seconds of the synthesis it
    trained on (a retrain re-runs both); None if the run folder is gone."""
    run_path = Path(run_path)
    if not (run_path / CARD).is_file():
        return None
    card = read_json(run_path / CARD)
    out = {k: card[k] for k in CARD_FIELDS if k in card}
    train = (read_json(run_path / RUN_FILE).get("data") or {}).get("train") if (run_path / RUN_FILE).is_file() \
        else None
    synth_report = Path(train).parent / "synth_report.json" if train else None
    if synth_report is not None and synth_report.is_file():
        out["synth_s"] = read_json(synth_report).get("seconds")
    return out


def retriever_gains(records: Sequence[ResultRecord], manifest: Manifest, k: int, *,
                    seed: int = 0,
                    resamples: int = 2000) -> dict | None:
    """Per fine-tuned-retriever variant in the run: its twin, the paired differences on hit@k and MRR@k, both
    variants' values, and the training card; None when the run has no such variant."""
    out: dict = {}
    by_q: dict[str, dict[str, Mapping]] = {}
    for r in records:
        by_q.setdefault(r.variant, {})[r.question_id] = r.metrics
    for v, run_path in manifest.retrievers.items():
        if v not in by_q:
            continue
        entry: dict = {"run": Path(run_path).name, "card": retriever_card(Path(run_path))}
        twin = twin_of(v, manifest.variant_definitions)
        if twin is not None and twin in by_q:
            shared = sorted(set(by_q[v]) & set(by_q[twin]))
            entry["against"] = twin
            entry["metrics"] = {}
            for m in (f"{name}@{k}" for name in MEASURED):
                a = [by_q[v][q].get(m) for q in shared]
                b = [by_q[twin][q].get(m) for q in shared]
                if not any(x is not None for x in a):
                    continue
                entry["metrics"][m] = {
                    "fine_tuned": bootstrap_ci(a, seed=seed, resamples=resamples).to_json(),
                    "base": bootstrap_ci(b, seed=seed, resamples=resamples).to_json(),
                    "difference": paired_bootstrap(a, b, names=(v, twin), seed=seed, resamples=resamples).to_json()}
        out[v] = entry
    return out or None
