"""The importer's Vietnamese wording, kept as content in texts.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml


@cache
def texts() -> dict[str, Any]:
    """Wording of generated entries (bot/importer/texts.yaml)."""
    with (Path(__file__).parent / "texts.yaml").open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))
