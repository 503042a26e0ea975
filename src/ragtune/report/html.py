"""`write_report`: one self-contained HTML file for an eval run (inline CSS, SVG charts and script; no URL),
so it opens offline, from an e-mail attachment or a CI artifact."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from ragtune.report.charts import colors_for
from ragtune.report.data import RunData, load_run
from ragtune.report.elements import Section, Table, row
from ragtune.report.freshness import freshness_section
from ragtune.report.headline import headline_section
from ragtune.report.operations import cost_section, latency_section
from ragtune.report.quality import accuracy_section, behaviour_section, forgetting_section, retrieval_section
from ragtune.report.questions import all_tags, question_rows
from ragtune.report.retriever import retriever_section
from ragtune.report.task import task_section
from ragtune.runs import REPORT, write_text


def write_report(run_dir: Path, out: Path | None = None, *, after: Path | None = None,
                 recommendation: dict | None = None, task: Path | None = None, behaviour: dict | None = None) -> Path:
    """Write the report of `run_dir` (default `run_dir/report.html`); `after`: a freshness run after a document
    update, compared with `run_dir` on the changed facts; `recommendation`: `ragtune.decide.recommend`'s result
    (its `behaviour` verdict, when it weighed a task run); `task`: a `ragtune eval --task` run (format,
    labels, style) and `behaviour` its verdict (`ragtune.decide.behaviour_verdict`; default: the
    recommendation's)."""
    run = load_run(Path(run_dir))
    later = load_run(Path(after)) if after is not None else None
    task_run = load_run(Path(task)) if task is not None else None
    return write_text(Path(out) if out is not None else run.path / REPORT,
                      render_report(run, later, recommendation, task_run, behaviour))


def render_report(run: RunData, after: RunData | None = None, recommendation: dict | None = None,
                  task: RunData | None = None, behaviour: dict | None = None) -> str:
    names = run.variants + (after.variants if after else []) + (task.variants if task else [])
    colors = colors_for(list(dict.fromkeys(names)))
    verdict = behaviour or (recommendation or {}).get("behaviour")
    sections = [headline_section(run, recommendation, after), accuracy_section(run, colors),
                latency_section(run, colors), cost_section(run, colors), freshness_section(run, after, colors),
                retrieval_section(run, colors), retriever_section(run), behaviour_section(run, colors),
                task_section(task, colors, verdict), forgetting_section(run, after)]
    rows = question_rows(run)
    tail = [manifest_section(run, after)]
    template = _environment().get_template("report.html.j2")
    return template.render(run=run, after=after, sections=sections, tail=tail, questions=rows, tags=all_tags(rows),
                           variants=run.variants)


def manifest_section(run: RunData, after: RunData | None) -> Section:
    title = "Run manifest"
    if run.manifest is None:
        return Section("manifest", title, missing=f"run {run.run_id} has no manifest.json (it was not written by "
                       "`ragtune eval`), so its settings and versions are unknown.")
    m = run.manifest
    facts = [("run", run.run_id), ("created", m.created), ("variants", ", ".join(m.variants)),
             ("questions", f"{m.questions} (hash {m.questions_hash})"), ("corpus version", m.corpus_version),
             ("generator", _named(m.generator, "spec")), ("embedder", m.embedder), ("seed", m.seed),
             ("temperature", m.temperature)]
    facts += [(f"model of {v}", d.get("generator") + (f" at {d['endpoint']}" if d.get("endpoint") else ""))
              for v, d in (m.extra.get("answerers") or {}).items() if d.get("generator")]
    facts += [(f"adapter of {v}", f"{a.get('path')} (hash {a.get('hash')})") for v, a in m.adapters.items()]
    facts += [("packages", ", ".join(f"{k} {v}" for k, v in m.packages.items()))]
    retrieval = m.settings.get("retrieval")
    if retrieval:
        facts.append(("retrieval settings", ", ".join(f"{k} = {v}" for k, v in retrieval.items())))
    table = Table("table-manifest", ("setting", "value"), tuple(row(k, "–" if v is None else str(v))
                                                                  for k, v in facts))
    details = [(f"manifest.json of {run.run_id}", json.dumps(m.to_json(), indent=2, ensure_ascii=False))]
    if after is not None and after.manifest is not None:
        details.append((f"manifest.json of {after.run_id} (after the update)",
                        json.dumps(after.manifest.to_json(), indent=2, ensure_ascii=False)))
    return Section("manifest", title, paragraphs=("What this run measured, so it can be reproduced: settings, "
                   "package versions, model and adapter hashes, the corpus (LanceDB table) version.",),
                   tables=(table,), details=tuple(details))


def _named(value: object, key: str) -> object:
    if isinstance(value, dict):
        return f"{value.get(key)} (hash {value.get('hash')})"
    return value


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("ragtune.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["code"] = inline_code
    return env


def inline_code(text: str) -> Markup:
    """Escape, then show `backticked` spans as code (commands and field names in the report's prose)."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))
