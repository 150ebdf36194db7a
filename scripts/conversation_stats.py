"""Run every conversation file and print the share of typed turns understood (README figure).

.venv/bin/python scripts/conversation_stats.py [FOLDER ...]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conversation_runner import run  # noqa: E402

from bot.app import build  # noqa: E402
from bot.config import load_config  # noqa: E402


def main(folders: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        engine = build(load_config(None, env={}).with_overrides(data_dir=tmp)).engine()
        typed = understood = files = failed = 0
        for folder in folders or [str(ROOT / "tests" / "conversations")]:
            for path in sorted(Path(folder).glob("*.yaml")):
                if path.name == "known_failing.yaml":
                    continue
                result = run(engine, path, prefix=f"{folder}:")
                files += 1
                typed += result.typed
                understood += result.understood
                if result.failures:
                    failed += 1
                    print(f"FAIL {path}:\n  " + "\n  ".join(result.failures))
        share = 100.0 * understood / max(1, typed)
        print(
            f"{files} conversations, {failed} failing; typed turns understood: {understood}/{typed} = {share:.1f} %"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
