"""The decision framework: measured results + the user's constraints -> which variant to deploy, with reasons.

`recommend` is a pure function over summary.json and results.jsonl records; `recommend_run` reads a run
folder and writes `recommendation.json`. The rules, numbered and with their evidence, are in docs/decision.md.
"""

from ragtune.decide.constraints import UPDATES_PER_MONTH, Constraints, constraints_from_settings, parse_updates
from ragtune.errors import DecisionError
from ragtune.decide.recommend import RULES_DOC, recommend
from ragtune.decide.run import RECOMMENDATION, find_run, load_run, recommend_run

__all__ = ["Constraints", "DecisionError", "RECOMMENDATION", "RULES_DOC", "UPDATES_PER_MONTH",
           "constraints_from_settings", "find_run", "load_run", "parse_updates", "recommend", "recommend_run"]
