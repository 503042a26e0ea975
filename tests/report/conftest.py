"""The report tests' fixture; the run builders are in report_runs.py (a named module: `from conftest import`
resolved to another folder's conftest when several test folders ran in one pytest call)."""

from pathlib import Path

import pytest

from report_runs import build_runs


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    return build_runs(tmp_path / "runs")
