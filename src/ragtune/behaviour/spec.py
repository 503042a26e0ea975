"""A behaviour spec: the deterministic checks an output must pass, from `[behaviour]` in ragtune.toml.

Every check is optional. `check_output` gives one 0/1 metric per configured check (and `format_ok`, all of
them passing), so each gets a mean with a CI and a paired test like any other metric; a check that is not
configured is absent, never counted as passed. JSON is parsed as the whole output, or the one fenced
block (```json ... ```) a chat model often wraps it in: any other text around the JSON fails `json_valid`,
since a program reading the output would fail too. Schemas are checked with the `jsonschema` library
(the draft the schema names, else 2020-12); the first error is kept per answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ragtune.errors import TaskError

_FENCE = re.compile(r"^```(?:json|JSON)?\s*\n?(.*?)\n?```$", re.DOTALL)
WHOLE_OUTPUT = "output"


@dataclass(frozen=True)
class BehaviourSpec:
    instruction: str = ""
    json_schema: Mapping[str, Any] | None = None
    schema_path: str = ""
    regex: str = ""
    min_words: int | None = None
    max_words: int | None = None
    must_include: tuple[str, ...] = ()
    must_not_include: tuple[str, ...] = ()
    label_field: str = ""  # "" none; "output" the whole output; else a top-level field of the JSON output
    labels: tuple[str, ...] = ()
    _validator: Any = field(default=None, compare=False, repr=False)

    @property
    def wants_json(self) -> bool:
        return self.json_schema is not None or self.label_field not in ("", WHOLE_OUTPUT)

    @property
    def checks(self) -> tuple[str, ...]:
        """The names of the configured checks (the 0/1 metrics `check_output` returns besides format_ok)."""
        names = []
        if self.wants_json:
            names.append("json_valid")
        if self.json_schema is not None:
            names.append("schema_valid")
        if self.regex:
            names.append("regex_ok")
        if self.min_words is not None or self.max_words is not None:
            names.append("length_ok")
        if self.must_include:
            names.append("includes_ok")
        if self.must_not_include:
            names.append("excludes_ok")
        return tuple(names)

    def describe(self) -> str:
        """The spec in words, for the prompt of every variant (the zero-shot `base` learns it only from this)."""
        parts = []
        if self.json_schema is not None:
            parts.append("Reply with one JSON object only, no other text, matching this JSON Schema:\n"
                         + json.dumps(self.json_schema, ensure_ascii=False))
        elif self.wants_json:
            parts.append(f"Reply with one JSON object only, no other text, with a field `{self.label_field}`.")
        if self.label_field and self.labels:
            where = "The reply" if self.label_field == WHOLE_OUTPUT else f"The field `{self.label_field}`"
            parts.append(f"{where} must be one of: {', '.join(self.labels)}.")
        if self.min_words is not None and self.max_words is not None:
            parts.append(f"Use between {self.min_words} and {self.max_words} words.")
        elif self.max_words is not None:
            parts.append(f"Use at most {self.max_words} words.")
        elif self.min_words is not None:
            parts.append(f"Use at least {self.min_words} words.")
        if self.must_include:
            parts.append("Always include: " + "; ".join(f'"{p}"' for p in self.must_include) + ".")
        if self.must_not_include:
            parts.append("Never write: " + "; ".join(f'"{p}"' for p in self.must_not_include) + ".")
        return "\n".join(parts)


def load_spec(settings, root: Path, labels_seen: tuple[str, ...] = ()) -> BehaviourSpec:
    """`[behaviour]` as a spec: the schema file read and checked, the regex compiled (a bad one: TaskError)."""
    schema, validator = None, None
    if settings.json_schema:
        path = Path(settings.json_schema)
        path = path if path.is_absolute() else root / path
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TaskError(f"[behaviour] json_schema: {path} does not exist; give the path of a JSON Schema file.")
        except ValueError as e:
            raise TaskError(f"[behaviour] json_schema: {path} is not valid JSON ({e}).") from e
        validator = _validator_for(schema, path)
    if settings.regex:
        try:
            re.compile(settings.regex)
        except re.error as e:
            raise TaskError(f"[behaviour] regex {settings.regex!r} is not a valid regular expression ({e}).") from e
    if (settings.min_words is not None and settings.max_words is not None
            and settings.min_words > settings.max_words):
        raise TaskError("[behaviour] min_words is larger than max_words; no output could pass.")
    labels = tuple(settings.labels) or (tuple(sorted(set(labels_seen))) if settings.label_field else ())
    return BehaviourSpec(settings.instruction, schema, str(settings.json_schema), settings.regex, settings.min_words,
                         settings.max_words, tuple(settings.must_include), tuple(settings.must_not_include),
                         settings.label_field, labels, validator)


def _validator_for(schema: Any, path: Path):
    from jsonschema import exceptions, validators

    cls = validators.validator_for(schema, default=validators.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except exceptions.SchemaError as e:
        raise TaskError(f"[behaviour] json_schema: {path} is not a valid JSON Schema ({e.message}).") from e
    return cls(schema)


def parse_json(output: str) -> tuple[Any, str | None]:
    """(value, None) when the output is JSON (whole, or one fenced block), else (None, why not)."""
    text = output.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        return json.loads(text), None
    except ValueError as e:
        return None, f"not JSON: {e}"


def words(text: str) -> int:
    return len(text.split())


def check_output(spec: BehaviourSpec, output: str) -> tuple[dict[str, float], dict[str, Any]]:
    """(metrics, details): a 0/1 metric per configured check plus `format_ok`; details hold the parsed
    JSON's label and the first error of the failing checks, for the results file."""
    metrics: dict[str, float] = {}
    details: dict[str, Any] = {}
    errors: list[str] = []
    value = None
    if spec.wants_json:
        value, why = parse_json(output)
        metrics["json_valid"] = float(why is None)
        if why:
            errors.append(why)
    if spec.json_schema is not None:
        if "json_valid" in metrics and not metrics["json_valid"]:
            metrics["schema_valid"] = 0.0
        else:
            error = next(iter(sorted(spec._validator.iter_errors(value), key=lambda e: list(e.path))), None)
            metrics["schema_valid"] = float(error is None)
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                errors.append(f"schema: {where}: {error.message}")
    if spec.regex:
        metrics["regex_ok"] = float(re.search(spec.regex, output) is not None)
        if not metrics["regex_ok"]:
            errors.append(f"does not match {spec.regex!r}")
    if spec.min_words is not None or spec.max_words is not None:
        n = words(output)
        ok = (spec.min_words is None or n >= spec.min_words) and (spec.max_words is None or n <= spec.max_words)
        metrics["length_ok"] = float(ok)
        if not ok:
            errors.append(f"{n} words")
    low = output.casefold()
    if spec.must_include:
        missing = [p for p in spec.must_include if p.casefold() not in low]
        metrics["includes_ok"] = float(not missing)
        if missing:
            errors.append("missing " + ", ".join(repr(p) for p in missing))
    if spec.must_not_include:
        present = [p for p in spec.must_not_include if p.casefold() in low]
        metrics["excludes_ok"] = float(not present)
        if present:
            errors.append("contains " + ", ".join(repr(p) for p in present))
    if metrics:
        metrics["format_ok"] = float(all(metrics.values()))
    if spec.label_field:
        details["predicted_label"] = predicted_label(spec, output, value)
    if errors:
        details["format_error"] = errors[0]
    return metrics, details


def predicted_label(spec: BehaviourSpec, output: str, parsed: Any = None) -> str | None:
    """The label an output gives: the whole output, or the JSON field (None: no such field, or not JSON)."""
    if spec.label_field == WHOLE_OUTPUT:
        return output.strip()
    if parsed is None:
        parsed, why = parse_json(output)
        if why:
            return None
    value = parsed.get(spec.label_field) if isinstance(parsed, dict) else None
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def reference_label(spec: BehaviourSpec, output: str, label: str | None) -> str | None:
    """The right label of an example: its `label`, else read from its reference output."""
    return label if label is not None else (predicted_label(spec, output) if spec.label_field else None)
