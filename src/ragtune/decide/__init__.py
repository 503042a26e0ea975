"""The decision framework: measured results + the user's constraints -> which variant to deploy, with reasons.

`inputs` holds what is weighed (the constraints, the evidence a run measured), `rules` the numbered rules of
docs/decision.md, `recommend` the pure function over a run's summary and records and `recommend_run`, which
reads a run folder and writes `recommendation.json` (`ragtune.runs.RECOMMENDATION`).
"""

from ragtune.decide.inputs import UPDATES_PER_MONTH, Constraints, constraints_from_settings, parse_updates
from ragtune.decide.recommend import RULES_DOC, recommend, recommend_run
from ragtune.errors import DecisionError
from ragtune.runs import RECOMMENDATION

__all__ = ["Constraints", "DecisionError", "RECOMMENDATION", "RULES_DOC", "UPDATES_PER_MONTH",
           "constraints_from_settings", "parse_updates", "recommend", "recommend_run"]
