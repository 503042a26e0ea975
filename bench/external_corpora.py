"""Corpora nobody on the project wrote, with questions derived mechanically from the documents' structure
(issue 19): never from ragtune's own question generator, never tuned on the bundled example.

- `man`: a seeded sample of 1000 of the section 1 and 8 manual pages installed here (not the 16k generated
  `gcloud` pages; 1-100 kB of text), rendered by `man` to text, one file per page, aliases left out.
  Questions per page: the NAME line's summary as a request ("Which command does this: compress or expand
  files?", kept only when it names none of the page's commands); one option entry ("What does the option
  --all of ls do?", never quoting the option's description); one option found on at most 3 pages, the page
  unnamed ("Which command has the option --dereference-args?", relevant: every page with it).
- `python`: the library reference of Debian's `python3.11-doc` (`apt-get install python3.11-doc`), one
  HTML page per module, its main body only. Questions: the first sentence of a documented function,
  method or class ("Which function copy the contents ... ?"), kept only when it names neither the object
  nor the module, nor ends in a colon (the start of a list).

Each corpus is written once to `<cache>/<name>/` (docs/, questions.jsonl, corpus.json) and reused while
its build parameters match. Questions are split by page (all of a page's questions on one side) into
`tune` and `test` halves with a fixed seed, so a sweep chooses on one half and reports on the other.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

BUILD_VERSION = {"man": 2, "python": 2}  # bump when a corpus's pages or questions change
SEED = 19
MAN_DIRS = (Path("/usr/share/man/man1"), Path("/usr/share/man/man8"))
PY_LIBRARY = Path("/usr/share/doc/python3.11/html/library")
SKIPPED_PREFIXES = ("gcloud",)  # one generator's 16k near-identical pages would be most of the corpus
COMMON_OPTIONS = {"--help", "--version", "--usage"}
DEFAULT_DOCS = {"man": 1000, "python": None}  # man: ~1700 pages qualify; 1000 keep the ingest to minutes
MAX_SHARED = 3  # a summary or first sentence shared by more pages than this asks nothing specific
_OVERSTRIKE = re.compile(r".\x08")
_LONG_OPTION = re.compile(r"(?<![\w-])--[A-Za-z0-9][\w-]*")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    relevant: list[str]
    split: str
    kind: str


# --- man pages: pure parsing -------------------------------------------------------------------------

def plain(text: str) -> str:
    """Drop the overstrike bold/underline `man` writes when its output is not a terminal."""
    return _OVERSTRIKE.sub("", text)


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one line, undoing `man`'s hyphenation (U+2010 at a line's end)."""
    out = ""
    for line in (s.strip() for s in lines):
        out = out[:-1] + line if out.endswith("\u2010") else f"{out} {line}".strip()
    return re.sub(r"\s+", " ", out)


def name_line(text: str) -> tuple[list[str], str] | None:
    """The NAME section as (the names it lists, the summary), e.g. (["gzip", "gunzip"], "compress files")."""
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.strip() == "NAME" and not line[0].isspace()), None)
    if start is None:
        return None
    end = next((i for i in range(start, len(lines)) if lines[i][:1].strip()), len(lines))  # next heading
    body = _join([s for s in lines[start:end] if s.strip()])
    for dash in (" - ", " \u2014 ", " \u2013 ", " -- "):
        if dash in body:
            names, summary = body.split(dash, 1)
            return [n.strip() for n in names.split(",") if n.strip()], summary.strip().rstrip(".")
    return None


def options(text: str) -> dict[str, str]:
    """Long option -> the first paragraph of its description, from entries `       -a, --all  text...`
    (the entry at a 7-space indent, its description deeper: below, or on the same line after 2+ spaces
    or from column 14)."""
    lines = text.splitlines()
    out: dict[str, str] = {}
    for i, line in enumerate(lines):
        if not line.startswith("       -") or line.startswith("        "):
            continue
        head, _, rest = line.strip().partition("  ")
        if not rest and line[7:9] == "--" and line[13:14] == " " and line[14:15].strip():
            head, rest = line[7:13], line[14:]  # `--help display this help`: a short tag, text at column 14
        found = _LONG_OPTION.search(head)
        if not found or found.group() in out:
            continue
        desc = [rest] if rest.strip() else []
        for nxt in lines[i + 1:]:
            if not nxt.strip():
                if desc:
                    break
                continue
            if len(nxt) - len(nxt.lstrip()) <= 7:
                break
            desc.append(nxt)
        text_ = _join(desc)
        if len(text_.split()) >= 3:
            out[found.group()] = text_
    return out


def mentions(text: str, names: list[str]) -> bool:
    """Whether `text` names any of `names` as a word (case-insensitive), e.g. "gzip" in "gzip files"."""
    words = set(re.findall(r"[a-z0-9][a-z0-9_+.-]*[a-z0-9+]|[a-z0-9]", text.lower()))
    return any(n.lower() in words for n in names)


def lower_first(text: str) -> str:
    """`text` to go mid-sentence: "List files" -> "list files", but "GNU awk" and "ABCs" stay."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def name_question(page: str, names: list[str], summary: str) -> str | None:
    """The NAME summary as a request, or None where it would give the answer away or ask too little."""
    if len(summary.split()) < 3 or mentions(summary, [page, *names]):
        return None
    return f"Which command does this: {lower_first(summary)}?"


def man_questions(pages: dict[str, str], seed: int = SEED) -> list[Question]:
    """Questions on rendered pages {doc id: text}, per page: its NAME summary (kind `name`), one of its
    options with the page named (`option`), one of its rarer options without (`which-option`)."""
    parsed = {doc: name_line(text) for doc, text in pages.items()}
    opts = {doc: sorted(o for o in options(text) if o.lower() not in COMMON_OPTIONS) for doc, text in pages.items()}
    by_summary, by_option = defaultdict(list), defaultdict(list)
    for doc, p in parsed.items():
        if p:
            by_summary[p[1].lower()].append(doc)
        for o in opts[doc]:
            by_option[o].append(doc)
    out: list[Question] = []
    for doc in pages:
        page, p, split, rng = doc.rsplit(".", 1)[0], parsed[doc], split_of(doc, seed), random.Random(f"{seed}:{doc}")
        if p and len(same := by_summary[p[1].lower()]) <= MAX_SHARED and (q := name_question(page, p[0], p[1])):
            out.append(Question(f"man-name-{page}", q, sorted(same), split, "name"))
        if opts[doc]:
            o = rng.choice(opts[doc])
            out.append(Question(f"man-option-{page}{o}", f"What does the option {o} of {page} do?", [doc], split,
                                "option"))
        if rare := [o for o in opts[doc] if len(by_option[o]) <= MAX_SHARED]:
            o = rng.choice(rare)
            out.append(Question(f"man-which-{page}{o}", f"Which command has the option {o}?", sorted(by_option[o]),
                                split, "which-option"))
    return out


def split_of(doc: str, seed: int = SEED) -> str:
    """tune or test for every question on `doc`, by a seeded coin."""
    return "tune" if random.Random(f"{seed}:split:{doc}").random() < 0.5 else "test"


# --- man pages: rendering ----------------------------------------------------------------------------

def render(page: Path) -> str | None:
    """The page as plain text at 80 columns, or None where `man` fails."""
    env = {**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(["man", "-P", "cat", str(page)], capture_output=True, text=True, env=env, timeout=60)
    return plain(done.stdout) if done.returncode == 0 and done.stdout.strip() else None


def man_pages(max_docs: int | None, min_bytes: int, max_bytes: int, seed: int = SEED) -> dict[str, str]:
    """{doc id: text} for installed section 1/8 pages in a seeded order, up to `max_docs`, sizes in range."""
    files = sorted(p for d in MAN_DIRS for p in d.glob("*.gz") if not p.name.startswith(SKIPPED_PREFIXES))
    random.Random(seed).shuffle(files)
    out: dict[str, str] = {}
    seen: set[str] = set()
    for f in files:
        if max_docs is not None and len(out) >= max_docs:
            break
        name = re.sub(r"\.[18][a-z]*\.gz$", "", f.name)
        if f.is_symlink() or not _SAFE_NAME.match(name) or f"{name}.txt" in out:
            continue
        with gzip.open(f) as raw:
            if raw.read(4) == b".so ":  # an alias of another page
                continue
        text = render(f)
        digest = hashlib.sha256((text or "").split("\n", 1)[-1].encode()).hexdigest()
        if text is None or not min_bytes <= len(text.encode()) <= max_bytes or digest in seen:
            continue
        seen.add(digest)
        out[f"{name}.txt"] = text
    return out


# --- Python library reference ------------------------------------------------------------------------

def first_sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")


def python_objects(html: str) -> tuple[str, list[tuple[str, str, str]]]:
    """(the page's main body as HTML, [(kind, dotted name, first sentence)] for functions, methods, classes)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    body = soup.find("div", attrs={"role": "main"}) or soup.body
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    objs = []
    for dl in body.find_all("dl", class_="py"):
        kind = next((c for c in dl.get("class", []) if c in ("function", "method", "class")), None)
        dt, dd = dl.find("dt", id=True), dl.find("dd")
        para = dd.find("p", recursive=False) if dd else None  # not a nested "New in version" note
        if kind and dt and para:
            objs.append((kind, dt["id"], first_sentence(para.get_text())))
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>", objs


def python_questions(objects: dict[str, list[tuple[str, str, str]]], per_page: int = 3,
                     seed: int = SEED) -> list[Question]:
    """Up to `per_page` questions per page from its objects' first sentences, none naming object or module."""
    pages_of = defaultdict(set)
    for doc, objs in objects.items():
        for _, _, sentence in objs:
            pages_of[sentence.lower()].add(doc)
    out: list[Question] = []
    for doc, objs in objects.items():
        module = doc.rsplit(".", 1)[0]
        fit = []
        for kind, dotted, sentence in objs:
            names = [module, *dotted.split("."), dotted]
            if 4 <= len(sentence.split()) <= 40 and len(pages_of[sentence.lower()]) <= MAX_SHARED \
                    and not sentence.endswith(":") and not mentions(sentence, names):
                fit.append((kind, dotted, sentence))
        for kind, dotted, sentence in random.Random(f"{seed}:{doc}").sample(fit, min(per_page, len(fit))):
            q = f"Which {kind} {lower_first(sentence)}?"
            out.append(Question(f"py-{kind}-{dotted}", q, sorted(pages_of[sentence.lower()]), split_of(doc, seed),
                                kind))
    return out


def python_pages(max_docs: int | None, seed: int = SEED) -> tuple[dict[str, str], dict[str, list]]:
    if not PY_LIBRARY.is_dir():
        raise SystemExit(f"{PY_LIBRARY} is missing: `apt-get install -y python3.11-doc` installs it")
    files = sorted(PY_LIBRARY.glob("*.html"))
    random.Random(seed).shuffle(files)
    pages, objects = {}, {}
    for f in files[:max_docs]:
        pages[f.name], objects[f.name] = python_objects(f.read_text(encoding="utf-8"))
    return pages, objects


# --- building and caching ----------------------------------------------------------------------------

def build(corpus: str, max_docs: int | None = None, *, min_bytes: int = 1000, max_bytes: int = 100_000) -> Path:
    """The corpus folder (docs/, questions.jsonl, corpus.json), built unless a matching build is cached.
    `max_docs` None: the corpus's default size (`DEFAULT_DOCS`; None there: every page)."""
    max_docs = max_docs or DEFAULT_DOCS.get(corpus)
    params = {"corpus": corpus, "max_docs": max_docs, "min_bytes": min_bytes, "max_bytes": max_bytes,
              "seed": SEED, "build_version": BUILD_VERSION.get(corpus)}
    cache = Path(os.environ.get("RAGTUNE_BENCH_CACHE", Path.home() / ".cache" / "ragtune-bench"))
    root = cache / (corpus if max_docs is None else f"{corpus}-{max_docs}")
    meta = root / "corpus.json"
    if meta.exists() and json.loads(meta.read_text()).get("params") == params:
        return root
    if corpus == "man":
        pages = man_pages(max_docs, min_bytes, max_bytes)
        questions = man_questions(pages)
    elif corpus == "python":
        pages, objects = python_pages(max_docs)
        questions = python_questions(objects)
    else:
        raise SystemExit(f"unknown corpus {corpus!r}: use man or python")
    shutil.rmtree(root / "docs", ignore_errors=True)
    (root / "docs").mkdir(parents=True)
    for doc, text in pages.items():
        (root / "docs" / doc).write_text(text, encoding="utf-8")
    with open(root / "questions.jsonl", "w", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps(asdict(q)) + "\n")
    counts = Counter(f"{q.kind}/{q.split}" for q in questions)
    meta.write_text(json.dumps({"params": params, "documents": len(pages),
                                "bytes": sum(len(t.encode()) for t in pages.values()),
                                "questions": dict(sorted(counts.items()))}, indent=2) + "\n")
    return root


def load_questions(root: Path) -> list[Question]:
    with open(root / "questions.jsonl", encoding="utf-8") as f:
        return [Question(**json.loads(line)) for line in f if line.strip()]
