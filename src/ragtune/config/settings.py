"""The project file `ragtune.toml` as typed settings.

Every field has a default chosen for the packaged local models, so an empty file is a valid project.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ragtune.config.sections import (BehaviourSettings, ChunkSettings, ConstraintSettings, CostSettings, EvalSettings,
                                     GenerationSettings, IndexSettings, ModelSettings, QuestionsSettings, RetrievalSettings, Section, ServeSettings,
                                     SynthSettings, TuneConfig, VariantSettings)
from ragtune.errors import ConfigError

CONFIG_FILE = "ragtune.toml"
REMOTE_SCHEMES = ("s3://", "s3+ddb://", "gs://", "az://", "abfs://", "memory://")


def is_remote(uri: str) -> bool:
    """An object-store location (LanceDB's URI schemes) rather than a local folder."""
    return uri.startswith(REMOTE_SCHEMES)


class Settings(Section):
    """All settings of one project; `root` is the directory holding `ragtune.toml`."""

    root: Path = Path(".")
    models: ModelSettings = ModelSettings()
    index: IndexSettings = IndexSettings()
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
        """The project's local index folder: the index itself unless `[index] uri` names another place, and
        always where local bookkeeping lives (which folder was ingested)."""
        return self.root / "index"

    @property
    def index_uri(self) -> str:
        """Where the index lives: `[index] uri` (a folder relative to the project, or an object-store URI),
        else `index_dir`."""
        uri = self.index.uri.strip()
        if not uri:
            return str(self.index_dir)
        return uri if is_remote(uri) else str(self.root / Path(uri).expanduser())

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
    except ValidationError as e:  # each error without the value it was given: that could be a secret
        problems = "\n".join(f"  [{'.'.join(map(str, err['loc']))}] {err['msg']}"
                             for err in e.errors(include_url=False, include_input=False))
        raise ConfigError(f"{path}: invalid settings:\n{problems}") from None
