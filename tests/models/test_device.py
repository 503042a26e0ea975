import os
import subprocess
import sys
import textwrap

import pytest

from ragtune.models import st_embedder
from ragtune.models.device import _malloc_trim
from ragtune.models.packaged import packaged_embedder_path as minilm_path

# Frees ~100 MiB of varied-size tensors into glibc's heap behind a small live one, then trims.
FRAGMENT_AND_TRIM = textwrap.dedent(
    """
    import torch
    from ragtune.models.device import release_freed_memory

    def rss_mib():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))

    keep = []
    for i in range(300):
        keep.append(torch.ones(((i % 37) + 8) * 16384))
        if i % 3:
            keep.pop(0)
    pinned = torch.ones(10)
    keep.clear()
    before = rss_mib()
    release_freed_memory()
    print(before, rss_mib())
    """
)


@pytest.mark.skipif(_malloc_trim() is None, reason="needs glibc (Linux); elsewhere release_freed_memory is a no-op")
def test_release_freed_memory_returns_freed_heap_to_the_os():
    # The state release_freed_memory is for: glibc keeps freed blocks in its heap (it raises its mmap threshold
    # after freeing large blocks, and returns the heap's top only past its trim threshold). Left to glibc's
    # dynamic thresholds, whether anything was left to trim depended on where it placed each block (72 MiB
    # trimmed in one run, 0 in another: the heap's top went back on free), so both thresholds are fixed here
    # and only the trim can return the freed tensors.
    env = {**os.environ,
           "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=1073741824"}
    out = subprocess.run([sys.executable, "-c", FRAGMENT_AND_TRIM], capture_output=True, text=True, check=True,
                         env=env)
    before, after = map(int, out.stdout.split())
    assert before - after > 20, (before, after)  # trimmed 180-190 MiB here; without the trim, 0


def test_cpu_embedder_trims_after_every_batch(monkeypatch):
    calls = []
    monkeypatch.setattr(st_embedder, "release_freed_memory", lambda: calls.append(1))
    embedder = st_embedder.SentenceTransformerEmbedder(minilm_path(), device="cpu", batch_size=4)
    embedder.embed([f"sentence number {i}" for i in range(10)])
    assert len(calls) == 3
