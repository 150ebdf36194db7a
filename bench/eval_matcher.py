"""Score the matcher on a question set (default: ../shared/eval/questions.dev.jsonl).

Usage: python bench/eval_matcher.py [QUESTIONS.jsonl] [--catalog DIR] [--misses]
Prints top-1, top-3 and the share of none/other rows answered right, per the set's rules.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT.parent / "shared" / "eval" / "questions.dev.jsonl"
COVERAGE = ROOT.parent / "shared" / "catalogue" / "coverage.yaml"


@dataclass
class Score:
    n: int = 0
    top1: int = 0
    top3: int = 0
    n_reject: int = 0
    reject_ok: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"top-1 {self.top1 / max(1, self.n):.3f}  top-3 {self.top3 / max(1, self.n):.3f}  "
            f"none/other {self.reject_ok / max(1, self.n_reject):.3f}  "
            f"({self.n} labelled, {self.n_reject} none/other)"
        )


def covered_ids() -> set[str]:
    return set(re.findall(r"id:\s*([a-z0-9-]+)", COVERAGE.read_text(encoding="utf-8")))


def evaluate(matcher, rows: list[dict], covered: set[str]) -> Score:  # type: ignore[no-untyped-def]
    s = Score()
    for row in rows:
        ids = [m.id for m in matcher.match(row["q"], 3)]
        expect = row["expect"]
        if expect in (["none"], ["other"]):
            s.n_reject += 1
            ok = not ids if expect == ["none"] else (not ids or ids[0] not in covered)
            s.reject_ok += ok
            if not ok:
                s.misses.append(f"{expect} <- {ids} | {row['q']}")
            continue
        s.n += 1
        hit1 = bool(ids) and ids[0] in expect
        s.top1 += hit1
        s.top3 += any(i in expect for i in ids[:3])
        if not hit1:
            s.misses.append(f"{expect} <- {ids} | {row['q']}")
    return s


def main() -> int:
    from bot.content.bundle import load_catalog_dir

    ap = argparse.ArgumentParser()
    ap.add_argument("questions", nargs="?", default=str(DEFAULT_SET))
    ap.add_argument("--catalog", default=str(ROOT / "procedures_catalog"))
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    text = Path(args.questions).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    matcher = load_catalog_dir(Path(args.catalog)).matcher
    score = evaluate(matcher, rows, covered_ids())
    print(score.line())
    if args.misses:
        print("\n".join(score.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
