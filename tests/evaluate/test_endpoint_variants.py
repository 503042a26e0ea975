"""A generator per variant, in one `ragtune eval`: the packaged-style local `ft` against variants answered by a
real OpenAI-compatible server on 127.0.0.1 (`ragtune serve` of a second project, serving its weights as
`weights-base` and `weights-ft`), each priced as what it runs on.

Tiny random llama, a LoRA adapter trained by `ragtune tune`: wiring and equality, not answer quality."""

import json
import shutil

import pytest

from cli_helpers import run
from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.serve import create_app
from serve_helpers import serving, small_project

TUNE = """
[synth]
teacher = "none"
[tune]
rank = 8
alpha = 16
learning_rate = 3e-2
epochs = 1
max_steps = 3
eval_every = 0
checkpoint_every = 0
"""
QUESTIONS = [
    {"id": "q1", "question": "How long is the warranty on a kettle?", "answers": ["two years"], "sources": []},
    {"id": "q2", "question": "How many days do I have to return an item?", "answers": ["30 days"], "sources": []},
    {"id": "q3", "question": "Who pays for return shipping?", "answers": ["the customer"], "sources": []},
    {"id": "q4", "question": "Which colour is the sky?", "answers": ["blue"], "options": ["blue", "green", "red"]},
]


@pytest.fixture(scope="module")
def served(tmp_path_factory, tiny_llama_path):
    """Project A trains an ft adapter with the CLI and serves it; project B (a copy: the same adapter run)
    evaluates against A's server."""
    a = tmp_path_factory.mktemp("endpoint-server")
    docs = small_project(a, tiny_llama_path, TUNE)
    for args in (("ingest", str(docs)), ("synth",), ("tune",)):
        result = run(*args, "-p", str(a))
        assert result.exit_code == 0, result.output
    b = tmp_path_factory.mktemp("endpoint-client") / "proj"
    shutil.copytree(a, b)
    app = create_app(Project(a), ServeSettings(max_batch=1, max_tokens=64), ["ft", "rag"])
    with serving(app) as url:
        yield a, b, url


def test_ragtune_serve_offers_the_adapter_as_a_weights_model(served):
    import httpx

    _, _, url = served
    ids = {m["id"]: m["ragtune"] for m in httpx.get(url + "/v1/models").json()["data"]}
    assert {"ft", "rag", "weights-base", "weights-ft"} <= set(ids)
    assert ids["weights-ft"]["weights"] and "+" in ids["weights-ft"]["generator"]  # base + the ft run


def test_one_eval_compares_a_local_ft_with_endpoint_variants_each_at_its_own_prices(served):
    _, b, url = served
    settings = (b / "ragtune.toml").read_text().replace("[models]\n", "[models]\nconcurrency = 1\n", 1)
    (b / "ragtune.toml").write_text(settings + f"""
[eval]
batch_size = 1
latency_sample = 0
[variants.big-rag]
generator = "openai:weights-base"
api_base = "{url}/v1"
retriever = "default"
[variants.big-rag.cost]
hardware_usd_per_hour = 0.0
input_usd_per_mtok = 0.5
output_usd_per_mtok = 1.5
[variants.ft-endpoint]
generator = "openai:weights-ft"
api_base = "{url}/v1"
adapter = "ft"
retriever = "none"
""")  # one request at a time ([models] concurrency, [eval] batch_size): batches of one on both sides, bit for bit
    questions = b / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    result = run("eval", "-q", str(questions), "--variants", "ft,ft-endpoint,big-rag", "--run", "mixed",
                 "-p", str(b))
    assert result.exit_code == 0, result.output
    assert all(v in result.text for v in ("ft-endpoint", "big-rag")) and "Verdict:" in result.text

    run_dir = b / "runs" / "mixed"
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    by = {(r["variant"], r["question_id"]): r for r in rows}
    # the adapter answers over HTTP as it answers here: the same greedy answers, the same option scores
    for q in QUESTIONS:
        assert by[("ft-endpoint", q["id"])]["answer"] == by[("ft", q["id"])]["answer"]
    local = [o["logprob"] for o in by[("ft", "q4")]["options"]]
    remote = [o["logprob"] for o in by[("ft-endpoint", "q4")]["options"]]
    assert remote == pytest.approx(local, abs=1e-3)
    assert by[("big-rag", "q4")]["options"] is not None  # scored by the endpoint's prompt log-probabilities
    assert by[("big-rag", "q1")]["retrieved"] and not by[("ft-endpoint", "q1")]["retrieved"]

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["answerers"]["big-rag"]["generator"] == "weights-base"
    assert manifest["answerers"]["big-rag"]["endpoint"] == f"{url}/v1"
    assert manifest["answerers"]["ft"]["endpoint"] is None

    summary = json.loads((run_dir / "summary.json").read_text())
    cost = summary["cost"]["variants"]
    tokens = summary["variants"]["big-rag"]["tokens"]
    assert cost["big-rag"]["prices"] == {"hardware_usd_per_hour": 0.0, "input_usd_per_mtok": 0.5,
                                         "output_usd_per_mtok": 1.5}
    assert cost["big-rag"]["per_query_usd"] == pytest.approx(tokens["prompt"] * 0.5e-6 + tokens["completion"] * 1.5e-6)
    seconds = summary["variants"]["ft"]["latency_s"]["total_s"]["mean"]
    assert cost["ft"]["prices"] == {} and cost["ft"]["per_query_usd"] == pytest.approx(
        seconds * 0.0893 / 3600 + 0)  # the local machine's seconds at [cost]; no token prices set
    assert cost["ft-endpoint"]["update_usd"] > 0  # an endpoint-served adapter still retrains on an update
    assert any(n.startswith("ft-endpoint: answers with openai:weights-ft but sets no prices")
               for n in summary["cost"]["notes"])
    assert {(p["a"], p["b"]) for p in summary["cost"]["break_even"]} >= {("ft", "big-rag")}
    recommendation = json.loads((run_dir / "recommendation.json").read_text())
    assert recommendation["verdict"]
    assert {(b["tuned"], b["untuned"]) for b in recommendation["break_even"]} == {("ft", "big-rag"),
                                                                                  ("ft-endpoint", "big-rag")}
    recommend = run("recommend", "mixed", "-p", str(b))
    assert recommend.exit_code == 0, recommend.output
    assert "ft (fine-tuned) vs big-rag:" in recommend.text

    report = run("report", "mixed", "-p", str(b))
    assert report.exit_code == 0, report.output
    html = (run_dir / "report.html").read_text()
    assert "weights-base (endpoint)" in html and "input_usd_per_mtok = 0.5" in html


def test_training_names_the_endpoint_variants_it_cannot_train(served):
    """`ragtune tune` trains [models] generator; a project whose generator is an endpoint is told what to do."""
    _, b, url = served
    other = b.parent / "remote-only"
    other.mkdir()
    (other / "ragtune.toml").write_text(f'[models]\ngenerator = "openai:weights-base"\napi_base = "{url}/v1"\n')
    result = run("tune", "-p", str(other))
    assert result.exit_code == 2 and "remote endpoint" in result.text and "local" in result.text


def test_export_prints_the_vllm_command_for_the_projects_adapters(served):
    a, _, _ = served
    result = run("export", "--vllm", "-p", str(a))
    assert result.exit_code == 0, result.output
    ft_run = next(p for p in (a / "runs").iterdir() if p.name.startswith("ft"))
    assert f"--lora-modules weights-ft={(ft_run / 'adapter').resolve()}" in result.text
    assert "--served-model-name weights-base" in result.text and 'generator = "openai:weights-ft"' in result.text
    assert "say what to export" in run("export", "-p", str(a)).text


def test_a_task_is_answered_and_style_scored_on_an_endpoint_as_locally(served, tiny_llama_path, tmp_path):
    """`ragtune eval --task` with a variant on the endpoint: the same prompt reaches the same weights, so its
    outputs, format checks and style scores equal the local base's."""
    from task_helpers import ticket_project

    _, _, url = served
    root = ticket_project(tmp_path, tiny_llama_path, examples=16)
    settings = (root / "ragtune.toml").read_text().replace("[models]\n", "[models]\nconcurrency = 1\n")
    settings = settings.replace("batch_size = 4", "batch_size = 1").replace("latency_sample = 1", "latency_sample = 0")
    (root / "ragtune.toml").write_text(settings + f'[variants.api-base]\ngenerator = "openai:weights-base"\n'
                                                  f'api_base = "{url}/v1"\nretriever = "none"\n')
    result = run("eval", "--task", str(root / "tickets.jsonl"), "--variants", "base,api-base", "--run", "task",
                 "-p", str(root))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (root / "runs" / "task" / "results.jsonl").read_text().splitlines()]
    by = {(r["variant"], r["question_id"]): r for r in rows}
    ids = {r["question_id"] for r in rows}
    assert len(ids) == 4 and len(rows) == 8
    for q in ids:
        local, remote = by[("base", q)], by[("api-base", q)]
        assert remote["answer"] == local["answer"]
        assert {k: remote["metrics"].get(k) for k in ("format_ok", "style")} == \
               {k: local["metrics"].get(k) for k in ("format_ok", "style")}


def test_variants_naming_the_same_model_share_one_copy(tmp_path):
    from ragtune.evaluate.session import judge_of
    from ragtune.variants import answerer

    (tmp_path / "ragtune.toml").write_text(
        '[models]\napi_base = "http://127.0.0.1:9/v1"\n[eval]\njudge = "openai:big"\n'
        '[variants.a]\ngenerator = "openai:big"\nretriever = "none"\n'
        '[variants.b]\ngenerator = "openai:big"\nretriever = "none"\nsystem_prompt = "Be brief."\n'
        '[variants.c]\ngenerator = "openai:big"\napi_base = "http://127.0.0.1:10/v1"\nretriever = "none"\n')
    proj = Project(tmp_path)
    a, b, c = (answerer(proj, name) for name in "abc")
    assert a.generator is b.generator is judge_of(proj)  # one client, one connection pool
    assert c.generator is not a.generator and c.generator.api_base == "http://127.0.0.1:10/v1"
    assert a.describe()["endpoint"] == "http://127.0.0.1:9/v1" and a.describe()["generator"] == "big"


def test_an_adapter_answers_only_on_the_weights_it_was_trained_on(served, tiny_llama_path, tmp_path):
    from ragtune.errors import ProjectError
    from ragtune.variants import answerer

    _, b, _ = served
    other = tmp_path / "other-model"
    shutil.copytree(tiny_llama_path, other)  # the same architecture, but not the folder ft was trained on
    c = tmp_path / "proj"
    shutil.copytree(b, c)
    with (c / "ragtune.toml").open("a") as f:
        f.write(f'\n[variants.ft-other]\ngenerator = "{other}"\nadapter = "ft"\nretriever = "none"\n'
                f'[variants.other]\ngenerator = "{other}"\nretriever = "none"\n')
    proj = Project(c)
    with pytest.raises(ProjectError, match="was trained on .* not on its generator"):
        answerer(proj, "ft-other")
    plain = answerer(proj, "other")  # another local model without an adapter answers
    assert plain.generator is not proj.generator and plain.answer(["Hello?"])[0].completion.model == "other-model"
