"""Project settings: `ragtune.toml` read into typed sections (`sections`), loaded (`settings`), and the
commented default file `ragtune init` writes (`template`)."""

from ragtune.config.sections import (ALL_LINEAR, BehaviourSettings, ChunkSettings, ConstraintSettings, CostSettings, EvalSettings,
                                     GenerationSettings, IndexSettings, ModelSettings, RetrievalSettings, ServeSettings, SynthSettings,
                                     TuneConfig, VariantSettings)
from ragtune.config.settings import CONFIG_FILE, Settings, is_remote, load_settings
from ragtune.config.template import DEFAULT_CONFIG, write_default_config
from ragtune.errors import ConfigError

__all__ = ["ALL_LINEAR", "BehaviourSettings", "CONFIG_FILE", "DEFAULT_CONFIG", "ChunkSettings", "ConfigError", "ConstraintSettings",
           "CostSettings", "EvalSettings", "GenerationSettings", "IndexSettings", "ModelSettings", "RetrievalSettings", "ServeSettings", "Settings",
           "SynthSettings", "TuneConfig", "VariantSettings", "is_remote", "load_settings", "write_default_config"]
