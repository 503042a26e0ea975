"""The load benchmark's contradiction check (bench/serve_load.py): an answer may show the state acknowledged
before its request or a newer one, never an older one, and never a document deleted before it was asked."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from serve_load import Ledger  # noqa: E402


def test_older_codes_and_deleted_documents_are_contradictions():
    ledger = Ledger()
    ledger.ack(0, 1000)
    ledger.ack(0, 5001)
    sent = time.monotonic()
    ledger.ack(0, 5002)  # acknowledged while the request waited: either is fine
    assert not ledger.contradicts(0, sent, {5001}, True)
    assert not ledger.contradicts(0, sent, {5002}, True)
    assert ledger.contradicts(0, sent, {1000}, True)  # older than what was acknowledged before asking
    ledger.ack(0, None)
    asked_after_delete = time.monotonic()
    assert ledger.contradicts(0, asked_after_delete, {5002}, True)
    assert not ledger.contradicts(0, asked_after_delete, set(), False)
    ledger.ack(0, 5003)  # restored while the request waited
    assert not ledger.contradicts(0, asked_after_delete, {5003}, True)
    assert not ledger.contradicts(1, sent, {1}, True)  # nothing acknowledged yet for vault 1
