"""A question's path from the CLI to the answer, traced (not read): which of ragtune's files it runs
through. docs/architecture.md lists these paths; these tests keep them short and one-way."""

import json
import shutil
from pathlib import Path

import pytest

from call_path import trace
from ragtune.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_llama_path) -> Path:
    root = tmp_path_factory.mktemp("call-path")
    (root / "ragtune.toml").write_text(f'[models]\ngenerator = "{tiny_llama_path}"\n[generation]\n'
                                       'max_new_tokens = 4\n[eval]\nbootstrap_resamples = 100\n')
    shutil.copytree(EXAMPLES / "policies", root / "docs" / "policies")
    app(["ingest", str(root / "docs"), "-p", str(root)], standalone_mode=False)
    (root / "q.jsonl").write_text(json.dumps({"id": "w", "question": "How long is the warranty?",
                                              "answers": ["3 years"], "sources": ["policies/warranty.md"]}) + "\n")
    return root


def test_ask_runs_down_the_layers_through_few_files(project, capsys):
    path = trace(app, ["ask", "How long is the warranty?", "--variant", "rag", "-p", str(project)])
    print(path.order)
    assert path.climbs == []  # no file calls back into one above it on the stack
    assert path.rooms == ["cli", "project.py", "config", "variants", "index", "answer.py", "retrieve", "text.py"]
    assert len(path.files) <= 19, path.files


def test_eval_runs_down_the_layers(project):
    path = trace(app, ["eval", "-q", str(project / "q.jsonl"), "--variants", "base,rag", "--run", "e1",
                       "-p", str(project)])
    print(path.order)
    assert path.climbs == []
    # 12 before jsonl.py (the strict reader of questions and tasks), 13 before `ragtune eval` printed the verdict
    assert len(path.rooms) <= 14, path.rooms
    assert "decide" in path.rooms  # the verdict: better / equivalent / undetermined, with the power line
    assert "project.py" in path.rooms and "variants" in path.rooms and "evaluate" in path.rooms
