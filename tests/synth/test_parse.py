import json
from pathlib import Path

import pytest

from ragtune.synth.parse import parse_qa_output

CASES = json.loads((Path(__file__).parent / "data" / "malformed_teacher_outputs.json").read_text())


def test_corpus_is_big_enough():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_parser_recovers_every_complete_pair(case):
    assert parse_qa_output(case["text"]) == [tuple(p) for p in case["expect"]]
