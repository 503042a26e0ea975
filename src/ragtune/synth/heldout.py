"""The one split between training and evaluation: a fact is held out by a seeded hash of its key.

`ragtune synth` sends held-out facts to validation, never to training; `ragtune questions` asks only about
held-out facts. A hash (not a shuffle of the facts present) decides, so both agree on every fact without
reading each other's files, whichever runs first, and adding a document never moves an old fact across.
"""

from __future__ import annotations

import hashlib

FactKey = tuple[str, str]  # (source chunk or document, normalised answer): `QAPair.fact_key`


def fact_hash(key: FactKey, seed: int) -> float:
    """A number in [0, 1) that depends only on the fact and the seed."""
    digest = hashlib.sha256(f"{seed}\x00{key[0]}\x00{key[1]}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def held_out(key: FactKey, fraction: float, seed: int) -> bool:
    """True when the fact belongs to evaluation (`[synth] val_fraction` of all facts, by hash)."""
    return fraction > 0 and fact_hash(key, seed) < fraction
