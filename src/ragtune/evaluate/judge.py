"""Optional LLM judge (`[eval] judge`): correctness against the gold answers, faithfulness to the passages,
and, for a task with a `[behaviour] tone` rubric, the tone of an output against the rubric and its reference.
A question without a reference answer (a log export) is graded on relevance instead of correctness.

String metrics miss correct answers phrased differently; a strong judge model catches them. The judge is
any `Generator` (an OpenAI-compatible endpoint in practice). When its reply cannot be read, the metric is
None (unmeasured) and the reason is recorded: a judge failure never counts as a wrong answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Sequence

from ragtune.models.protocols import Generator, Message

JUDGE_SYSTEM = (
    "You grade answers to questions. Reply with one JSON object and nothing else: "
    '{"correct": true or false, "faithful": true or false or null}.'
)
RELEVANCE_SYSTEM = JUDGE_SYSTEM.replace('"correct"', '"relevant"')  # no reference: nothing to be correct against

_OBJECT = re.compile(r"\{.*?\}", re.S)
_BOOL = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "null": None, "none": None}


def judge_messages(question: str, golds: Sequence[str], answer: str, passages: Sequence[str] | None, *,
                   referenced: bool = True) -> list[Message]:
    if not referenced:
        gold = "There is no reference answer: grade the answer on its own."
        rule = ("relevant: the answer addresses the question that was asked (a refusal, or an answer to another "
                "question, is not relevant).")
    elif golds:
        gold = "Reference answers (any one is right): " + " | ".join(golds)
        rule = "correct: the answer states the same fact as a reference answer (wording may differ)."
    else:
        gold = "There is no reference answer: the documents do not answer this question."
        rule = "correct: the answer declines to answer (says it does not know) instead of inventing one."
    parts = [f"Question: {question}", gold, f"Answer to grade: {answer}"]
    if passages is not None:
        context = "\n\n".join(f"[{n}] {p}" for n, p in enumerate(passages, start=1)) or "(none)"
        parts.insert(0, f"Passages given to the answerer:\n{context}")
        rule += " faithful: every claim in the answer is supported by the passages (a refusal is faithful)."
    else:
        rule += " faithful: null (no passages were given)."
    return [{"role": "system", "content": JUDGE_SYSTEM if referenced else RELEVANCE_SYSTEM},
            {"role": "user", "content": "\n\n".join(parts) + "\n\n" + rule}]


def parse_verdict(text: str, key: str = "correct") -> dict[str, bool | None]:
    """`{key: .., "faithful": ..}` from the judge's reply (`key`: "correct", or "relevant" without a reference
    answer); ValueError when there is none."""
    for match in _OBJECT.finditer(text):
        try:
            obj = json.loads(match.group(0).replace("'", '"'))
        except ValueError:
            obj = dict(re.findall(r"[\"']?(\w+)[\"']?\s*:\s*[\"']?(\w+)", match.group(0)))
        if not isinstance(obj, dict):
            continue
        obj = {str(k).lower(): v for k, v in obj.items()}
        if key not in obj:
            continue
        verdict = {}
        for name in (key, "faithful"):
            value = obj.get(name)
            verdict[name] = _BOOL.get(str(value).lower()) if not isinstance(value, bool) else value
        if verdict[key] is None:
            raise ValueError(f"the judge gave no true/false verdict: {match.group(0)[:200]!r}")
        return verdict
    raise ValueError(f"no JSON verdict in the judge's reply: {text[:200]!r}")


def judge_answer(judge: Generator, question: str, golds: Sequence[str], answer: str,
                 passages: Sequence[str] | None, *, referenced: bool = True) -> dict:
    """Record fields for one answer: `judge` (raw verdict or error) and the metrics (None when unmeasured):
    `judge_correct` and `judge_faithful`; without a reference answer `judge_relevant` replaces `judge_correct`."""
    return judge_answers(judge, [JudgeItem(question, tuple(golds), answer, passages, referenced)])[0]


@dataclass(frozen=True)
class JudgeItem:
    question: str
    golds: tuple[str, ...]
    answer: str
    passages: Sequence[str] | None  # None: a closed-book answer (no faithfulness to grade)
    referenced: bool = True


def judge_answers(judge: Generator, items: Sequence[JudgeItem]) -> list[dict]:
    """`judge_answer` for several answers, graded together where the judge batches (a local model's batch, an
    endpoint's requests in flight at once); a failed batch leaves each of its answers unmeasured."""
    prompts = [judge_messages(i.question, i.golds, i.answer, i.passages, referenced=i.referenced) for i in items]
    try:
        if len(prompts) > 1 and hasattr(judge, "generate_batch"):
            replies = [c.text for c in judge.generate_batch(prompts, max_new_tokens=64)]
        else:
            replies = [judge.generate(m, max_new_tokens=64).text for m in prompts]
    except Exception as e:  # noqa: BLE001 - a judge failure (HTTP) is recorded, never fatal, never a zero
        replies = [e] * len(prompts)
    return [_verdict_fields(item, reply) for item, reply in zip(items, replies)]


def _verdict_fields(item: JudgeItem, reply: str | Exception) -> dict:
    key = "correct" if item.referenced else "relevant"
    unmeasured = {"judge_correct": None, "judge_faithful": None} | ({} if item.referenced else {"judge_relevant": None})
    try:
        if isinstance(reply, Exception):
            raise reply
        verdict = parse_verdict(reply, key)
    except Exception as e:  # noqa: BLE001 - as above: an unreadable verdict stays unmeasured
        return {"judge": {"error": f"{type(e).__name__}: {e}"[:300]}, "metrics": unmeasured}
    faithful = verdict["faithful"] if item.passages is not None else None
    return {"judge": {"reply": reply[:500]},
            "metrics": unmeasured | {f"judge_{key}": float(verdict[key]),
                                     "judge_faithful": None if faithful is None else float(faithful)}}


TONE_SYSTEM = ("You grade the tone of a reply against a house style. Reply with one JSON object and nothing "
               'else: {"tone": 1, 2, 3, 4 or 5} (5: exactly the house tone, 1: nothing like it).')
_TONE = re.compile(r"[\"']?tone[\"']?\s*:\s*[\"']?([1-5])\b", re.I)


def tone_messages(rubric: str, reference: str, answer: str) -> list[Message]:
    return [{"role": "system", "content": TONE_SYSTEM},
            {"role": "user", "content": f"House style: {rubric}\n\nA reply in the house style:\n{reference}\n\n"
                                        f"Reply to grade:\n{answer}\n\nGrade the tone only, not the facts."}]


def judge_tone(judge: Generator, rubric: str, reference: str, answer: str) -> dict:
    """Record fields for one task answer: `judge` (raw reply or error) and `judge_tone` (1-5 mapped to 0-1;
    None when unmeasured: a failed or unreadable judge is never a low score)."""
    try:
        reply = judge.generate(tone_messages(rubric, reference, answer), max_new_tokens=32).text
        match = _TONE.search(reply)
        if match is None:
            raise ValueError(f"no tone score 1-5 in the judge's reply: {reply[:200]!r}")
    except Exception as e:  # noqa: BLE001 - as for judge_answer: recorded, never fatal, never a zero
        return {"judge": {"error": f"{type(e).__name__}: {e}"[:300]}, "metrics": {"judge_tone": None}}
    return {"judge": {"reply": reply[:500]}, "metrics": {"judge_tone": (int(match.group(1)) - 1) / 4}}
