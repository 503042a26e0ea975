"""Which of ragtune's own files one CLI command runs through: a `sys.setprofile` trace of the command.

Counted: each file under `src/ragtune/` whose functions are called while the command runs; module-level
code run by an import is not part of the path, and neither are the model backends (`ragtune/models/`),
whose internals (and what they call, unless it calls back up the stack) a reader of the pipeline does not need. An *entry* is a call from one file into another;
a *climb back* is a call into a file that is already on the call stack below the caller (a callback into
a higher layer, or an upward import): what makes a reader open the same file twice. `rooms` counts a
package (`retrieve/`, `index/`, `cli/`, ...) as one, as a reader who opens its public entry point does.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import ragtune

ROOT = str(Path(ragtune.__file__).parent) + os.sep


@dataclass
class CallPath:
    entries: dict[str, int] = field(default_factory=dict)  # file -> times entered from another file
    order: list[str] = field(default_factory=list)  # files in the order first entered
    climbs: list[tuple[str, str]] = field(default_factory=list)  # (caller file, re-entered file)

    @property
    def files(self) -> list[str]:
        return self.order

    @property
    def rooms(self) -> list[str]:
        return list(dict.fromkeys(f.split("/")[0] if "/" in f else f for f in self.order))


def _own(frame, exclude: tuple[str, ...]) -> str | None:
    path = frame.f_code.co_filename
    if not path.startswith(ROOT) or frame.f_code.co_name == "<module>":
        return None
    rel = path[len(ROOT):]
    return None if rel.startswith(exclude) else rel


def trace(app, argv: list[str], exclude: tuple[str, ...] = ("models/",)) -> CallPath:
    """Run the Typer `app` on `argv` in this process and record the path through ragtune's files."""
    out = CallPath()

    def profile(frame, event, arg):
        if event != "call":
            return
        me = _own(frame, exclude)
        if me is None:
            return
        stack, f, from_backend = [], frame.f_back, None
        while f is not None:
            if f.f_code.co_name == "<module>" and f.f_code.co_filename.startswith(ROOT):
                return  # an import running module code: not the command's path
            own = _own(f, exclude)
            if own is not None:
                stack.append(own)
            elif from_backend is None and f.f_code.co_filename.startswith(ROOT):
                from_backend = not stack  # the nearest ragtune caller is a model backend
            f = f.f_back
        if from_backend and me not in stack:
            return  # what a backend calls (the dtype verdict file through runs.py) is its internals
        caller = stack[0] if stack else None
        if caller == me:
            return
        if me not in out.entries:
            out.order.append(me)
        out.entries[me] = out.entries.get(me, 0) + 1
        if me in stack[1:]:
            out.climbs.append((caller, me))

    sys.setprofile(profile)
    try:
        app(argv, standalone_mode=False)
    finally:
        sys.setprofile(None)
    return out
