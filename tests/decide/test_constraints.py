"""Constraints: words for update rates, defaults from ragtune.toml, flags on top."""

import pytest

from ragtune.config import CONFIG_FILE, ConfigError, load_settings, write_default_config
from ragtune.decide import Constraints, DecisionError, constraints_from_settings, parse_updates


@pytest.mark.parametrize("word, per_month", [("never", 0.0), ("yearly", 1 / 12), ("quarterly", 1 / 3),
                                              ("monthly", 1.0), ("Weekly", 4.3), ("daily", 30.0), ("2.5", 2.5),
                                              (8, 8.0)])
def test_update_words_and_numbers(word, per_month):
    assert parse_updates(word) == pytest.approx(per_month)


def test_unknown_update_word_says_what_is_accepted():
    with pytest.raises(DecisionError, match="never, yearly, quarterly, monthly, weekly, daily"):
        parse_updates("sometimes")


def test_invalid_constraints_are_refused():
    with pytest.raises(DecisionError, match="queries_per_day must be >= 0"):
        Constraints(queries_per_day=-1)
    with pytest.raises(DecisionError, match="latency_ms must be > 0"):
        Constraints(latency_ms=0)


def test_defaults_come_from_ragtune_toml_and_flags_override(tmp_path):
    (tmp_path / CONFIG_FILE).write_text("[cost]\nqueries_per_day = 5000\nupdates_per_month = 1\n"
                                        "[constraints]\nlatency_ms = 800\ncitations_required = true\n"
                                        "budget_usd_per_month = 50\n")
    settings = load_settings(tmp_path)
    c = constraints_from_settings(settings)
    assert c == Constraints(queries_per_day=5000, updates_per_month=1, latency_ms=800, citations_required=True,
                            budget_usd_per_month=50)
    flagged = constraints_from_settings(settings, queries_per_day=50_000, updates_per_month="weekly",
                                        citations_required=False, latency_ms=0, budget_usd_per_month=None,
                                        gpu_available=True)
    assert flagged.queries_per_day == 50_000 and flagged.updates_per_month == 4.3
    assert flagged.citations_required is False and flagged.gpu_available is True
    assert flagged.latency_ms is None  # 0 clears the target
    assert flagged.budget_usd_per_month == 50  # None keeps the setting


def test_default_project_file_documents_the_constraints_section(tmp_path):
    path = write_default_config(tmp_path)
    assert "[constraints]" in path.read_text()
    assert constraints_from_settings(load_settings(tmp_path)) == Constraints()
    (tmp_path / CONFIG_FILE).write_text("[constraints]\nlatency_ms = -5\n")
    with pytest.raises(ConfigError, match="latency_ms"):
        load_settings(tmp_path)
