"""`ragtune ingest --engine ray`: the same index as the local engine, on a local Ray instance of 2 CPUs, with the
real packaged embedder (one per actor) and the real documents of examples/docs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="the Ray engine needs the extra ragtune[scale]")

from cli_helpers import run  # noqa: E402
from index_fixtures import table_contents  # noqa: E402

from ragtune import Project  # noqa: E402
from ragtune.config import write_default_config  # noqa: E402
from ragtune.index.engine import LOCAL  # noqa: E402
from ragtune.index.ray_engine import RayEngine  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"
FILES = ("company/history.pdf", "policies/returns.html", "policies/warranty.md", "products/aurora-kettle.md",
         "products/zephyr-toaster.txt", "support/faq.jsonl")


@pytest.fixture(scope="module")
def cluster():
    """A local Ray instance of 2 CPUs for the module; the engine uses it and leaves it running."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    for rel in FILES:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / rel, folder / rel)
    care = [f"Step {n}: rinse part {n} of the kettle in warm water, dry it with a soft cloth and refit it before "
            "the next use." for n in range(1, 13)]
    (folder / "support/care.md").write_text("# Care guide\n\n" + "\n\n".join(care) + "\n")
    return folder


def project(root: Path) -> Project:
    """A project with short chunks: about 70 chunks, so more than one embed batch of 64 (two actors)."""
    path = write_default_config(root)
    text = path.read_text().replace("[chunking]\nmax_tokens = 256", "[chunking]\nmax_tokens = 16", 1)
    path.write_text(text.replace("\noverlap = 32\n", "\noverlap = 4\n", 1))
    proj = Project(root)
    assert (proj.settings.chunking.max_tokens, proj.settings.chunking.overlap) == (16, 4)
    return proj


def assert_same_index(a: Project, b: Project) -> None:
    """Same rows (ids, texts, doc and chunk hashes, metadata), the same vectors, the same table version."""
    rows_a, vecs_a = table_contents(a.index)
    rows_b, vecs_b = table_contents(b.index)
    assert rows_a == rows_b and len(rows_a) > 64
    assert vecs_a.keys() == vecs_b.keys()
    for key in vecs_a:
        # the same embed batches: equal here (0.0 apart); other thread counts may move the last bits
        np.testing.assert_allclose(vecs_a[key], vecs_b[key], atol=1e-3)
    assert a.index.version == b.index.version


def without_time(report):
    return report.__class__(**{**report.__dict__, "seconds": 0.0})


def test_ray_ingest_equals_local_then_stays_equal_through_edits(cluster, docs, tmp_path):
    local, on_ray = project(tmp_path / "local"), project(tmp_path / "ray")
    first_local = local.ingest(docs)
    first_ray = on_ray.ingest(docs, engine="ray", actors=2)
    assert first_ray.load == first_local.load and len(first_ray.load.documents) == 9
    assert without_time(first_ray.sync) == without_time(first_local.sync)
    assert first_ray.sync.chunks_embedded > 64  # two embed batches, one per actor, back in order
    assert_same_index(local, on_ray)
    assert ray.is_initialized()  # a connection the engine found is left open

    # exact incremental sync: one file changed, one deleted, one added; the Ray side through the CLI flag
    (docs / "policies/warranty.md").write_text((docs / "policies/warranty.md").read_text()
                                               + "\n\nThe warranty now also covers limescale damage.\n")
    (docs / "products/aurora-kettle.md").unlink()
    (docs / "products/nimbus-blender.md").write_text("# Nimbus blender\n\nThe Nimbus blender has six speeds and a "
                                                     "1.5 litre glass jar. Its blades come out for cleaning.\n")
    second_local = local.ingest(docs)
    out = run("ingest", str(docs), "-p", str(tmp_path / "ray"), "--engine", "ray", "--actors", "2")
    assert out.exit_code == 0, out.output
    s = second_local.sync
    assert (s.added, s.changed, s.removed) == (("products/nimbus-blender.md",), ("policies/warranty.md",),
                                               ("products/aurora-kettle.md",))
    assert s.chunks_reused > 0  # the changed file's unchanged paragraphs keep their vectors
    assert (f"{len(s.added)} added, {len(s.changed)} changed, {len(s.removed)} removed, {len(s.unchanged)} "
            f"unchanged; {s.chunks_embedded} chunks embedded") in out.text
    assert f"(table version {s.version})" in out.text
    assert_same_index(local, Project(tmp_path / "ray"))


def test_parse_and_chunk_tasks_keep_the_order_of_files_and_documents(cluster, docs):
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (docs / "empty.txt").write_text(" \n")
    (docs / "support/more-faq.jsonl").write_text((docs / "support/faq.jsonl").read_text())  # duplicate ids
    proj = project(docs.parent / "proj")
    engine = RayEngine(proj.settings.models, proj.settings.chunking, task_items=2)  # many small tasks
    with engine:
        loaded = engine.load(docs)
        assert loaded == LOCAL.load(docs)
        assert {s.path for s in loaded.skipped} >= {"broken.pdf", "empty.txt", "support/more-faq.jsonl"}
        chunker = proj.chunker()
        assert engine.chunk(loaded.documents, chunker) == LOCAL.chunk(loaded.documents, chunker)


def test_unknown_engine_and_address_without_ray_are_refused(tmp_path, docs):
    write_default_config(tmp_path / "proj")
    out = run("ingest", str(docs), "-p", str(tmp_path / "proj"), "--engine", "spark")
    assert out.exit_code == 2 and "unknown engine 'spark': use local or ray" in out.text
    for option in (["--address", "ray://head:10001"], ["--actors", "2"]):
        out = run("ingest", str(docs), "-p", str(tmp_path / "proj"), *option)
        assert out.exit_code == 2 and "options of the Ray engine: add --engine ray" in out.text


def test_without_ray_the_engine_says_how_to_install_it(tmp_path, docs):
    write_default_config(tmp_path / "proj")
    code = ("import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
            "from typer.testing import CliRunner\nfrom ragtune.cli import app\n"
            f"r = CliRunner().invoke(app, ['ingest', {str(docs)!r}, '-p', {str(tmp_path / 'proj')!r}, '--engine', 'ray'])\n"
            "print(r.exit_code, ' '.join(r.output.split()))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("2 "), out.stdout + out.stderr
    assert "pip install 'ragtune[scale]'" in out.stdout and "leave out --engine ray" in out.stdout
    assert not (tmp_path / "proj" / "index").exists()  # refused before anything was written
