"""A bounded schemathesis run against a live server on 127.0.0.1, from the server's own /openapi.json: no 5xx
and no answer outside the declared statuses and content types, for every operation (tiny random llama)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.serve import create_app
from serve_helpers import serving, small_project

ENV = "RAGTUNE_TEST_FUZZ_KEYS"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"


def test_fuzzing_every_operation_finds_no_server_error(tmp_path, tiny_llama_path):
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists() and shutil.which("schemathesis") is None:
        pytest.fail("schemathesis is not installed: `make test` installs it with the dev extra")
    docs = small_project(tmp_path, tiny_llama_path)
    proj = Project(tmp_path)
    proj.ingest(docs)
    os.environ[ENV] = "fuzz-key"
    try:
        app = create_app(proj, ServeSettings(api_key_env=ENV, max_tokens=8, max_body_bytes=20_000,
                                             max_upload_bytes=50_000, request_timeout_s=30), ["base", "rag"])
    finally:
        del os.environ[ENV]
    with serving(app) as url:
        run = subprocess.run([str(cli), "run", f"{url}/openapi.json", "-H", "Authorization: Bearer fuzz-key",
                              "--checks", CHECKS, "--max-examples", "40", "--workers", "1",
                              "--request-timeout", "60", "--no-color"],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert generated and int(generated.group(1)) >= 500 and generated.group(1) == generated.group(2), run.stdout[-2000:]
