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
    # The state release_freed_memory is for: glibc has raised its mmap threshold (it does after freeing large
    # blocks), so freed tensors stay in the heap. Left to glibc's dynamic threshold, whether these tensors were
    # mmapped (freed at once: nothing to trim) varied from run to run (72 MiB trimmed or 10), so it is fixed here.
    env = {**os.environ, "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=67108864"}
    # Where the small live tensor lands is glibc's choice: now and then (2 full-suite runs in 3 on one day) it
    # does not sit above the freed ones, the heap's top is returned on free, and there is nothing left to trim
    # (before == after at the trimmed level). Up to three fresh processes; a no-op trim fails all three.
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", FRAGMENT_AND_TRIM], capture_output=True, text=True,
                             check=True, env=env)
        before, after = map(int, out.stdout.split())
        runs.append((before, after))
        if before - after > 20:
            break
    assert runs[-1][0] - runs[-1][1] > 20, runs  # trimmed 40-76 MiB here; without the trim, 0-1


def test_cpu_embedder_trims_after_every_batch(monkeypatch):
    calls = []
    monkeypatch.setattr(st_embedder, "release_freed_memory", lambda: calls.append(1))
    embedder = st_embedder.SentenceTransformerEmbedder(minilm_path(), device="cpu", batch_size=4)
    embedder.embed([f"sentence number {i}" for i in range(10)])
    assert len(calls) == 3
