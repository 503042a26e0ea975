"""`runs/demo/stages.json`: the demo's stages, each run once and recorded with its time and result, so a
re-run after a crash or Ctrl-C skips what finished."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from ragtune.errors import DemoError
from ragtune.runs import write_json


class StageLog:
    """`runs/demo/stages.json`: which stages finished, in how many seconds, with what result."""

    def __init__(self, path: Path, plan: str):
        self.path = path
        self.data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"plan": plan, "stages": {}}
        if self.data.get("plan") != plan:
            raise DemoError(f"{path.parent.parent.parent} holds a {self.data.get('plan')} demo; use another "
                            f"--project for the {plan} one, or delete that folder to start over.")

    def done(self, stage: str) -> dict | None:
        entry = self.data["stages"].get(stage)
        return entry if entry and entry.get("status") == "done" else None

    def record(self, stage: str, seconds: float, result: dict) -> None:
        self.data["stages"][stage] = {"status": "done", "seconds": round(seconds, 1), "result": result}
        write_json(self.path, self.data)

    def seconds(self) -> dict[str, float]:
        return {s: e["seconds"] for s, e in self.data["stages"].items() if e.get("status") == "done"}


def timed(log: StageLog, stage: str, on_stage: Callable[[str, dict | None], None], work: Callable[[], dict]) -> dict:
    """Run a stage unless it finished before; record its seconds and result."""
    if (entry := log.done(stage)) is not None:
        on_stage(stage, entry)
        return entry["result"]
    on_stage(stage, None)
    t0 = time.perf_counter()
    result = work()
    log.record(stage, time.perf_counter() - t0, result)
    on_stage(stage, log.done(stage))
    return result
