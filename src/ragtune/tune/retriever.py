"""The embedder fine-tuned to the corpus (`ragtune tune --retriever`): the cheapest adaptation there is, a
22M-parameter model trained on CPU in minutes, and the articles' hybrid "fine-tune the retriever, keep a
general generator".

Data: the synthetic (question, chunk) pairs of the training facts (`synth/train_questions.jsonl`), each
with one hard negative mined from the index: the best dense hit from another document (what the embedder
confuses today). Loss: sentence-transformers' MultipleNegativesRankingLoss, each question against its
chunk, every other chunk of the batch and every hard negative (LlamaIndex's recipe reports +5-10 % hit rate
for a small embedder on synthetic pairs). A manual loop over the library's loss, so nothing needs the
`datasets` package; a checkpoint every `save_every` steps (weights, optimizer, RNG, position) lets a killed
run continue where it stopped.

Under `torchrun` or `accelerate launch` each rank embeds an equal, contiguous slice of every batch, the loss
gathers the other ranks' embeddings (sentence-transformers' `gather_across_devices`), so every question still
meets the whole batch's chunks as negatives, and the gradients are averaged over ranks: the step one process
takes on the whole batch. A batch is cut to a multiple of the number of processes for that.
"""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from ragtune.errors import TuneError
from ragtune.index import ChunkIndex
from ragtune.questions import Question
from ragtune.tune.checkpoint import restore_rng_state, rng_state
from ragtune.tune.distributed import (World, all_sum, check_world_size, even_shard, from_main, gather, join_world,
                                      seed_rank, share_weights, sum_gradients)

MODEL_DIR = "retriever"
STATE = "retriever_state.pt"


@dataclass(frozen=True)
class Triple:
    question: str
    positive: str
    negative: str


@dataclass(frozen=True)
class RetrieverConfig:
    epochs: int = 1
    batch_size: int = 32
    lr: float = 2e-5
    warmup: float = 0.1  # share of the steps with a linearly rising learning rate
    scale: float = 20.0  # MNRL's similarity scale (sentence-transformers' default)
    seed: int = 0
    save_every: int = 50
    # A seeded sample of at most this many pairs: 63 steps of 32, minutes on 2 CPU cores (docs/benchmarks.md,
    # "The fine-tuned retriever"); None trains on all of them.
    max_pairs: int | None = 2000


def mine_triples(index: ChunkIndex, questions: Sequence[Question], depth: int = 10, *,
                 limit: int | None = None, seed: int = 0) -> list[Triple]:
    """(question, its chunk, the best dense hit of another document) for every question whose chunk is indexed
    (a seeded sample of `limit` of them); a chunk's title is embedded with its text, as the index embeds it."""
    rows = {r["id"]: r for r in index.scan(["id", "doc_id", "title", "text"]).to_pylist()}
    usable = [q for q in questions if q.chunk_id in rows]
    if limit is not None and len(usable) > limit:
        usable = random.Random(seed).sample(usable, limit)
    vectors = np.asarray(index.embedder.embed([q.question for q in usable]), dtype=np.float32) if usable else []
    triples = []
    for q, vector in zip(usable, vectors):
        found = _nearest(index, vector, depth)
        negative = next((rows[c] for c in found if c in rows and rows[c]["doc_id"] not in q.sources), None)
        if negative is not None:
            triples.append(Triple(q.question, passage_text(rows[q.chunk_id]), passage_text(negative)))
    return triples


def _nearest(index: ChunkIndex, vector: np.ndarray, depth: int) -> list[str]:
    """Chunk ids nearest to `vector`: in memory where the index has its snapshot, else Lance's search."""
    from ragtune.index.vectors import top_k

    snapshot = index.vector_snapshot()
    if snapshot is not None:
        ids = snapshot.rows.column("id")
        return [ids[i].as_py() for i, _ in top_k(snapshot, vector, depth)]
    hits = index.table.search(vector).distance_type("cosine").limit(depth).select(["id"]).to_arrow()
    return hits.column("id").to_pylist()


def passage_text(row: dict) -> str:
    return f"{row['title']}\n{row['text']}" if row.get("title") else row["text"]


def train_retriever(model, triples: Sequence[Triple], out: Path, cfg: RetrieverConfig = RetrieverConfig(), *,
                    progress: Callable[[int, int, float], None] | None = None) -> dict:
    """Fine-tune the SentenceTransformer `model` in place on `triples`; save it to `out/retriever`. A state file
    in `out` from an earlier, killed call with the same data resumes it. Returns the training record."""
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    if len(triples) < 2:
        raise TuneError(f"{len(triples)} training pairs for the retriever; it needs at least 2 (run `ragtune "
                        "synth` on more documents).")
    order = list(range(len(triples)))
    random.Random(cfg.seed).shuffle(order)
    if cfg.max_pairs is not None:
        order = order[:cfg.max_pairs]
    batches = [order[i:i + cfg.batch_size] for i in range(0, len(order), cfg.batch_size)]
    batches = [b for b in batches if len(b) > 1] or batches  # a batch of one has no in-batch negatives
    world = join_world()
    batches = _even_batches(batches, world)
    total = len(batches) * cfg.epochs
    model.train()
    share_weights(list(model.parameters()), world)
    seed_rank(cfg.seed, world)
    loss_fn = MultipleNegativesRankingLoss(model, scale=cfg.scale, **_gathered(MultipleNegativesRankingLoss, world))
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    warm = max(1, int(total * cfg.warmup))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    step, losses, start = 0, [], time.perf_counter()
    from_main(lambda: out.mkdir(parents=True, exist_ok=True), world)
    state_file = out / STATE
    if state_file.is_file():
        state = torch.load(state_file, weights_only=False)
        check_world_size(state.get("world_size", 1), world, f"the retriever run in {out}")
        if state["total"] != total or state["pairs"] != len(triples):
            raise TuneError(f"{state_file} belongs to another training set; remove it or start a new run.")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        restore_rng_state(state.get("rank_rng", [state["rng"]])[world.rank])
        step, losses = state["step"], state["losses"]
    device = next(model.parameters()).device
    while step < total:
        batch = [triples[i] for i in batches[step % len(batches)]]
        mine = even_shard(batch, world) if world.size > 1 else batch
        features = [_features(model, [getattr(t, part) for t in mine], device)
                    for part in ("question", "positive", "negative")]
        loss = loss_fn(features, labels=None)
        loss.backward()
        sum_gradients(list(model.parameters()), world, scale=1 / world.size)  # the mean of the ranks' losses
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        losses.append(all_sum([float(loss.detach())], world)[0] / world.size)
        if progress and world.main:
            progress(step, total, losses[-1])
        if step % cfg.save_every == 0 and step < total:
            rngs = gather(rng_state(), world)
            from_main(lambda: _save_state(state_file, model, optimizer, scheduler, step, losses, total, len(triples),
                                          rngs), world)
    model.eval()
    from_main(lambda: _save_model(model, out, state_file), world)
    return {"pairs": len(order), "pairs_available": len(triples), "steps": total, "epochs": cfg.epochs, "batch_size": cfg.batch_size,
            "world_size": world.size, "lr": cfg.lr, "loss_first": losses[0], "loss_last": float(np.mean(losses[-5:])),
            "seconds": round(time.perf_counter() - start, 1)}


def _even_batches(batches: list[list[int]], world: World) -> list[list[int]]:
    """Every batch cut to a multiple of the number of processes (each rank embeds an equal slice)."""
    if world.size == 1:
        return batches
    even = [b[: len(b) - len(b) % world.size] for b in batches if len(b) >= max(2, world.size)]
    if not even:
        raise TuneError(f"no batch of the retriever's pairs can be shared by {world.size} processes; train with "
                        "fewer processes or a larger batch_size.")
    return even


def _gathered(loss_type, world: World) -> dict:
    """The loss option that gathers embeddings across ranks (none on one process)."""
    if world.size == 1:
        return {}
    import inspect

    if "gather_across_devices" not in inspect.signature(loss_type).parameters:
        raise TuneError("training the retriever on several processes needs sentence-transformers 5.1 or newer "
                        "(gather_across_devices); upgrade it or train on one process.")
    return {"gather_across_devices": True}


def _save_model(model, out: Path, state_file: Path) -> None:
    """The trained model into `out/retriever` (staged, then renamed into place); the resume state goes."""
    target = out / MODEL_DIR
    staged = out / f".{MODEL_DIR}.tmp"
    shutil.rmtree(staged, ignore_errors=True)
    model.save(str(staged))
    shutil.rmtree(target, ignore_errors=True)
    staged.rename(target)
    state_file.unlink(missing_ok=True)


def _features(model, texts: list[str], device) -> dict[str, torch.Tensor]:
    features = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}


def _save_state(path: Path, model, optimizer, scheduler, step: int, losses: list[float], total: int,
                pairs: int, rngs: list[dict]) -> None:
    """Written beside and renamed into place: a kill never leaves half a state file. `rngs`: every rank's RNG
    state (rank 0's first)."""
    staged = path.with_suffix(".tmp")
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
             "rng": rngs[0], "step": step, "losses": losses, "total": total, "pairs": pairs}
    if len(rngs) > 1:
        state |= {"rank_rng": rngs, "world_size": len(rngs)}
    torch.save(state, staged)
    staged.replace(path)
