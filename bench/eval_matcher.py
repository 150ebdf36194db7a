"""Score the matcher on question sets (default: ../shared/eval/questions.dev.jsonl).

Usage: python bench/eval_matcher.py [SET.jsonl ...] [--catalog DIR] [--misses] [--by-style]
Prints top-1, top-3 and the share of none/other rows answered right, per the set's rules, per
style, and strict national-code top-1. Labels are covered ids, `none`, `other`, or national codes
("1.001234"): a match is right when its id or one of its national codes is in `expect`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.catalog import CODE_RE  # noqa: E402

SHARED = next(
    (d for d in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if d.is_dir()),
    ROOT.parent / "shared",
)
DEFAULT_SET = SHARED / "eval" / "questions.dev.jsonl"
COVERAGE = SHARED / "catalogue" / "coverage.yaml"


@dataclass
class Score:
    n: int = 0
    top1: int = 0
    top3: int = 0
    n_reject: int = 0
    reject_ok: int = 0
    n_code: int = 0  # rows labelled only with national codes (outside the curated entries)
    code_top1: int = 0
    misses: list[str] = field(default_factory=list)
    styles: dict[str, Score] = field(default_factory=dict)

    def line(self) -> str:
        code = (
            f"  national-code top-1 {self.code_top1 / self.n_code:.3f} ({self.n_code})"
            if self.n_code
            else ""
        )
        return (
            f"top-1 {self.top1 / max(1, self.n):.3f}  top-3 {self.top3 / max(1, self.n):.3f}  "
            f"none/other {self.reject_ok / max(1, self.n_reject):.3f}  "
            f"({self.n} labelled, {self.n_reject} none/other){code}"
        )


def covered_ids() -> set[str]:
    return set(re.findall(r"id:\s*([a-z0-9-]+)", COVERAGE.read_text(encoding="utf-8")))


def evaluate(matcher, rows: list[dict], covered: set[str]) -> Score:  # type: ignore[no-untyped-def]
    s = Score()
    procs = matcher.catalog.procedures
    for row in rows:
        got = matcher.match(row["q"], 3)
        ids = [m.id for m in got]
        keys = [{m.id, *procs[m.id].codes} for m in got]
        expect = row["expect"]
        for sc in (s, s.styles.setdefault(row.get("style", "?"), Score())):
            _score_row(sc, row, expect, ids, keys, covered)
    return s


def _score_row(
    s: Score,
    row: dict,
    expect: list[str],
    ids: list[str],
    keys: list[set[str]],  # noqa: PLR0913
    covered: set[str],
) -> None:
    if expect in (["none"], ["other"]):
        s.n_reject += 1
        ok = not ids if expect == ["none"] else (not ids or ids[0] not in covered)
        s.reject_ok += ok
        if not ok:
            s.misses.append(f"{expect} <- {ids} | {row['q']}")
        return
    s.n += 1
    want = set(expect)
    hit1 = bool(keys) and bool(keys[0] & want)
    s.top1 += hit1
    s.top3 += any(k & want for k in keys[:3])
    if all(CODE_RE.match(e) for e in expect):
        s.n_code += 1
        s.code_top1 += hit1
    if not hit1:
        s.misses.append(f"{expect} <- {ids} | {row['q']}")


def main() -> int:
    from bot.content.bundle import load_catalog_dir

    ap = argparse.ArgumentParser()
    ap.add_argument("questions", nargs="*", default=[str(DEFAULT_SET)])
    ap.add_argument("--catalog", default=str(ROOT / "procedures_catalog"))
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--by-style", action="store_true", help="one line per style")
    ap.add_argument(
        "--national",
        action="store_true",
        help="add every national record of shared/reference/dvcqg-api the catalogue lacks (in memory)",
    )
    args = ap.parse_args()
    matcher = load_catalog_dir(Path(args.catalog)).matcher
    if args.national:
        sys.path.insert(0, str(ROOT / "scripts"))
        from matcher_data import with_national

        from bot.core.matcher import Matcher

        matcher = Matcher(
            with_national(matcher.catalog), matcher.lexicon, matcher.topics, matcher.models
        )
        print(f"catalogue with national records: {len(matcher.catalog)} entries")
    for path in args.questions:
        text = Path(path).read_text(encoding="utf-8")
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        score = evaluate(matcher, rows, covered_ids())
        print(f"{Path(path).name}: {score.line()}")
        if args.by_style:
            for style, sc in sorted(score.styles.items()):
                print(f"  {style:<14} {sc.line()}")
        if args.misses:
            print("\n".join(score.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
