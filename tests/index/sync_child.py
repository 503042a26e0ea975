"""Run one sync in a subprocess and SIGKILL it at a chosen point (used by test_index_crash.py).

usage: sync_child.py INDEX_LOCATION SEED MODE ARG   (storage options as JSON in $RAGTUNE_TEST_STORAGE)
  embed N     kill during the Nth embedder call
  commit N    kill right after the Nth commit (add / merge_insert / delete)
  optimize MS kill MS milliseconds into the final optimize (FTS update + compaction)
  fts 0       sync(rebuild=True), killed just before the FTS index is created on the new table
  slow 0      a slow embedder; the parent kills this process from outside
"""

import json
import os
import signal
import sys
import threading
import time

from index_fixtures import HashEmbedder, paragraph_chunker
from lancedb.merge import LanceMergeInsertBuilder
from lancedb.table import LanceTable

from ragtune.index import ChunkIndex


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    path, seed, mode, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    from test_index_crash import corpus_versions

    _, target = corpus_versions(seed)
    embedder = HashEmbedder()
    if mode == "embed":
        real = embedder.embed

        def embed(texts):
            if embedder.calls + 1 == arg:
                die()
            return real(texts)

        embedder.embed = embed
    elif mode == "slow":
        real_slow = embedder.embed

        def slow(texts):
            print("embedding", flush=True)
            time.sleep(0.05)
            return real_slow(texts)

        embedder.embed = slow
    elif mode == "commit":
        count = [0]

        def counting(fn):
            def wrapped(*a, **kw):
                result = fn(*a, **kw)
                count[0] += 1
                if count[0] == arg:
                    die()
                return result
            return wrapped

        LanceTable.add = counting(LanceTable.add)
        LanceTable.delete = counting(LanceTable.delete)
        LanceMergeInsertBuilder.execute = counting(LanceMergeInsertBuilder.execute)
    elif mode == "optimize":
        real_opt = ChunkIndex.optimize

        def optimize(self):
            threading.Timer(arg / 1000, die).start()
            real_opt(self)
            time.sleep(1)  # the kill must land inside or right after optimize, never at exit
        ChunkIndex.optimize = optimize
    elif mode == "fts":
        real_fts = ChunkIndex.ensure_fts
        calls = [0]

        def ensure_fts(self):
            calls[0] += 1
            if calls[0] == 2:  # the first call is in open(); the second right after the overwrite
                die()
            real_fts(self)
        ChunkIndex.ensure_fts = ensure_fts

    index = ChunkIndex.open(path, embedder, storage_options=json.loads(os.environ.get("RAGTUNE_TEST_STORAGE", "{}")) or None)
    index.sync(target.values(), paragraph_chunker, write_batch=3, embed_batch=2, rebuild=(mode == "fts"))


if __name__ == "__main__":
    main()
