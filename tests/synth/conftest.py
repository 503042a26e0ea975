from __future__ import annotations

import pytest
from synth_fixtures import HISTORY, TOASTER, WARRANTY, ScriptedTeacher

from ragtune.corpus.document import Chunk


@pytest.fixture
def chunks() -> list[Chunk]:
    return [Chunk("warranty.md#0", "warranty.md", 0, WARRANTY, "Warranty policy"),
            Chunk("history.md#0", "history.md", 0, HISTORY, "Company history"),
            Chunk("toaster.txt#0", "toaster.txt", 0, TOASTER, "Zephyr Toaster")]


@pytest.fixture
def teacher_cls():
    return ScriptedTeacher
