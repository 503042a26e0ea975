"""`ragtune tune --retriever` over a project: a `retriever-<time>` run folder holding the fine-tuned embedder
(`retriever/`), its training card and the chunks it embedded (`index/`, synced with the project's index by
every later `ragtune ingest`). The `rag-ftr` and `ft+rag-ftr` variants read that index. Under `torchrun` every
rank trains; rank 0 alone mines the pairs, writes the run folder and builds its index."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from ragtune.corpus import load_corpus
from ragtune.errors import ProjectError, TuneError
from ragtune.project import Project
from ragtune.questions import load_questions
from ragtune.runs import (CARD, RETRIEVER_DIR, TrainingRun, file_hash, find_training_run, new_run_id,
                          read_training_run, write_json, write_training_run)
from ragtune.tune.distributed import from_main, join_world, rank_device
from ragtune.tune.retriever import RetrieverConfig, mine_triples, train_retriever

KIND = "retriever"


def embedder_path(proj: Project) -> Path:
    """The local sentence-transformers folder of the project's embedder (what the retriever starts from)."""
    spec = proj.settings.models.embedder
    if spec.startswith("openai:"):
        raise ProjectError(f"[models] embedder = {spec!r} is a remote endpoint; fine-tuning the retriever needs "
                           "local weights (\"minilm\" or a sentence-transformers folder).")
    if spec == "minilm":
        from ragtune.models.packaged import packaged_embedder_path

        return packaged_embedder_path()
    return proj.path(spec)


def tune_retriever(proj: Project, *, run: str | None = None, resume: bool = False,
                   cfg: RetrieverConfig | None = None, progress: Callable[[int, int, float], None] | None = None,
                   index_progress: Callable[[int, int], None] | None = None) -> tuple[TrainingRun, dict]:
    """Train the retriever on `synth/train_questions.jsonl`, then embed the corpus with it; returns the run and
    its training card (pairs, steps, loss, training and indexing seconds)."""
    from sentence_transformers import SentenceTransformer

    runs = proj.settings.runs_dir
    world = join_world()
    if resume:
        info = find_training_run(runs, KIND, run, done=False) if run is None else read_training_run(runs / run)
        if info.status == "done":
            raise ProjectError(f"run {info.id} already finished; start a new one without --resume.")
        record = info.record
        if file_hash(Path(record["data"]["train"])) != record["data"]["train_hash"]:
            raise ProjectError(f"{record['data']['train']} changed since run {info.id} started; start a new run.")
        cfg = RetrieverConfig(**record["config"])
    else:
        cfg = cfg or RetrieverConfig()
        train = proj.settings.synth_dir / "train_questions.jsonl"
        if not train.is_file():
            raise ProjectError(f"{train} not found: run `ragtune synth` (it writes the question-chunk pairs the "
                               "retriever trains on).")
        record = {"kind": KIND, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "status": "running",
                  "base_model": proj.settings.models.embedder,
                  "data": {"train": str(train.resolve()), "train_hash": file_hash(train)}, "config": asdict(cfg)}
        info = read_training_run(runs / from_main(lambda: _new_run(runs, run, record), world))
    folder = proj.ingested_folder()
    if folder is None:
        raise ProjectError("the retriever's index is built from the folder last ingested, and there is none: "
                           "run `ragtune ingest FOLDER` first.")
    questions = load_questions(record["data"]["train"])
    triples, mined = from_main(lambda: _mined(proj, questions, cfg), world)  # every rank trains on rank 0's pairs
    device = proj.settings.models.device
    if world.size > 1:
        from ragtune.models.device import resolve_device

        device = rank_device(resolve_device(device), world)
    model = SentenceTransformer(str(embedder_path(proj)), device=None if device == "auto" else device,
                                local_files_only=True)
    trained = train_retriever(model, triples, info.path, cfg, progress=progress)
    card = from_main(lambda: _index_and_card(proj, info, record, trained, len(questions), mined, folder,
                                             index_progress), world)
    return read_training_run(info.path), card


def _new_run(runs: Path, run: str | None, record: dict) -> str:
    run_id = run or new_run_id(KIND, runs)
    write_training_run(runs / run_id, record)
    return run_id


def _mined(proj: Project, questions, cfg: RetrieverConfig) -> tuple[list, float]:
    start = time.perf_counter()
    return mine_triples(proj.index, questions, limit=cfg.max_pairs, seed=cfg.seed), time.perf_counter() - start


def _index_and_card(proj: Project, info: TrainingRun, record: dict, trained: dict, questions: int, mined: float,
                    folder: Path, index_progress) -> dict:
    """The run marked done, its index embedded with the trained model, its card written."""
    started = time.perf_counter()
    card = trained | {"questions": questions, "mining_s": round(mined, 1), "base_model": record["base_model"]}
    write_training_run(info.path, {**record, "status": "done", "steps": trained["steps"]})  # now it opens
    try:
        index = proj.retriever_index(info.id)
        report = index.sync(load_corpus(folder).documents, proj.chunker(), progress=index_progress)
    except Exception:
        write_training_run(info.path, {**record, "status": "running"})  # the index is part of the run
        raise
    index_s = time.perf_counter() - started
    # wall_s and train_s as a LoRA card has them, so the cost model prices a retrain the same way
    card |= {"index_s": round(index_s, 1), "chunks": report.chunks_embedded, "folder": str(folder),
             "model": str(info.path / RETRIEVER_DIR), "train_s": trained["seconds"],
             "wall_s": round(mined + trained["seconds"] + index_s, 1)}
    write_json(info.path / CARD, card)
    if not (info.path / RETRIEVER_DIR).is_dir():
        raise TuneError(f"{info.path / RETRIEVER_DIR} was not written.")
    return card
