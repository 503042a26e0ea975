"""Two writers and a reader in another process, on a local folder and on the S3-compatible server: the writer
lock (`ragtune.index.lock`) makes the second writer wait and plan from what the first wrote, a writer that
cannot get it in time says who holds it, and a reader sees another process's write within `refresh_s`."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from index_fixtures import HashEmbedder, assert_same_contents, paragraph_chunker

from ragtune.corpus.document import Document
from ragtune.errors import IndexLockedError
from ragtune.retrieve import retrieve


class SlowEmbedder(HashEmbedder):
    def __init__(self, delay_s: float):
        super().__init__()
        self.delay_s = delay_s

    def embed(self, texts):
        time.sleep(self.delay_s)
        return super().embed(texts)


def test_a_second_writer_waits_and_plans_from_what_the_first_wrote(store):
    first_docs = [Document(f"a{i}", f"alpha {i}\n\nshared words") for i in range(4)]
    second_docs = first_docs[:2] + [Document("b", "beta words")]
    store.open("ix", HashEmbedder())  # created before either writer starts
    first, second = store.open("ix", SlowEmbedder(0.3)), store.open("ix", HashEmbedder())
    times = {}

    def write_first():
        first.sync(first_docs, paragraph_chunker, embed_batch=2)
        times["first_done"] = time.monotonic()

    thread = threading.Thread(target=write_first)
    thread.start()
    time.sleep(0.2)  # the first holds the lock, embedding slowly
    report = second.sync(second_docs, paragraph_chunker)
    times["second_done"] = time.monotonic()
    thread.join()
    assert times["second_done"] > times["first_done"]  # it waited for the first to finish
    assert report.removed == ("a2", "a3") and report.added == ("b",)  # planned from the first's result
    ids = second.table.to_arrow().column("id").to_pylist()
    assert len(ids) == len(set(ids))  # no document written twice
    clean = store.open("clean", HashEmbedder())
    clean.sync(second_docs, paragraph_chunker)
    assert_same_contents(second, clean)


def test_a_writer_that_cannot_get_the_lock_in_time_says_who_holds_it(store):
    holder = store.open("ix", HashEmbedder())
    waiting = store.open("ix", HashEmbedder(), lock_timeout_s=0.5)
    held, release = threading.Event(), threading.Event()

    def hold():  # another thread: within one thread the lock nests (an ingest reads its folder, then syncs)
        with holder.writing():
            held.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(30)
    start = time.monotonic()
    with pytest.raises(IndexLockedError, match=f"written by {socket.gethostname()} \\(pid {os.getpid()}"):
        waiting.sync([Document("a", "x")], paragraph_chunker)
    assert 0.5 <= time.monotonic() - start < 5
    release.set()
    thread.join(30)
    waiting.sync([Document("a", "x")], paragraph_chunker)  # released: it goes ahead
    assert waiting.doc_ids() == ["a"]


WRITER = textwrap.dedent("""
    import json, os, sys
    from index_fixtures import HashEmbedder, paragraph_chunker
    from ragtune.corpus.document import Document
    from ragtune.index import ChunkIndex
    index = ChunkIndex.open(sys.argv[1], HashEmbedder(), storage_options=json.loads(sys.argv[2]) or None)
    index.sync([Document("a", "alpha words"), Document("z", "zebra crossing stripes")], paragraph_chunker)
""")


def test_a_reader_in_another_process_sees_a_write_within_refresh_s(store, tmp_path):
    reader = store.open("ix", HashEmbedder(), refresh_s=1.0)
    reader.sync([Document("a", "alpha words")], paragraph_chunker)
    before = reader.version
    assert retrieve(reader, "zebra", retriever="bm25", top_k=1) == [] or \
        retrieve(reader, "zebra", retriever="bm25", top_k=1)[0].doc_id != "z"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, str(script), store.location("ix"), json.dumps(store.options)], env=env,
                   cwd=os.path.dirname(__file__), check=True, timeout=120)
    written = time.monotonic()
    while reader.version == before:
        assert time.monotonic() - written < 1.0 + 2.0, "the reader did not see the write within refresh_s"
        time.sleep(0.05)
    assert retrieve(reader, "zebra", retriever="bm25", top_k=1)[0].doc_id == "z"
    assert reader.doc_ids() == ["a", "z"]
