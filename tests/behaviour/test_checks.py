"""The behaviour spec's deterministic checks, on outputs built to pass or fail each one."""

import json

import pytest

from ragtune.behaviour.spec import check_output, load_spec, parse_json, predicted_label
from ragtune.config import BehaviourSettings
from ragtune.errors import TaskError

SCHEMA = {"type": "object", "required": ["category", "priority", "reply"],
          "properties": {"category": {"enum": ["billing", "repair", "delivery"]},
                         "priority": {"enum": ["low", "high"]}, "reply": {"type": "string", "minLength": 5}},
          "additionalProperties": False}


@pytest.fixture
def schema_file(tmp_path):
    path = tmp_path / "ticket.schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def spec(tmp_path, **settings):
    return load_spec(BehaviourSettings(**settings), tmp_path)


def test_json_and_schema_checks(tmp_path, schema_file):
    s = spec(tmp_path, json_schema=str(schema_file), label_field="category")
    good = json.dumps({"category": "repair", "priority": "high", "reply": "Hello, we will fix it."})
    metrics, details = check_output(s, good)
    assert metrics == {"json_valid": 1.0, "schema_valid": 1.0, "format_ok": 1.0}
    assert details == {"predicted_label": "repair"}
    fenced = f"```json\n{good}\n```"
    assert check_output(s, fenced)[0]["format_ok"] == 1.0
    metrics, details = check_output(s, "Sure! " + good)  # prose around the JSON: a program could not read it
    assert metrics == {"json_valid": 0.0, "schema_valid": 0.0, "format_ok": 0.0}
    assert details["format_error"].startswith("not JSON") and details["predicted_label"] is None
    wrong = json.dumps({"category": "refund", "priority": "high", "reply": "Hello there"})
    metrics, details = check_output(s, wrong)
    assert metrics["json_valid"] == 1.0 and metrics["schema_valid"] == 0.0 and metrics["format_ok"] == 0.0
    assert details["format_error"].startswith("schema: category:") and "refund" in details["format_error"]
    missing = json.dumps({"category": "billing", "reply": "Hello there"})
    assert "priority" in check_output(s, missing)[1]["format_error"]


def test_regex_length_and_phrases(tmp_path):
    s = spec(tmp_path, regex=r"^Dear \w+,", min_words=5, max_words=12, must_include=["Kind regards"],
             must_not_include=["as an AI"])
    ok = "Dear Ana, your bike ships Monday. Kind regards"
    assert check_output(s, ok)[0] == {"regex_ok": 1.0, "length_ok": 1.0, "includes_ok": 1.0, "excludes_ok": 1.0,
                                      "format_ok": 1.0}
    metrics, details = check_output(s, "Hi Ana, as an AI I cannot help, kind REGARDS")
    assert metrics["regex_ok"] == 0.0 and metrics["excludes_ok"] == 0.0 and metrics["includes_ok"] == 1.0
    assert metrics["format_ok"] == 0.0 and details["format_error"] == "does not match '^Dear \\\\w+,'"
    assert check_output(s, "Dear Ana, Kind regards")[0]["length_ok"] == 0.0  # 4 words, one too few
    assert check_output(s, "Dear Ana, x Kind regards")[0]["length_ok"] == 1.0
    long = "Dear Ana, " + "word " * 20 + "Kind regards"
    assert check_output(s, long)[0]["length_ok"] == 0.0


def test_no_checks_means_no_format_metric(tmp_path):
    assert check_output(spec(tmp_path), "anything") == ({}, {})


def test_whole_output_labels(tmp_path):
    s = spec(tmp_path, label_field="output", labels=["spam", "ham"])
    assert not s.wants_json and s.checks == ()
    assert check_output(s, " spam ")[1] == {"predicted_label": "spam"}
    assert "must be one of: spam, ham" in s.describe()


def test_label_from_a_json_field_and_bad_json(tmp_path):
    s = spec(tmp_path, label_field="priority")
    assert predicted_label(s, '{"priority": "high"}') == "high"
    assert predicted_label(s, '{"priority": {"x": 1}}') is None
    assert predicted_label(s, "[1, 2]") is None
    assert parse_json("{oops")[1].startswith("not JSON")


def test_bad_spec_settings_fail_clearly(tmp_path, schema_file):
    with pytest.raises(TaskError, match="does not exist"):
        spec(tmp_path, json_schema="missing.json")
    (tmp_path / "bad.json").write_text('{"type": "nonsense-type"}')
    with pytest.raises(TaskError, match="not a valid JSON Schema"):
        spec(tmp_path, json_schema="bad.json")
    with pytest.raises(TaskError, match="regular expression"):
        spec(tmp_path, regex="(unclosed")
    with pytest.raises(TaskError, match="min_words is larger"):
        spec(tmp_path, min_words=10, max_words=5)
    described = spec(tmp_path, json_schema=str(schema_file)).describe()
    assert "JSON Schema" in described and '"category"' in described
