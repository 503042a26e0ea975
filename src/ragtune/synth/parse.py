"""Robust parsing of a teacher's question/answer output.

Small models rarely emit clean JSON: they wrap it in code fences, add prose, use single quotes,
leave trailing commas, stop mid-array, or fall back to "Q: ... A: ..." lines. Every complete pair
that can be recovered is returned; nothing here judges whether a pair is any good (see validate).
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)(?:```|$)", re.DOTALL)
_QUESTION_KEYS = ("question", "q", "query", "prompt", "questions")
_ANSWER_KEYS = ("answer", "a", "ans", "response", "reply", "answers")
_Q_LINE = re.compile(r"^\s*(?:\d+[.)]\s*)?(?:Q(?:uestion)?\s*\d*)\s*[:.)\-]\s*(.*)$", re.IGNORECASE)
_A_LINE = re.compile(r"^\s*(?:A(?:nswer)?\s*\d*)\s*[:.)\-]\s*(.*)$", re.IGNORECASE)
_INLINE_A = re.compile(r"\s+A(?:nswer)?\s*[:\-]\s+", re.IGNORECASE)


def parse_qa_output(text: str) -> list[tuple[str, str]]:
    """All (question, answer) pairs recoverable from a teacher's reply, in order, exact duplicates removed."""
    text = re.sub(r"[*_]{2}", "", text or "")  # markdown bold around "Question:" labels
    pairs: list[tuple[str, str]] = []
    for block in _candidate_blocks(text):
        pairs = _pairs_from_values(_json_values(block))
        if pairs:
            break
    if not pairs:
        pairs = _pairs_from_lines(text)
    return list(dict.fromkeys((q.strip(), a.strip()) for q, a in pairs if q.strip() and a.strip()))


def _candidate_blocks(text: str) -> list[str]:
    fenced = [m.group(1) for m in _FENCE.finditer(text) if m.group(1).strip()]
    return fenced + [text] if fenced else [text]


def _json_values(text: str) -> list[Any]:
    """The whole JSON-ish value if it parses, else every complete top-level object (a truncated array)."""
    start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
    if start < 0:
        return []
    closer = "]" if text[start] == "[" else "}"
    end = text.rfind(closer)
    if end > start:
        value = _loads(text[start:end + 1])
        if value is not None:
            return [value]
    return [v for v in (_loads(obj) for obj in _complete_objects(text[start:])) if v is not None]


def _loads(snippet: str) -> Any:
    """json, then a lenient pass: trailing commas, Python literals and single quotes via `ast.literal_eval`."""
    try:
        return json.loads(snippet)
    except ValueError:
        pass
    fixed = re.sub(r",\s*([\]}])", r"\1", snippet)
    try:
        return json.loads(fixed)
    except ValueError:
        pass
    pythonic = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", re.sub(r"\bnull\b", "None", fixed)))
    try:
        return ast.literal_eval(pythonic)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _complete_objects(text: str) -> list[str]:
    """Balanced `{...}` spans at the outermost object level, respecting quoted strings of both kinds."""
    objects, depth, start, quote, escaped = [], 0, -1, "", False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'" and depth > 0 and not (ch == "'" and text[i - 1:i].isalpha() and text[i + 1:i + 2].isalpha()):
            quote = ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                objects.append(text[start:i + 1])
    return objects


def _pairs_from_values(values: list[Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for value in values:
        if isinstance(value, list):
            pairs.extend(_pairs_from_values(value))
        elif isinstance(value, dict):
            pair = _pair_from_dict(value)
            if pair:
                pairs.append(pair)
            else:  # a wrapper like {"pairs": [...]} or {"questions": [...]}
                pairs.extend(_pairs_from_values([v for v in value.values() if isinstance(v, (list, dict))]))
    return pairs


def _pair_from_dict(obj: dict) -> tuple[str, str] | None:
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    question = next((lowered[k] for k in _QUESTION_KEYS if isinstance(lowered.get(k), str)), None)
    answer = next((lowered[k] for k in _ANSWER_KEYS if k in lowered), None)
    if isinstance(answer, list) and answer and all(isinstance(a, (str, int, float)) for a in answer):
        answer = str(answer[0])
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    if isinstance(question, str) and isinstance(answer, str):
        return question, answer
    return None


def _pairs_from_lines(text: str) -> list[tuple[str, str]]:
    """"Q: ... / A: ..." (or "Question 1: ... Answer: ...") lines, also both on one line, or each label
    alone on its line with the text on the next non-empty line (a SmolLM2 habit)."""
    pairs: list[tuple[str, str]] = []
    question: str | None = None
    waiting = ""  # "q" or "a": a bare label was seen, its text is on a following line
    for line in text.splitlines():
        q_match, a_match = _Q_LINE.match(line), _A_LINE.match(line)
        if q_match:
            parts = _INLINE_A.split(q_match.group(1), maxsplit=1)
            if len(parts) == 2:
                pairs.append((parts[0], parts[1]))
                question, waiting = None, ""
            else:
                question, waiting = parts[0], ("q" if not parts[0].strip() else "")
        elif a_match and question is not None:
            if a_match.group(1).strip():
                pairs.append((question, a_match.group(1)))
                question, waiting = None, ""
            else:
                waiting = "a"
        elif waiting and line.strip():
            if waiting == "q":
                question, waiting = line.strip(), ""
            elif question is not None:
                pairs.append((question, line.strip()))
                question, waiting = None, ""
    return [(q.strip().strip('"'), a.strip().strip('"')) for q, a in pairs]
