"""Print the first-card sizes (characters) the bot sends for every procedure: curated, bundles, imported.

.venv/bin/python scripts/card_sizes.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.core.engine import MemoryStore, Turn  # noqa: E402
from bot.core.messages import Incoming  # noqa: E402
from bot.core.state import ConversationState  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        engine = build(
            load_config(None, env={}).with_overrides(data_dir=tmp), MemoryStore()
        ).engine()
        sizes: dict[str, list[int]] = {"procedure": [], "bundle": [], "imported": []}
        for proc in engine.content.catalog:
            turn = Turn(engine, Incoming("size", proc.id), ConversationState(proc=proc.id))
            engine.run(turn, "guide.summary")
            n = max(len(r.text) for r in turn.replies)
            kind = "bundle" if proc.is_bundle else "imported" if proc.imported else "procedure"
            sizes[kind].append(n)
        for kind, values in sizes.items():
            if values:
                print(
                    f"{kind:>10}: {len(values):>4} cards, median {statistics.median(values):.0f}, max {max(values)} chars"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
