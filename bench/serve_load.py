"""`ragtune serve` under load (issue 18): 50 concurrent clients for 60 s against a server on this machine,
with documents updated and deleted during the run, against one client at a time in the same run.

The server runs as `ragtune serve` in its own process on 127.0.0.1 (the real default models: SmolLM2-135M
answers, MiniLM retrieves) over a copy of examples/docs plus one document per "vault", each holding a
4-digit access code. Clients ask "What is the access code of vault K?" of the `rag` variant. A writer
changes one vault's code every few seconds (PUT) and deletes or restores vaults (DELETE / PUT), each
write acknowledged before the next. Traffic goes to loopback only, bounded by time and by count.

Measured per phase: answers/s, p50/p95 latency of answered requests, 429s (documented) and any other error
(goal 0), and contradictions: an answer whose passages (or text) carry a code older than the last write
acknowledged before the request was sent, or a vault deleted before it was sent (goal 0). The phases:
`single` (one client at a time, the baseline), `batched` (50 clients, the default [serve] settings) and,
with --unbatched, 50 clients with max_batch = 1 (what the queue alone gives). The batching gain is
batched answers/s over single answers/s. Writes docs/benchmarks/serve_load.json.

Usage: .venv/bin/python bench/serve_load.py [--seconds 60] [--clients 50] [--unbatched]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VAULTS = 12
MAX_REQUESTS = 20_000  # a hard bound on the traffic of one phase
CODE = re.compile(r"vault (\d+) is (\d{4})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vault_text(k: int, code: int) -> str:
    return f"# Vault {k}\n\nThe access code of vault {k} is {code}. Change it only with two keyholders present.\n"


class Ledger:
    """Every acknowledged write per vault, in order: (time acknowledged, code or None for deleted)."""

    def __init__(self):
        self.writes: dict[int, list[tuple[float, int | None]]] = {k: [] for k in range(VAULTS)}
        self.lock = threading.Lock()

    def ack(self, k: int, code: int | None) -> None:
        with self.lock:
            self.writes[k].append((time.monotonic(), code))

    def contradicts(self, k: int, sent: float, codes: set[int], present: bool) -> bool:
        """Do the codes seen for vault k (and whether its document was there) contradict the writes acknowledged
        before `sent`? A newer state than that is fine (it was acknowledged while the request waited)."""
        with self.lock:
            history = list(self.writes[k])
        known = [i for i, (at, _) in enumerate(history) if at < sent]
        if not known:
            return False
        floor = known[-1]
        allowed = {code for _, code in history[floor:] if code is not None}
        if present and codes and not codes <= allowed:
            return True  # an older code than the last acknowledged one
        return present and history[floor][1] is None and all(c is None for _, c in history[floor:])


def start_server(project: Path, port: int, extra_env: dict) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "RAGTUNE_API_KEYS"} | {"HF_HUB_OFFLINE": "1"} | extra_env
    proc = subprocess.Popen([sys.executable, "-m", "ragtune.cli", "serve", "--project", str(project),
                             "--port", str(port), "--variants", "rag"], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(project / "server.log", "ab"))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited; see {project / 'server.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not start in 5 minutes")


def run_phase(url: str, clients: int, seconds: float, max_tokens: int, writes: bool, seed: int) -> dict:
    ledger, stop_at = Ledger(), time.monotonic() + seconds
    results: list[dict] = []
    lock, count = threading.Lock(), [0]
    http = httpx.Client(base_url=url, timeout=httpx.Timeout(300.0), limits=httpx.Limits(max_connections=clients + 4))
    start_codes = random.Random(seed).sample(range(1000, 5000), VAULTS)  # no pattern a model could extend
    for k, code in enumerate(start_codes):  # a known starting state, acknowledged before any question
        assert http.put(f"/v1/documents/vaults/vault{k}.md", json={"text": vault_text(k, code)}).status_code == 200
        ledger.ack(k, code)

    def client(n: int) -> None:
        rng = random.Random(seed + n)
        while time.monotonic() < stop_at:
            with lock:
                if count[0] >= MAX_REQUESTS:
                    return
                count[0] += 1
            k = rng.randrange(VAULTS)
            sent = time.monotonic()
            try:
                r = http.post("/v1/chat/completions", json={"model": "rag", "max_tokens": max_tokens, "messages": [
                    {"role": "user", "content": f"What is the access code of vault {k}?"}]})
                status, body = r.status_code, (r.json() if r.headers.get("content-type", "").startswith(
                    "application/json") else {})
            except httpx.HTTPError as e:
                status, body = -1, {"error": {"message": type(e).__name__}}
            done = time.monotonic()
            row = {"status": status, "seconds": done - sent, "vault": k, "sent": sent, "done": done}
            if status == 200:
                passages = [p for p in body["ragtune"]["passages"] if p["doc_id"] == f"vaults/vault{k}.md"]
                codes = {int(c) for p in passages for kk, c in CODE.findall(p["text"]) if int(kk) == k}
                text_codes = {int(c) for c in re.findall(r"\b(\d{4})\b", body["choices"][0]["message"]["content"])}
                if text_codes & _all_codes(ledger, k) and ledger.contradicts(k, sent, text_codes & _all_codes(
                        ledger, k), True):
                    row["sample"] = {"question": k, "answer": body["choices"][0]["message"]["content"],
                                     "passage_codes": sorted(codes), "history": ledger.writes[k][-4:]}
                row |= {"contradiction": ledger.contradicts(k, sent, codes, bool(passages)),
                        "text_contradiction": ledger.contradicts(k, sent, text_codes & _all_codes(ledger, k), True)
                        if text_codes & _all_codes(ledger, k) else False,
                        "batch_size": body["ragtune"]["batch_size"], "found": bool(passages)}
            elif status == 429:
                time.sleep(float(r.headers.get("retry-after", "1")))
            else:
                row["error"] = body.get("error", {}).get("message", "")[:200]
            with lock:
                results.append(row)

    def writer() -> None:
        rng, code = random.Random(seed), 5000
        while time.monotonic() < stop_at - 2:
            k = rng.randrange(VAULTS)
            deleted = ledger.writes[k][-1][1] is None
            if not deleted and rng.random() < 0.25:
                r = http.delete(f"/v1/documents/vaults/vault{k}.md")
                if r.status_code == 200:
                    ledger.ack(k, None)
            else:
                code += 1
                r = http.put(f"/v1/documents/vaults/vault{k}.md", json={"text": vault_text(k, code)})
                if r.status_code == 200:
                    ledger.ack(k, code)
            write_log.append({"status": r.status_code, "seconds": r.elapsed.total_seconds()})
            time.sleep(rng.uniform(1.0, 3.0))

    write_log: list[dict] = []
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    if writes:
        threads.append(threading.Thread(target=writer))
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    http.close()
    return summarize(results, write_log, wall, clients)


def _all_codes(ledger: Ledger, k: int) -> set[int]:
    with ledger.lock:
        return {c for _, c in ledger.writes[k] if c is not None}


def summarize(results: list[dict], writes: list[dict], wall: float, clients: int) -> dict:
    ok = [r for r in results if r["status"] == 200]
    lat = np.array([r["seconds"] for r in ok]) if ok else np.zeros(1)
    return {"clients": clients, "wall_s": round(wall, 1), "requests": len(results), "answered": len(ok),
            "answers_per_s": round(len(ok) / wall, 3),
            "p50_s": round(float(np.percentile(lat, 50)), 2), "p95_s": round(float(np.percentile(lat, 95)), 2),
            "rate_limited_429": sum(r["status"] == 429 for r in results),
            "errors": sum(r["status"] not in (200, 429) for r in results),
            "error_samples": sorted({r.get("error", "") for r in results if r["status"] not in (200, 429)})[:5],
            "contradictions": sum(r.get("contradiction", False) for r in ok),
            "text_contradictions": sum(r.get("text_contradiction", False) for r in ok),
            "text_contradiction_samples": [r["sample"] for r in ok if "sample" in r][:5],
            "vault_passage_found": round(sum(r.get("found", False) for r in ok) / max(1, len(ok)), 3),
            "mean_batch_size": round(float(np.mean([r["batch_size"] for r in ok])), 2) if ok else 0,
            "document_writes": len(writes), "write_errors": sum(w["status"] != 200 for w in writes),
            "write_p50_s": round(float(np.median([w["seconds"] for w in writes])), 2) if writes else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--unbatched", action="store_true", help="also 50 clients with [serve] max_batch = 1")
    ap.add_argument("--also-max-batch", type=int, nargs="*", default=[],
                    help="also 50 clients with these [serve] max_batch values (is the default the right size?)")
    ap.add_argument("--skip-batched", action="store_true", help="leave out the default 50-client phase")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "serve_load.json")
    args = ap.parse_args()
    phases = [("single", 1, "")] + ([] if args.skip_batched else [("batched", args.clients, "")])
    if args.unbatched:
        phases.append(("unbatched", args.clients, "max_batch = 1\n"))
    phases += [(f"max_batch_{b}", args.clients, f"max_batch = {b}\n") for b in args.also_max_batch]
    out: dict = {"machine": machine_info.machine("fastapi", "uvicorn"), "seconds": args.seconds,
                 "max_tokens": args.max_tokens, "vaults": VAULTS, "phases": {}}
    for name, clients, serve_extra in phases:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            shutil.copytree(ROOT / "examples" / "docs", project / "docs")
            (project / "ragtune.toml").write_text(f"[serve]\n{serve_extra}")
            subprocess.run([sys.executable, "-m", "ragtune.cli", "ingest", "docs", "--project", str(project)],
                           cwd=project, check=True, capture_output=True)
            port = free_port()
            server = start_server(project, port, {})
            try:
                print(f"phase {name}: {clients} client(s) for {args.seconds:g} s ...", flush=True)
                out["phases"][name] = run_phase(f"http://127.0.0.1:{port}", clients, args.seconds, args.max_tokens,
                                                writes=True, seed=len(out["phases"]))
                print(json.dumps(out["phases"][name]), flush=True)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(120)
    single = out["phases"]["single"]["answers_per_s"]
    if "batched" in out["phases"] and single:
        out["batching_gain"] = round(out["phases"]["batched"]["answers_per_s"] / single, 2)
    if "unbatched" in out["phases"] and single:
        out["queue_only_gain"] = round(out["phases"]["unbatched"]["answers_per_s"] / single, 2)
    for name in out["phases"]:
        if name.startswith("max_batch_") and single:
            out[f"{name}_gain"] = round(out["phases"][name]["answers_per_s"] / single, 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"batching gain (50 clients / 1 client, answers per second): {out.get('batching_gain')}x; wrote {args.out}")


if __name__ == "__main__":
    main()
