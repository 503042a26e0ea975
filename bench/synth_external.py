"""`ragtune synth` with its defaults on documents nobody here wrote (issue 16): what each strategy keeps and
what it costs, so a strategy that keeps nothing is seen to cost at most its pilot.

The corpus: the first `--docs` manual pages of section 1 installed on this machine (Debian's man-db and the
packages' own pages), rendered to plain text by `man`, shortest first within a size band (1-12 kB) so the
set resembles short reference entries. A fresh project ingests them and runs `ragtune synth` with the
defaults (teacher = the packaged SmolLM2-135M, paraphrases on, the pilot on). Writes
docs/benchmarks/synth_external.json: the machine, the corpus, and each strategy's asked / kept / seconds,
the pilot's verdicts and the wall time.

Usage: .venv/bin/python bench/synth_external.py [--docs 107]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora  # noqa: E402
import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MAN1 = Path("/usr/share/man/man1")


def render_pages(out: Path, n: int) -> list[str]:
    """Render up to `n` section-1 manual pages to text files in `out`; returns their names. Rendered as the
    retrieval benchmark renders them (`external_corpora.render`: `man`'s overstrike bold and underline
    removed; before, "N\bNA\bAM\bME\bE" reached the teacher instead of "NAME")."""
    names = []
    for page in sorted(MAN1.glob("*.1.gz")):
        if len(names) >= n:
            break
        name = page.name.removesuffix(".1.gz")
        text = external_corpora.render(page)
        if text is None or not 1000 <= len(text) <= 12000:
            continue
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=107)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from ragtune.config import write_default_config
    from ragtune.project import Project
    from ragtune.synth.session import synthesize

    with tempfile.TemporaryDirectory() as tmp:
        docs, project = Path(tmp) / "docs", Path(tmp) / "project"
        docs.mkdir()
        names = render_pages(docs, args.docs)
        write_default_config(project)
        proj = Project(project)
        report = proj.ingest(docs)
        start = time.perf_counter()
        _, files = synthesize(proj)
        wall = time.perf_counter() - start
        synth = json.loads(Path(files["report"]).read_text())
    yields = {k: {f: v.get(f) for f in ("asked", "kept", "seconds", "rejected") if f in v} for k, v in synth["yields"].items()}
    result = {"machine": machine_info.machine("transformers"), "documents": len(names),
              "chunks": report.sync.chunks_embedded, "first_pages": names[:10], "synth_wall_s": round(wall, 1),
              "yields": yields, "pilot": synth.get("pilot")}
    for strategy, y in yields.items():
        print(f"{strategy:12s} {y}")
    print(f"pilot: {json.dumps(synth.get('pilot'))[:600]}")
    print(f"synth wall: {wall:.1f} s on {len(names)} pages, {report.sync.chunks_embedded} chunks")
    out = ROOT / "docs" / "benchmarks" / "synth_external.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
