"""Writing chosen settings back into `ragtune.toml` in place: the user's comments, order and other sections
stay as they are (tomlkit), and the file is checked as settings before it replaces the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

from ragtune.config.settings import CONFIG_FILE, load_settings
from ragtune.errors import ConfigError


def set_section_values(root: str | Path, section: str, values: Mapping[str, Any], note: str = "") -> Path:
    """Set `values` in `[section]` of `root/ragtune.toml` (created if missing), with `note` as a comment
    above the first of them; returns the file. Invalid values raise ConfigError and change nothing."""
    import tomlkit

    path = Path(root) / CONFIG_FILE
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    table = doc.get(section)
    if table is None:
        table = tomlkit.table()
        doc[section] = table
    for key, value in values.items():
        table[key] = value
    if note and values:
        table[next(iter(values))].comment(note)
    text = tomlkit.dumps(doc)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:  # check it as settings before it replaces the file
        (Path(tmp) / CONFIG_FILE).write_text(text, encoding="utf-8")
        try:
            load_settings(tmp)
        except ConfigError as e:
            raise ConfigError(f"{path}: not changed, the new [{section}] values are invalid: "
                              f"{str(e).split(':', 2)[-1].strip()}") from None
        fd, staged = tempfile.mkstemp(dir=path.parent, prefix=".ragtune.toml.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(staged, path)
    return path
