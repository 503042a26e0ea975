"""`ragtune demo`: the whole comparison on a knowledge base with two versions, as resumable stages
(`stages.py`), sized to the machine it runs on (`sizing.py`)."""

from ragtune.demo.sizing import BUDGET_S, Sizing, Throughput, choose
from ragtune.demo.log import StageLog, timed
from ragtune.demo.questions import sample_questions, write_questions
from ragtune.demo.stages import (DEMO_DIR, DEMO_SETTINGS, FAST, FULL, STAGES, DemoPlan, DemoResult, check_kb,
                                 demo_config, prepare_project, run_demo)
from ragtune.errors import DemoError

__all__ = ["BUDGET_S", "DEMO_DIR", "DEMO_SETTINGS", "FAST", "FULL", "STAGES", "DemoError", "DemoPlan", "DemoResult",
           "Sizing", "StageLog", "Throughput", "check_kb", "choose", "demo_config", "prepare_project", "run_demo",
           "sample_questions", "timed", "write_questions"]
