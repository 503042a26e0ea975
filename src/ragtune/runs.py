"""The `runs/<id>/` folder format, in one place: file names, atomic writes, the one JSONL reader,
finding and naming runs, and the provenance every run records (file hashes, package versions).

A training run (`ragtune tune`) holds `run.json`, `checkpoints/` while it trains, then `adapter/` and
`training_card.json`. An evaluation run (`ragtune eval`) holds `manifest.json`, `results.jsonl` (one
line per question and variant, appended as measured), `summary.json`, and after an update
`freshness.json`; `ragtune recommend` adds `recommendation.json`, `ragtune report` `report.html`.
Training, evaluation, the report and the recommendation all read and write through this module.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable

from ragtune.errors import RunError, TuneError

RUN_FILE = "run.json"
CARD = "training_card.json"
ADAPTER_DIR = "adapter"
MANIFEST = "manifest.json"
RESULTS = "results.jsonl"
SUMMARY = "summary.json"
UPDATE = "freshness.json"
RECOMMENDATION = "recommendation.json"
REPORT = "report.html"
FORGETTING_DIR = "forgetting"
# task: trained on task examples (`ragtune tune --task`); retriever: the embedder (`ragtune tune --retriever`)
TRAINING_KINDS = ("ft", "raft", "task", "task-rag", "retriever")
RETRIEVER_DIR = "retriever"  # a retriever run's fine-tuned sentence-transformers folder
RETRIEVER_INDEX = "index"  # and the chunks embedded by it
PACKAGES = ("ragtune", "torch", "transformers", "peft", "accelerate", "safetensors")


# -- writing and reading files --------------------------------------------------------------------

def write_text(path: Path, text: str) -> Path:
    """Write a file atomically (temp file in the same folder, then rename): a crash leaves the old file or
    the new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, obj: Any, *, strict: bool = False) -> Path:
    """Indented JSON, atomically; `strict` refuses NaN (summary files that any JSON tool must read)."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=not strict, default=None if strict else str)
    return write_text(path, text + "\n")


def read_json(path: Path, *, redo: str = "") -> dict:
    """A JSON file written by ragtune; a RunError naming `redo` (the command that re-creates it) if unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise RunError(f"cannot read {path} ({e.strerror or e})" + (f"; {redo}" if redo else "") + ".") from e
    except ValueError as e:
        raise RunError(f"{path} is not valid JSON ({e})" + (f"; re-create it with `{redo}`" if redo else "")
                       + ".") from e


def read_json_if(path: Path, *, redo: str = "") -> dict | None:
    """`read_json`, or None where the file does not exist."""
    return read_json(path, redo=redo) if Path(path).is_file() else None


def read_jsonl(path: Path, *, repair: bool = False) -> list[dict]:
    """The complete lines of a JSONL file that ragtune appends to, up to the first torn or broken line.

    A crash mid-write leaves a last line without its newline (or cut mid-JSON): it is not a record. With
    `repair` (the writer, before it appends again) the file is cut back to its last complete line, so a
    resumed run re-measures what was lost; readers only read. Both see the same records.
    """
    path = Path(path)
    if not path.is_file():
        return []
    raw = path.read_bytes()
    records, good_bytes = [], 0
    for line in raw.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            records.append(json.loads(line))
        except ValueError:
            break
        good_bytes += len(line)
    if repair and good_bytes < len(raw):
        with path.open("r+b") as f:
            f.truncate(good_bytes)
    return records


def append_jsonl(f: IO[str], record: dict) -> None:
    """One record as one line, flushed to disk before the next is measured (what `read_jsonl` relies on)."""
    f.write(json.dumps(record, ensure_ascii=False) + "\n")
    f.flush()
    os.fsync(f.fileno())


def write_jsonl(path: Path, records: Iterable[dict]) -> Path:
    """A whole JSONL file, atomically (training data, sampled question sets)."""
    return write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


# -- provenance ------------------------------------------------------------------------------------

def file_hash(path: Path) -> str:
    """The first 16 hex digits of a file's sha256: enough to tell two inputs apart in a manifest."""
    with Path(path).open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:16]


def model_hash(model_path: Path) -> str:
    """sha256 over the config and weight files of a Hugging Face model folder (names and bytes)."""
    h = hashlib.sha256()
    files = sorted(p for p in Path(model_path).iterdir()
                   if p.name == "config.json" or p.suffix in (".safetensors", ".bin"))
    for p in files:
        h.update(p.name.encode())
        with p.open("rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()[:16]


def package_versions() -> dict[str, str]:
    """Python and the versions of the packages a run's numbers depend on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


# -- naming and finding runs -----------------------------------------------------------------------

def new_run_id(kind: str, runs_dir: Path) -> str:
    """`<kind>-YYYYmmdd-HHMMSS`, with a suffix if that folder exists already."""
    base = f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_id, n = base, 1
    while (runs_dir / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def run_folder(runs_dir: Path, run: str | Path | None) -> Path:
    """A run folder given as a path or as a run id under `runs_dir`; None: the newest evaluated run
    (the newest `summary.json`). Errors say which command makes what is missing."""
    if run is None:
        done = sorted(runs_dir.glob(f"*/{SUMMARY}"), key=lambda p: p.stat().st_mtime) if runs_dir.is_dir() else []
        if not done:
            raise RunError(f"no evaluated run under {runs_dir}: run `ragtune eval -q QUESTIONS` first.")
        return done[-1].parent
    for candidate in (Path(run), runs_dir / str(run)):
        if candidate.is_dir():
            return candidate
    known = sorted(p.name for p in runs_dir.glob("eval-*") if p.is_dir()) if runs_dir.is_dir() else []
    hint = f"eval runs there: {', '.join(known[-5:])}" if known else "run `ragtune eval` first"
    raise RunError(f"no run {str(run)!r}: neither a folder nor a run under {runs_dir} ({hint}).")


@dataclass(frozen=True)
class TrainingRun:
    """A training run folder as `run.json` describes it."""

    id: str
    path: Path
    kind: str
    status: str  # "running" (or killed while running) | "done"
    created: str
    record: dict

    @property
    def adapter_dir(self) -> Path:
        return self.path / ADAPTER_DIR


def write_training_run(run_dir: Path, record: dict) -> None:
    write_json(run_dir / RUN_FILE, record)


def read_training_run(run_dir: Path) -> TrainingRun:
    try:
        record = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TuneError(f"{run_dir} is not a ragtune training run ({e}).") from e
    return TrainingRun(run_dir.name, run_dir, record.get("kind", "ft"), record.get("status", "running"),
                       record.get("created", ""), record)


def list_training_runs(runs_dir: Path, kind: str | None = None) -> list[TrainingRun]:
    """Training runs, oldest first; folders without a readable `run.json` (evaluations, other tools) are left out."""
    if not runs_dir.is_dir():
        return []
    found = []
    for path in runs_dir.iterdir():
        if (path / RUN_FILE).is_file():
            try:
                run = read_training_run(path)
            except TuneError:
                continue
            if run.kind in TRAINING_KINDS and (kind is None or run.kind == kind):
                found.append(run)
    return sorted(found, key=lambda r: (r.created, r.id))


def find_training_run(runs_dir: Path, kind: str, run_id: str | None = None, *, done: bool = True) -> TrainingRun:
    """The named run, or the newest `kind` run (finished when `done`, else unfinished); errors say what to run."""
    if run_id:
        path = runs_dir / run_id
        if not (path / RUN_FILE).is_file():
            known = ", ".join(r.id for r in list_training_runs(runs_dir)) or "none yet"
            raise TuneError(f"no training run {run_id!r} in {runs_dir} (runs: {known}).")
        run = read_training_run(path)
        if done and run.status != "done":
            raise TuneError(f"run {run_id} did not finish; continue it with `ragtune tune --resume --run {run_id}`.")
        return run
    wanted = [r for r in list_training_runs(runs_dir, kind) if (r.status == "done") == done]
    if not wanted:
        if done:
            if kind in ("task", "task-rag"):
                flag = " --with-passages" if kind == "task-rag" else ""
                raise TuneError(f"no finished {kind} run in {runs_dir}; train one with "
                                f"`ragtune tune --task FILE{flag}`.")
            flag = {"raft": " --raft", "retriever": " --retriever"}.get(kind, "")
            raise TuneError(f"no finished {kind} run in {runs_dir}; train one with `ragtune synth` then "
                            f"`ragtune tune{flag}`.")
        raise TuneError(f"no unfinished {kind} run to resume in {runs_dir}; start one with `ragtune tune`.")
    return wanted[-1]
