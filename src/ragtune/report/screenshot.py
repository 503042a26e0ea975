"""A PNG of the top of a run's report (headline and first charts), rendered by headless Chromium:
`python -m ragtune.report.screenshot RUN [--after RUN2] --out docs/report-screenshot.png`."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ragtune.report.data import read_recommendation
from ragtune.errors import ReportError
from ragtune.report.html import write_report

# Offline and quiet: no sandbox (root in containers), no GPU, no first-run, update or sync traffic.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync")
INSTALL = "install Chromium: `make test` does (apt-get install -y chromium chromium-driver)"


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def screenshot(html: Path, out: Path, *, width: int = 1280, height: int = 1600) -> Path:
    """Render `html` at `width` x `height` CSS pixels into the PNG `out` (the top of the page)."""
    chromium = find_chromium()
    if chromium is None:
        raise ReportError(f"no Chromium found: {INSTALL}.")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ragtune-chromium-") as profile:
        done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars",
                               f"--window-size={width},{height}", f"--screenshot={out}",
                               Path(html).resolve().as_uri()], capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not out.is_file():
        raise ReportError(f"Chromium could not render {html} (exit {done.returncode}): {done.stderr[-500:]}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ragtune.report.screenshot", description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="run folder (runs/<id>)")
    parser.add_argument("--after", type=Path, help="the freshness run after a document update")
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1600)
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="ragtune-report-") as tmp:
            html = write_report(args.run, Path(tmp) / "report.html", after=args.after,
                                recommendation=read_recommendation(args.run))
            path = screenshot(html, args.out, width=args.width, height=args.height)
    except ReportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
