"""Run conversation files through the real app (SQLite state): typed turns understood, files passing.

Usage: python bench/eval_conversations.py FOLDER [--show N]
Prints the share of typed turns understood, files passing, expectations failed, and the time per
typed turn (p50/p99).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conversation_runner import run  # noqa: E402

from bot.app import build  # noqa: E402
from bot.config import load_config  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--show", type=int, default=0, help="failing files to print")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="tthc-eval-")
    engine = build(load_config(None, env={}).with_overrides(data_dir=f"{data}/data")).engine()
    files = sorted(p for p in args.folder.glob("*.yaml") if p.name != "known_failing.yaml")
    typed = understood = passed = expectations = 0
    failing = []
    seconds: list[float] = []
    for path in files:
        result = run(engine, path, prefix="eval:")
        typed, understood = typed + result.typed, understood + result.understood
        expectations += len(result.failures)
        seconds += result.seconds
        if result.failures:
            failing.append((path.name, result.failures))
        else:
            passed += 1
    print(f"typed turns understood: {understood}/{typed} = {understood / max(typed, 1):.1%}")
    print(
        f"files passing every expectation: {passed}/{len(files)} = {passed / max(len(files), 1):.1%}"
    )
    print(f"expectations failed: {expectations}")
    if seconds:
        seconds.sort()
        p50, p99 = (seconds[int(q * (len(seconds) - 1))] * 1000 for q in (0.5, 0.99))
        print(
            f"per typed turn (engine + SQLite): p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(seconds)})"
        )
    for name, failures in failing[: args.show]:
        print(f"-- {name}")
        for line in failures[:3]:
            print("   ", line[:300])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
