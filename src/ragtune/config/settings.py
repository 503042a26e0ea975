"""The project file `ragtune.toml` as typed settings.

Every field has a default chosen for the packaged local models, so an empty file is a valid project.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ragtune.config.sections import (BehaviourSettings, ChunkSettings, ConstraintSettings, CostSettings, EvalSettings,
                                     GenerationSettings, ModelSettings, QuestionsSettings, RetrievalSettings, Section, ServeSettings,
                                     SynthSettings, TuneConfig, VariantSettings)
from ragtune.errors import ConfigError

CONFIG_FILE = "ragtune.toml"


class Settings(Section):
    """All settings of one project; `root` is the directory holding `ragtune.toml`."""

    root: Path = Path(".")
    models: ModelSettings = ModelSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    generation: GenerationSettings = GenerationSettings()
    synth: SynthSettings = SynthSettings()
    questions: QuestionsSettings = QuestionsSettings()
    tune: TuneConfig = TuneConfig()
    eval: EvalSettings = EvalSettings()
    cost: CostSettings = CostSettings()
    constraints: ConstraintSettings = ConstraintSettings()
    behaviour: BehaviourSettings = BehaviourSettings()
    serve: ServeSettings = ServeSettings()
    variants: dict[str, VariantSettings] = {}

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def synth_dir(self) -> Path:
        return self.root / "synth"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"


def load_settings(root: str | Path = ".") -> Settings:
    """Read `root/ragtune.toml`; a directory without one gets the defaults."""
    root = Path(root)
    path = root / CONFIG_FILE
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: not valid TOML ({e}). Fix the file or re-create it with `ragtune init`.") from e
    try:
        return Settings(root=root, **data)
    except ValidationError as e:
        raise ConfigError(f"{path}: invalid settings:\n{e}") from e
