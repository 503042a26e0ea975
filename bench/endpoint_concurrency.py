"""Requests in flight against an OpenAI-compatible server on loopback (issue 29): what `[models] concurrency`
buys an evaluation, a teacher or a judge whose model is an endpoint.

The server is `ragtune serve` in its own process on 127.0.0.1, serving the packaged SmolLM2-135M's weights
as `weights-base` (the client prompts it; nothing is retrieved on the server) through its batching queue
(`[serve] max_batch` 8). The client is ragtune's own `OpenAIChatGenerator.generate_batch`, as `ragtune eval`
calls it, asking questions derived from the structure of Debian manual pages ("Which command does this:
...?", bench/external_corpora.py), never the bundled example. Each concurrency runs twice, alternating, on
the same warm server; the figure is answers/s over the whole set, and the ratio is concurrency N over 1
in the same run. The server's mean batch size (its /metrics) says how much of the gain its batching gave.

Usage: .venv/bin/python bench/endpoint_concurrency.py [--questions 48] [--concurrency 1,8] [--max-tokens 48]
Writes docs/benchmarks/endpoint_concurrency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora  # noqa: E402
import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks" / "endpoint_concurrency.json"
CACHE = Path(os.environ.get("RAGTUNE_BENCH_CACHE", Path.home() / ".cache" / "ragtune-bench"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def questions(n: int) -> list[str]:
    """The first `n` structure-derived questions of 150 manual pages (built once into the bench cache)."""
    root = CACHE / "man-150"
    if not (root / "questions.jsonl").is_file():
        root = external_corpora.build("man", 150)
    return [q.question for q in external_corpora.load_questions(root)][:n]


def start_server(project: Path, port: int) -> subprocess.Popen:
    (project / "ragtune.toml").write_text('[serve]\nvariants = ["base"]\nmax_batch = 8\nqueue_size = 256\n'
                                          'max_tokens = 512\n')
    ragtune = Path(sys.executable).with_name("ragtune")
    proc = subprocess.Popen([str(ragtune), "serve", "-p", str(project), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(1)
        if proc.poll() is not None:
            raise SystemExit(f"ragtune serve exited: {proc.stderr.read().decode()[-2000:]}")
    raise SystemExit("ragtune serve did not start within 300 s")


def batch_mean(url: str) -> tuple[float, float]:
    """(sum, count) of the server's `ragtune_batch_size` histogram of the weights model so far."""
    text = httpx.get(url + "/metrics", timeout=10).text
    total = count = 0.0
    for line in text.splitlines():
        match = re.match(r'ragtune_batch_size_(sum|count)\{variant="weights-base"\} ([0-9.e+]+)', line)
        if match:
            total, count = (float(match[2]), count) if match[1] == "sum" else (total, float(match[2]))
    return total, count


def phase(url: str, prompts: list[list[dict]], concurrency: int, max_tokens: int) -> dict:
    from ragtune.models.openai_http import OpenAIChatGenerator

    gen = OpenAIChatGenerator("weights-base", url + "/v1", concurrency=concurrency, timeout=600)
    before = batch_mean(url)
    start = time.perf_counter()
    done = gen.generate_batch(prompts, max_new_tokens=max_tokens)
    wall = time.perf_counter() - start
    after = batch_mean(url)
    gen.close()
    batches = after[1] - before[1]
    return {"concurrency": concurrency, "answers": len(done), "wall_s": round(wall, 2),
            "answers_per_s": round(len(done) / wall, 3),
            "completion_tokens_per_s": round(sum(c.completion_tokens for c in done) / wall, 1),
            "server_mean_batch": round((after[0] - before[0]) / batches, 2) if batches else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=48)
    ap.add_argument("--concurrency", default="1,8")
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from ragtune.answer import build_messages

    levels = [int(c) for c in args.concurrency.split(",")]
    prompts = [build_messages(q, None) for q in questions(args.questions)]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="ragtune-endpoint-") as tmp:
        proc = start_server(Path(tmp), port)
        try:
            phase(url, prompts[:4], max(levels), args.max_tokens)  # warm-up: weights loaded, dtype measured
            runs = [phase(url, prompts, c, args.max_tokens) for _ in range(args.rounds) for c in levels]
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)
    best = {c: max(r["answers_per_s"] for r in runs if r["concurrency"] == c) for c in levels}
    base = best[levels[0]]
    out = {"server": "ragtune serve (weights-base, SmolLM2-135M-Instruct, [serve] max_batch 8) on 127.0.0.1",
           "client": "ragtune.models.openai_http.OpenAIChatGenerator.generate_batch",
           "questions": len(prompts), "max_tokens": args.max_tokens, "runs": runs,
           "best_answers_per_s": best,
           "ratio_vs_concurrency_1": {c: round(best[c] / base, 2) for c in levels},
           "machine": machine_info.machine("transformers")}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("runs", "best_answers_per_s", "ratio_vs_concurrency_1")}, indent=1))


if __name__ == "__main__":
    main()
