"""Training runs on disk: `runs/<run-id>/` with `run.json` (what the run is and whether it finished).

A run folder holds `run.json`, `checkpoints/` while it trains, and `adapter/` plus `training_card.json`
once done. Variants find their adapter here: `ft` and `ft+rag` use the newest finished `ft` run, `raft`
the newest finished `raft` run, unless a run id is named.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ragtune.errors import TuneError

RUN_FILE = "run.json"
KINDS = ("ft", "raft")


@dataclass(frozen=True)
class RunInfo:
    id: str
    path: Path
    kind: str
    status: str  # "running" (or killed while running) | "done"
    created: str
    record: dict

    @property
    def adapter_dir(self) -> Path:
        return self.path / "adapter"


def new_run_id(kind: str, runs_dir: Path) -> str:
    """`<kind>-YYYYmmdd-HHMMSS`, with a suffix if that folder exists already."""
    base = f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_id, n = base, 1
    while (runs_dir / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def write_run(run_dir: Path, record: dict) -> None:
    """Write `run.json` atomically (temp file + rename)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    temp = run_dir / f".{RUN_FILE}.tmp-{os.getpid()}"
    temp.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(temp, run_dir / RUN_FILE)


def read_run(run_dir: Path) -> RunInfo:
    try:
        record = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TuneError(f"{run_dir} is not a ragtune training run ({e}).") from e
    return RunInfo(run_dir.name, run_dir, record.get("kind", "ft"), record.get("status", "running"),
                   record.get("created", ""), record)


def list_runs(runs_dir: Path, kind: str | None = None) -> list[RunInfo]:
    """Training runs, oldest first; folders without a readable `run.json` (other tools, evaluations) are left out."""
    if not runs_dir.is_dir():
        return []
    found = []
    for path in runs_dir.iterdir():
        if (path / RUN_FILE).is_file():
            try:
                run = read_run(path)
            except TuneError:
                continue
            if run.kind in KINDS and (kind is None or run.kind == kind):
                found.append(run)
    return sorted(found, key=lambda r: (r.created, r.id))


def find_run(runs_dir: Path, kind: str, run_id: str | None = None, *, done: bool = True) -> RunInfo:
    """The named run, or the newest `kind` run (finished when `done`, else unfinished); errors say what to run."""
    if run_id:
        path = runs_dir / run_id
        if not (path / RUN_FILE).is_file():
            known = ", ".join(r.id for r in list_runs(runs_dir)) or "none yet"
            raise TuneError(f"no training run {run_id!r} in {runs_dir} (runs: {known}).")
        run = read_run(path)
        if done and run.status != "done":
            raise TuneError(f"run {run_id} did not finish; continue it with `ragtune tune --resume --run {run_id}`.")
        return run
    wanted = [r for r in list_runs(runs_dir, kind) if (r.status == "done") == done]
    if not wanted:
        if done:
            flag = " --raft" if kind == "raft" else ""
            raise TuneError(f"no finished {kind} run in {runs_dir}; train one with `ragtune synth` then "
                            f"`ragtune tune{flag}`.")
        raise TuneError(f"no unfinished {kind} run to resume in {runs_dir}; start one with `ragtune tune`.")
    return wanted[-1]


def file_hash(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:16]
