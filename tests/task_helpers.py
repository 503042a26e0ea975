"""A small ticket task for tests of `ragtune eval --task` and what reads its runs: JSON outputs with a
category label, a schema, and a project on the tiny random llama."""

import json
from pathlib import Path

CATEGORIES = ["repair", "billing", "delivery"]


def ticket_project(root: Path, generator: Path, *, examples: int, with_answers: bool = True, max_new_tokens: int = 6,
                   resamples: int = 200, style_samples: int = 10) -> Path:
    """Write `examples` tickets (every other one carrying a fact when `with_answers`), schema.json and
    ragtune.toml into `root`; a quarter of the tickets are held out."""
    schema = {"type": "object", "required": ["category", "reply"],
              "properties": {"category": {"enum": CATEGORIES}, "reply": {"type": "string"}}}
    (root / "schema.json").write_text(json.dumps(schema))
    lines = []
    for i in range(examples):
        category = CATEGORIES[i % 3]
        lines.append({"id": f"t{i}", "input": f"Ticket {i}: a question about {category}",
                      "output": json.dumps({"category": category, "reply": f"Dear customer, about {category}."}),
                      "answers": ["Dear customer"] if with_answers and i % 2 else []})
    (root / "tickets.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (root / "ragtune.toml").write_text(
        f'[models]\ngenerator = "{generator}"\n[generation]\nmax_new_tokens = {max_new_tokens}\n'
        f'[eval]\nbatch_size = 4\nlatency_sample = 1\nbootstrap_resamples = {resamples}\n'
        '[behaviour]\ntask = "tickets.jsonl"\njson_schema = "schema.json"\nlabel_field = "category"\n'
        f'shots = 2\nstyle_samples = {style_samples}\ntest_fraction = 0.25\n')
    return root
