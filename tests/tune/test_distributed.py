"""Training on several processes (tune/distributed.py): two CPU ranks over gloo, started by `torchrun` and by
`accelerate launch`, against one process with the same global batch.

Tolerances: the two ranks' step is the one process's arithmetic in the same order (two gradients summed are
the same float whichever is first; counts and losses are summed in float64), so the losses agree to the last
bit when both sides run torch on one thread (measured: max difference 0.0 over 8 steps; with the reference on
2 threads it was 1.4e-5 by step 8, from the thread count alone). `LOSS_ABS` = 1e-5 is ten float32 ulps of a
loss of 10.8, room for an all-reduce that adds in another order, and far below what a wrong shard or a missed
gradient moves (the loss changes by 0.3 in the first steps). The retriever's ranks embed half a batch each,
in other padded shapes, so its losses (about 1.2) differ in the last bits: measured up to 1.9e-6, 16 float32
ulps; `RETRIEVER_ABS` = 1e-4 leaves 50x room and is still far below what losing the other rank's in-batch
negatives moves (a loss over 6 candidates instead of 12: about log 2 = 0.7).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ragtune.errors import TuneError
from ragtune.models.hf_generator import TransformersGenerator
from ragtune.project import Project
from ragtune.tune import TuneConfig, plan_training, train_lora
from ragtune.tune.distributed import World, check_world_size, detect_world, even_shard, step_share
from ragtune.tune.session import tune_project

LOSS_ABS = 1e-5
RETRIEVER_ABS = 1e-4
TRIPLES = [(f"Which crate holds the part numbered {1000 + 7 * i}?", f"Crate {i}: part {1000 + 7 * i}.",
            f"Crate {i + 1}: part {1000 + 7 * (i + 1)}.") for i in range(12)]
# What every rank runs, from a JSON job: LoRA through `train_lora` (or `tune_project` on a project), optionally
# the retriever too. A Python audit hook records every write (open for writing, mkdir, rename at both ends,
# delete) under the job's `root`; each rank reports its results and its writes to `log.<rank>.json`.
RANK_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    job = json.load(open(sys.argv[1]))
    RANK, WRITES = int(os.environ.get("RANK", "0")), []
    ROOTS = (os.path.join(job["root"], ""), os.path.realpath(job["root"]) + os.sep)
    MUTATING = ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.rmtree")

    def audit(event, args):
        if event == "open":
            mode, flags = args[1:3]
            writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & (os.O_WRONLY | os.O_RDWR))
            paths = args[:1] if writing else ()
        else:
            paths = (args[:2] if event == "os.rename" else args[:1]) if event in MUTATING else ()
        WRITES.extend(str(p) for p in paths if isinstance(p, (str, os.PathLike)) and (str(p) + os.sep).startswith(ROOTS))

    sys.addaudithook(audit)
    from ragtune.tune import TuneConfig, train_lora

    def progress(p):  # only rank 0 gets progress; its SIGKILL makes torchrun stop every rank
        if p.step == job["kill_at"]:
            os.kill(os.getpid(), signal.SIGKILL)

    cfg = TuneConfig(**{**job["cfg"], "target_modules": tuple(job["cfg"]["target_modules"])})
    if job["project"]:
        from ragtune.project import Project
        from ragtune.tune.session import tune_project
        _, result = tune_project(Project(job["project"]), train=job["data"], val=job["data"], run="ft-two", cfg=cfg,
                                 progress=progress)
    else:
        result = train_lora(job["model"], job["data"], job["data"], job["root"], cfg, resume=job["resume"],
                            progress=progress)
    report = {"train_loss": result.train_loss, "val_loss": result.val_loss, "adapter": str(result.adapter_dir),
              "plan": result.plan.as_dict()}
    if job["triples"]:
        from pathlib import Path
        import torch
        from sentence_transformers import SentenceTransformer
        from ragtune.models.packaged import packaged_embedder_path
        from ragtune.tune.retriever import RetrieverConfig, Triple, train_retriever
        torch.manual_seed(0)
        model = SentenceTransformer(str(packaged_embedder_path()), device="cpu")
        for m in model.modules():  # no dropout: two ranks' masks cannot be one process's masks
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
        losses = report["retriever_losses"] = []
        report["retriever"] = train_retriever(model, [Triple(*t) for t in job["triples"]],
                                              Path(job["root"]) / "retriever-run", RetrieverConfig(**job["retriever_cfg"]),
                                              progress=lambda step, total, loss: losses.append(loss))
    with open(f"{job['log']}.{RANK}.json", "w") as f:
        json.dump({"writes": WRITES, **report}, f)
""")
RETRIEVER_CFG = {"epochs": 2, "batch_size": 6, "save_every": 2}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(launcher: str, *command) -> subprocess.CompletedProcess:
    """Two ranks of `command` (a script and its arguments, or `-m module ...`) on this CPU, by torchrun or by
    accelerate launch."""
    port = str(_port())
    how = {"torchrun": ["-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", port],
           # --cpu alone would start one process (accelerate's multi-CPU path is mpirun); --multi_gpu starts
           # torchrun's two ranks, which find no GPU and train on the CPU over gloo.
           "accelerate": ["-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
                          "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                          "--main_process_port", port]}[launcher]
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    env |= {"HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, *how, *map(str, command)], env=env, capture_output=True, text=True,
                          timeout=240)


def _job(setup, name: str, **fields) -> tuple[Path, Path]:
    """Write a job for RANK_SCRIPT; returns (the job file, its log prefix)."""
    root, data, cfg, model = setup
    log = root / f"{name}-log"
    job = {"root": str(root / name), "log": str(log), "data": str(data), "model": str(model), "resume": False,
           "kill_at": 0, "project": None, "triples": None, "retriever_cfg": RETRIEVER_CFG,
           "cfg": {**asdict(cfg), "target_modules": list(cfg.target_modules)}} | fields
    path = root / f"{name}.json"
    path.write_text(json.dumps(job))
    return path, log


def _logs(log: Path) -> list[dict]:
    return [json.loads(Path(f"{log}.{rank}.json").read_text()) for rank in (0, 1)]


def _losses(pairs) -> list[float]:
    return [loss for _, loss in pairs]


def _adapter(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(folder / "adapter_model.safetensors")


@pytest.fixture(scope="module")
def one_thread():
    """The references on one thread, as each rank runs (torchrun sets OMP_NUM_THREADS=1)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def setup(tiny_model_dir, tiny_cfg, examples, tmp_path_factory):
    root = tmp_path_factory.mktemp("distributed")
    data = root / "facts.jsonl"
    data.write_text("".join(json.dumps({"messages": m}) + "\n" for m in examples))
    (root / "rank.py").write_text(RANK_SCRIPT)
    cfg = replace(tiny_cfg, checkpoint_every=3, dtype="float32")  # a checkpoint in the middle of an epoch
    return root, data, cfg, tiny_model_dir


@pytest.fixture(scope="module")
def reference(setup, one_thread):
    """One process taking two micro-batches a step: the global batch of two ranks taking one each."""
    root, data, cfg, model = setup
    return train_lora(model, data, data, root / "one", replace(cfg, grad_accum=2))


@pytest.fixture(scope="module")
def two_ranks(setup):
    """Two ranks under torchrun: LoRA for 8 steps, then the retriever for 4."""
    job, log = _job(setup, "two", triples=TRIPLES)
    proc = _launch("torchrun", setup[0] / "rank.py", job)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return setup[0] / "two", _logs(log)


def test_two_ranks_train_as_one_process_with_the_same_global_batch(two_ranks, reference):
    out, (main, other) = two_ranks
    assert main["plan"]["world_size"] == 2 and main["plan"]["steps"] == reference.plan.steps == 8
    assert main["train_loss"] == other["train_loss"]  # every rank saw the same global step
    assert _losses(main["train_loss"]) == pytest.approx(_losses(reference.train_loss), abs=LOSS_ABS, rel=0)
    assert _losses(main["val_loss"]) == pytest.approx(_losses(reference.val_loss), abs=LOSS_ABS, rel=0)
    card = json.loads((out / "training_card.json").read_text())
    assert card["plan"]["world_size"] == 2 and card["steps"] == 8
    want, got = _adapter(reference.adapter_dir), _adapter(out / "adapter")
    assert want.keys() == got.keys()
    for name in want:
        torch.testing.assert_close(got[name], want[name], atol=1e-5, rtol=0)


def test_rank_0_alone_writes_and_the_adapter_answers(two_ranks, reference, tiny_model_dir):
    out, (main, other) = two_ranks
    assert other["writes"] == []  # rank 1 wrote nothing under the run folder, not even a temp file
    written = {str(out / name) for name in ("adapter", "training_card.json", "checkpoints/step-0000006",
                                            "retriever-run/retriever")}
    assert written <= set(main["writes"])
    assert main["adapter"] == other["adapter"] == str(out / "adapter")
    question = [{"role": "user", "content": "What is the capital of Veloria?"}]
    tuned = TransformersGenerator(tiny_model_dir, device="cpu", adapter=out / "adapter")
    same = TransformersGenerator(tiny_model_dir, device="cpu", adapter=reference.adapter_dir)
    answer = tuned.generate(question, max_new_tokens=8)
    assert answer.completion_tokens > 0 and answer.text == same.generate(question, max_new_tokens=8).text


def test_the_retriever_trains_on_two_ranks_as_on_one(two_ranks, tmp_path, one_thread):
    from sentence_transformers import SentenceTransformer

    from ragtune.models.packaged import packaged_embedder_path
    from ragtune.tune.retriever import MODEL_DIR, RetrieverConfig, Triple, train_retriever

    out, (main, other) = two_ranks
    torch.manual_seed(0)
    model = SentenceTransformer(str(packaged_embedder_path()), device="cpu")
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    losses = []
    one = train_retriever(model, [Triple(*t) for t in TRIPLES], tmp_path, RetrieverConfig(**RETRIEVER_CFG),
                          progress=lambda step, total, loss: losses.append(loss))
    assert main["retriever"]["world_size"] == 2 and main["retriever"]["steps"] == one["steps"] == 4
    assert main["retriever_losses"] == pytest.approx(losses, abs=RETRIEVER_ABS, rel=0) and losses[-1] < losses[0]
    saved = SentenceTransformer(str(out / "retriever-run" / MODEL_DIR), device="cpu")
    assert saved.encode(["x"]).shape == (1, 384)


def test_a_killed_project_run_resumes_under_accelerate_launch(setup, two_ranks):
    """`tune_project` on two ranks, SIGKILLed after step 5; one process may not take it over; `ragtune tune
    --resume` under accelerate launch finishes it as the uninterrupted run ended, and reports once."""
    root, data, cfg, model = setup
    proj = root / "proj"
    proj.mkdir()
    keys = ("rank", "alpha", "learning_rate", "epochs", "seq_len", "batch_rows", "grad_accum", "eval_every",
            "patience", "checkpoint_every", "seed", "device", "dtype")
    tune = "\n".join(f"{k} = {json.dumps(getattr(cfg, k))}" for k in keys)
    (proj / "ragtune.toml").write_text(f'[models]\ngenerator = "{model}"\ndevice = "cpu"\n[tune]\n{tune}\n')
    job, log = _job(setup, "proj/runs", project=str(proj), kill_at=5)
    killed = _launch("torchrun", root / "rank.py", job)
    assert killed.returncode != 0 and "SIGKILL" in killed.stderr
    run_dir = proj / "runs" / "ft-two"
    assert [p.name for p in (run_dir / "checkpoints").iterdir()] == ["step-0000003"]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    with pytest.raises(TuneError, match="torchrun --nproc_per_node 2"):
        tune_project(Project(proj), resume=True)

    resumed = _launch("accelerate", "-m", "ragtune.cli", "tune", "--resume", "-p", proj)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stdout.count("Plan: steps 4-8 of 8 steps") == 1, resumed.stdout
    assert resumed.stdout.count("Run ft-two: 8 steps") == 1 and "on 2 processes" in resumed.stdout
    assert json.loads((run_dir / "run.json").read_text())["status"] == "done"
    card = json.loads((run_dir / "training_card.json").read_text())
    _, (whole, _) = two_ranks
    assert card["loss"]["train"] == whole["train_loss"] and card["loss"]["val"] == whole["val_loss"]
    want, got = _adapter(two_ranks[0] / "adapter"), _adapter(run_dir / "adapter")
    assert all(torch.equal(want[k], got[k]) for k in want)


def test_the_plan_counts_global_batches():
    def plan(world_size: int, grad_accum: int = 1):
        return plan_training(TuneConfig(epochs=2, grad_accum=grad_accum, eval_every=0), rows=10, tokens_per_epoch=1000,
                             step_s=1.0, eval_s=0.0, has_val=False, world_size=world_size)

    assert [plan(n).steps_per_epoch for n in (1, 2, 4)] == [10, 5, 3]
    assert plan(2, grad_accum=2).steps_per_epoch == 3 and plan(2).estimated_s == 10.0
    assert "on 2 processes" in plan(2).note and "processes" not in plan(1).note


def test_shares_and_the_launchers_environment():
    group = ["a", "b", "c"]
    assert [step_share(group, World(r, r, 2)) for r in (0, 1)] == [["a", "c"], ["b"]]
    assert [even_shard(list(range(6)), World(r, r, 2)) for r in (0, 1)] == [[0, 1, 2], [3, 4, 5]]
    assert detect_world({}) == World() and detect_world({"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1"}) == World(
        1, 1, 2)
    with pytest.raises(TuneError, match="torchrun"):
        detect_world({"WORLD_SIZE": "two"})
    with pytest.raises(TuneError, match="does not fit"):
        detect_world({"WORLD_SIZE": "2", "RANK": "2"})
    with pytest.raises(TuneError, match="one process"):
        check_world_size(1, World(0, 0, 2), "this run")
