"""kill -9 of a sync at many points: the index stays usable and the next sync completes the job."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from index_fixtures import HashEmbedder, assert_same_contents, edit_corpus, paragraph_chunker, random_corpus, random_doc

from s3_helpers import IndexStore
from ragtune.retrieve import retrieve

CHILD = Path(__file__).with_name("sync_child.py")


def corpus_versions(seed: int):
    """v1, then v2 after several rounds of edits (adds, changes, removals)."""
    rng = random.Random(seed)
    v1 = random_corpus(rng, 16)
    v2 = v1
    for _ in range(6):
        v2 = edit_corpus(rng, v2)
    for i in range(6):  # new documents too, so plain appends are interrupted as well as upserts
        v2[f"new{i}"] = random_doc(rng, f"new{i}")
    return v1, v2


def run_child(path, seed, mode, arg, kill_after_s=None, options=None) -> int:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(sys.path),
           "RAGTUNE_TEST_STORAGE": json.dumps(options or {})}
    cmd = [sys.executable, str(CHILD), str(path), str(seed), mode, str(arg)]
    if kill_after_s is None:
        return subprocess.run(cmd, env=env, cwd=CHILD.parent, capture_output=True, timeout=120).returncode
    proc = subprocess.Popen(cmd, env=env, cwd=CHILD.parent, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout.readline().startswith(b"embedding")  # wait until it is mid-sync
    time.sleep(kill_after_s)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


def assert_usable_and_atomic(index, v1, v2):
    """Searchable by every retriever; no duplicate chunk; every doc wholly at its old or new version."""
    ids = index.table.to_arrow().column("id").to_pylist()
    assert len(ids) == len(set(ids))
    for retriever in ("dense", "bm25", "hybrid"):
        retrieve(index, "w1 w2 w3", retriever=retriever, top_k=3)
    for doc_id in index.doc_ids():
        texts = [c.text for c in index.get_chunks(doc_id)]
        versions = [v[doc_id] for v in (v1, v2) if doc_id in v]
        assert any(texts == [c.text for c in paragraph_chunker(doc)] for doc in versions), doc_id


CASES = [("embed", 1), ("embed", 6), ("commit", 1), ("commit", 3), ("commit", 6), ("optimize", 0),
         ("optimize", 5), ("optimize", 30), ("fts", 0)]


@pytest.mark.parametrize("mode,arg", CASES, ids=[f"{m}-{a}" for m, a in CASES])
def test_kill_mid_sync_then_resync_equals_rebuild(tmp_path, mode, arg):
    kill_mid_sync_then_resync(IndexStore(str(tmp_path)), mode, arg)


S3_CASES = [("embed", 6), ("commit", 3), ("optimize", 5), ("fts", 0)]  # a sample: each case is one child process


@pytest.mark.parametrize("mode,arg", S3_CASES, ids=[f"{m}-{a}" for m, a in S3_CASES])
def test_kill_mid_sync_on_s3_then_resync_equals_rebuild(s3_server, mode, arg):
    """The same on the S3-compatible server: the killed writer's lease is taken over at once (its process is
    gone), and the next sync completes the job."""
    kill_mid_sync_then_resync(IndexStore(s3_server.prefix(), s3_server.options), mode, arg)


def kill_mid_sync_then_resync(store: IndexStore, mode: str, arg: int) -> None:
    seed = 7
    v1, v2 = corpus_versions(seed)
    store.open("ix", HashEmbedder()).sync(v1.values(), paragraph_chunker)

    assert run_child(store.location("ix"), seed, mode, arg, options=store.options) == -signal.SIGKILL

    index = store.open("ix", HashEmbedder())
    assert_usable_and_atomic(index, v1, v2)
    index.sync(v2.values(), paragraph_chunker)
    assert index.fts_unindexed_rows() == 0
    clean = store.open("clean", HashEmbedder())
    clean.sync(v2.values(), paragraph_chunker)
    assert_same_contents(index, clean)


def test_external_kill_at_a_random_moment(store):
    seed = 11
    v1, v2 = corpus_versions(seed)
    store.open("ix", HashEmbedder()).sync(v1.values(), paragraph_chunker)
    assert run_child(store.location("ix"), seed, "slow", 0, kill_after_s=random.Random().uniform(0.0, 0.3),
                     options=store.options) == -signal.SIGKILL
    index = store.open("ix", HashEmbedder())
    assert_usable_and_atomic(index, v1, v2)
    index.sync(v2.values(), paragraph_chunker)
    clean = store.open("clean", HashEmbedder())
    clean.sync(v2.values(), paragraph_chunker)
    assert_same_contents(index, clean)
