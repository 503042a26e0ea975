"""`ragtune eval` on a questions file that mixes reference answers with questions exported from a log, graded by
an LLM judge: a real OpenAI-compatible server on 127.0.0.1 (the judge) and a tiny random llama (the answers)."""

import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cli_helpers import run
from ragtune.evaluate.results import read_results, read_summary

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"
QUESTIONS = [
    {"id": "ref", "question": "How long is the warranty?", "answers": ["3 years"],
     "sources": ["policies/warranty.md"]},
    {"id": "none", "question": "What is the share price?", "answers": []},
    {"id": "log1", "question": "How long is the warranty?"},
    {"id": "log2", "question": "Can I return an opened kettle?", "sources": ["policies/returns.html"]},
    {"id": "log3", "question": "Do you ship to Mars?", "answers": None},
]


class Judge(BaseHTTPRequestHandler):
    """Grades relevance when asked for it, correctness otherwise; about Mars it replies with no verdict."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.prompts.append(body["messages"])
        prompt = body["messages"][-1]["content"]
        if "Mars" in prompt:
            verdict = "I would rather not say."
        elif "relevant:" in prompt:
            verdict = '{"relevant": true, "faithful": false}'
        else:
            verdict = '{"correct": false, "faithful": true}'
        data = json.dumps({"model": body["model"], "choices": [{"message": {"role": "assistant", "content": verdict}}],
                           "usage": {"prompt_tokens": 50, "completion_tokens": 9}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def judged_run(tmp_path_factory, tiny_llama_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Judge)
    server.daemon_threads, server.prompts = True, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = tmp_path_factory.mktemp("unreferenced")
    (root / "ragtune.toml").write_text(
        f'[models]\ngenerator = "{tiny_llama_path}"\napi_base = "http://127.0.0.1:{server.server_address[1]}/v1"\n'
        '[generation]\nmax_new_tokens = 4\n[retrieval]\ntop_k = 2\n'
        '[eval]\njudge = "openai:judge"\nbootstrap_resamples = 100\nlatency_sample = 2\n')
    shutil.copytree(EXAMPLES / "policies", root / "docs" / "policies")
    assert run("ingest", str(root / "docs"), "-p", str(root)).exit_code == 0
    (root / "q.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    result = run("eval", "-q", str(root / "q.jsonl"), "--variants", "base,rag", "--run", "mixed", "-p", str(root))
    yield root, result, server.prompts
    server.shutdown()


def test_unreferenced_answers_get_relevance_and_groundedness_not_correctness(judged_run):
    root, result, prompts = judged_run
    assert result.exit_code == 0, result.output
    records = {(r.question_id, r.variant): r for r in read_results(root / "runs" / "mixed")}
    assert len(records) == 10
    for (q, v), r in records.items():
        m = r.metrics
        assert r.referenced == (q in ("ref", "none"))
        assert (m["contains"] is None) == (q != "ref") and (m["hallucinated"] is None) == (q not in ("ref", "none"))
        assert m["declined"] is not None  # measured for every answer
        if q in ("log1", "log2"):  # the judge's relevance, and for rag its faithfulness to the passages
            assert m["judge_correct"] is None and m["judge_relevant"] == 1.0 and "reply" in r.judge
            assert m["judge_faithful"] == (0.0 if v == "rag" else None)
        elif q == "log3":  # a reply without a verdict: unmeasured, with the reason kept
            assert m["judge_relevant"] is None and m["judge_faithful"] is None and "error" in r.judge
        else:  # reference answers (or none, for the unanswerable one): graded on correctness as before
            assert m["judge_correct"] == 0.0 and "judge_relevant" not in m
    assert records["log2", "rag"].metrics["hit@2"] is not None and records["log1", "rag"].metrics["hit@2"] is None
    lines = [json.loads(x) for x in (root / "runs" / "mixed" / "results.jsonl").read_text().splitlines()]
    assert sorted({x["question_id"] for x in lines if x.get("referenced") is False}) == ["log1", "log2", "log3"]
    relevance = [m[-1]["content"] for m in prompts if "relevant:" in m[-1]["content"]]
    assert len(relevance) == 6 and not any("Reference answers" in p or "declines" in p for p in relevance)


def test_every_figure_says_how_many_questions_it_stands_on(judged_run):
    root, result, _ = judged_run
    summary = read_summary(root / "runs" / "mixed")
    rag = summary.variants["rag"]
    assert (rag.n, rag.metric("contains").n, rag.metric("declined").n, rag.metric("hit@2").n) == (5, 1, 5, 2)
    assert rag.metric("judge_relevant").n == 2 and rag.metric("judge_correct").n == 2
    assert summary.cost["variants"]["rag"]["per_query_usd"] > 0  # cost stands on every answer
    assert "5 questions (3 without reference answers: accuracy on 2)" in result.text
    counts = re.search(r"Questions per figure, where not every question counts: (.*?)(?: Cost| \S+ is better|$)",
                       result.text).group(1)
    assert "correct 1" in counts and "abstain 1" in counts and "hit@2 2" in counts and "p50 s 2" in counts


def test_recommend_and_report_take_a_mixed_run(judged_run):
    root, _, _ = judged_run
    advice = run("recommend", "mixed", "-p", str(root), "--json")
    assert advice.exit_code == 0, advice.output
    out = json.loads(advice.output)
    assert out["questions"] == 1 and out["winner"] == "rag"  # accuracy on the one referenced answerable question
    report = run("report", "mixed", "-p", str(root))
    assert report.exit_code == 0, report.output
    html = next((root / "runs" / "mixed").glob("*.html")).read_text()
    assert "(no reference answer)" in html
