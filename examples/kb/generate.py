"""Generate the example knowledge base: `python examples/kb/generate.py [--out examples/kb] [--seed 7]`.

Writes v1/ and v2/ (the documents before and after the update), questions.jsonl, questions_v2.jsonl,
questions_mc.jsonl, the behaviour task (tickets.jsonl, tickets_v2.jsonl, ticket.schema.json) and README.md. Deterministic: the same seed gives the same bytes (PDF dates are
fixed); idempotent: v1/ and v2/ are deleted and rewritten, nothing else in --out is touched.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_pages import CorpusFile, corpus_files, documents  # noqa: E402
from fact_table import fact_table  # noqa: E402
from facts import V1, V2  # noqa: E402
from multiple_choice import mc_questions  # noqa: E402
from page_formats import to_html, to_jsonl, to_markdown, to_pdf, to_text  # noqa: E402
from question_sets import v1_questions, v2_questions  # noqa: E402
from readme import readme  # noqa: E402
from tickets import lines, schema_bytes, tickets  # noqa: E402

from ragtune.text import normalize_text  # noqa: E402

DEFAULT_SEED = 7
VERSIONS = ("v1", "v2")
QUESTION_FILES = ("questions.jsonl", "questions_v2.jsonl", "questions_mc.jsonl")


def file_bytes(f: CorpusFile) -> bytes:
    suffix = Path(f.path).suffix
    if suffix == ".jsonl":
        return to_jsonl(f.pages).encode("utf-8")
    if suffix == ".pdf":
        return to_pdf(f.pages[0])
    render = {".md": to_markdown, ".txt": to_text, ".html": to_html}[suffix]
    return render(f.pages[0]).encode("utf-8")


def build(seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """Every output file (path relative to --out -> bytes); nothing is written."""
    files1, files2 = corpus_files(V1, seed), corpus_files(V2, seed, before=V1)
    docs1, docs2 = documents(files1), documents(files2)
    t1, t2 = fact_table(V1), fact_table(V2)
    q1 = v1_questions(t1, t2, docs1)
    q2 = v2_questions(t1, t2, docs2, seed)
    mc = mc_questions(q1, t1, seed, normalize_text)
    out: dict[str, bytes] = {}
    for version, files in zip(VERSIONS, (files1, files2)):
        out.update({f"{version}/{f.path}": file_bytes(f) for f in files})
    for name, rows in zip(QUESTION_FILES, (q1, q2, mc)):
        out[name] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    k1, k2 = tickets(V1, V2, seed)
    out["tickets.jsonl"], out["tickets_v2.jsonl"], out["ticket.schema.json"] = lines(k1), lines(k2), schema_bytes()
    out["README.md"] = readme(docs1, docs2, q1, q2, mc, t1, t2, seed).encode("utf-8")
    return out


def write(out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    outputs = build(seed)
    for version in VERSIONS:
        shutil.rmtree(out_dir / version, ignore_errors=True)
    for rel, data in sorted(outputs.items()):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return outputs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    outputs = write(args.out, args.seed)
    print(f"wrote {len(outputs)} files to {args.out}")


if __name__ == "__main__":
    main()
