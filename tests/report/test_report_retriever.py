"""The fine-tuned retriever's gain and training cost: summary.json's `retrievers` (computed from the records by
ragtune.evaluate.retriever_gain) and the report section that shows them."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

from bs4 import BeautifulSoup

from report_runs import K, QUESTIONS, record, write_run
from ragtune.evaluate.metrics import retrieval_metrics
from ragtune.evaluate.results import read_manifest, read_results, read_summary, write_summary
from ragtune.evaluate.retriever_gain import retriever_gains, twin_of
from ragtune.report import write_report
from ragtune.runs import CARD, RUN_FILE
from ragtune.variants import VARIANTS

ANSWERABLE = [q for q in QUESTIONS if q[4]]
DEFINITIONS = {v: asdict(VARIANTS[v]) for v in ("base", "rag", "rag-ftr", "ft+rag", "ft+rag-ftr")}


def test_the_twin_is_the_same_variant_reading_the_projects_index():
    assert twin_of("rag-ftr", DEFINITIONS) == "rag"
    assert twin_of("ft+rag-ftr", DEFINITIONS) == "ft+rag"
    assert twin_of("rag-ftr", {k: v for k, v in DEFINITIONS.items() if k != "rag"}) is None
    custom = DEFINITIONS | {"rag-k9": asdict(replace(VARIANTS["rag"], name="rag-k9", top_k=9))}
    assert twin_of("rag-ftr", {k: v for k, v in custom.items() if k != "rag"}) is None  # top_k differs


def ftr_run(tmp_path, *, many: int = 1):
    """rag retrieves the relevant document first for the first question only; rag-ftr for every question."""
    records = []
    for copy in range(many):
        for i, (qid, question, gold, _old, sources, tags) in enumerate(ANSWERABLE):
            for variant, first in (("rag", i == 0), ("rag-ftr", True)):
                rec = record(f"{qid}-{copy}", question, gold, [], sources, tags, "rag", gold[0], changed=False)
                docs = ([sources[0]] if first else []) + ["other.md", "faq2.md", "x.md"]
                rec["retrieved"] = [{"rank": n + 1, "chunk_id": f"{d}#0", "doc_id": d} for n, d in enumerate(docs)]
                rec["variant"] = variant
                rec["metrics"] |= retrieval_metrics(docs, sources, K)
                records.append(rec)
    run = write_run(tmp_path / "eval-ftr", records, ["rag", "rag-ftr"])
    retriever = tmp_path / "runs" / "retriever-1"
    retriever.mkdir(parents=True)
    synth = tmp_path / "synth"
    synth.mkdir()
    (synth / "train_questions.jsonl").write_text("")
    (synth / "synth_report.json").write_text(json.dumps({"seconds": 380.0}))
    (retriever / RUN_FILE).write_text(json.dumps({"kind": "retriever", "status": "done",
                                                  "data": {"train": str(synth / "train_questions.jsonl")}}))
    (retriever / CARD).write_text(json.dumps({"pairs": 1896, "steps": 60, "train_s": 746.0, "mining_s": 6.4,
                                              "index_s": 109.9, "wall_s": 862.4, "model": "/somewhere"}))
    manifest = json.loads((run / "manifest.json").read_text())
    manifest |= {"variant_definitions": {v: DEFINITIONS[v] for v in ("rag", "rag-ftr")},
                 "retrievers": {"rag-ftr": str(retriever)}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    gains = retriever_gains(read_results(run), read_manifest(run), K, resamples=500)
    write_summary(run, replace(read_summary(run), retrievers=gains))
    return run


def test_gain_is_paired_against_the_twin_with_the_training_card(tmp_path):
    run = ftr_run(tmp_path, many=6)
    gains = read_summary(run).retrievers  # as written and read back
    g = gains["rag-ftr"]
    assert g["against"] == "rag" and g["run"] == "retriever-1"
    hit = g["metrics"][f"hit@{K}"]
    n = 6 * len(ANSWERABLE)
    assert hit["fine_tuned"]["value"] == 1.0 and abs(hit["base"]["value"] - 6 / n) < 1e-9
    d = hit["difference"]
    assert abs(d["diff"] - (1 - 6 / n)) < 1e-9 and d["low"] > 0 and d["n"] == n
    assert g["card"] == {"pairs": 1896, "steps": 60, "mining_s": 6.4, "train_s": 746.0, "index_s": 109.9,
                         "wall_s": 862.4, "synth_s": 380.0}


def test_report_shows_the_gain_and_what_a_retrain_costs(tmp_path):
    soup = BeautifulSoup(write_report(ftr_run(tmp_path, many=6)).read_text(encoding="utf-8"), "html.parser")
    section = soup.find("section", id="retriever")
    assert section.find(class_="missing") is None
    gain = [[td.get_text() for td in tr("td")] for tr in section.find("table", id="table-retriever-gain").tbody("tr")]
    assert gain[0][:2] == ["rag-ftr vs rag", f"hit@{K}"] and gain[0][-1] == "fine-tuned better"
    assert gain[0][4].startswith("+80.0 pts")  # 5 answerable questions: 1 of 5 found before
    cost = [td.get_text() for td in section.find("table", id="table-retriever-cost").tbody.tr("td")]
    assert cost[:3] == ["retriever-1", "1896", "60"]
    assert cost[3:] == ["6.3 min", "6.40 s", "12.4 min", "1.8 min", "20.7 min"]  # synthesis + mining + train + index


def test_report_says_how_to_measure_the_retriever_when_the_run_has_none(runs):
    section = BeautifulSoup(write_report(runs[0]).read_text(encoding="utf-8"), "html.parser").find(
        "section", id="retriever")
    assert "ragtune tune --retriever" in section.find(class_="missing").get_text()


def test_a_lone_ftr_variant_and_a_removed_run_are_explained(tmp_path):
    run = ftr_run(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["variant_definitions"].pop("rag")
    (run / "manifest.json").write_text(json.dumps(manifest))
    for f in (tmp_path / "runs" / "retriever-1").iterdir():
        f.unlink()
    gains = retriever_gains(read_results(run), read_manifest(run), K)
    assert gains["rag-ftr"]["card"] is None and "metrics" not in gains["rag-ftr"]
    write_summary(run, replace(read_summary(run), retrievers=gains))
    text = BeautifulSoup(write_report(run).read_text(encoding="utf-8"), "html.parser").find(
        "section", id="retriever").get_text()
    assert "no twin in this run" in text and "training card of retriever-1 is gone" in text
