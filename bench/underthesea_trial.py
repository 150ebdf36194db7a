"""Does underthesea's word segmentation help the matcher? A measured answer.

    python bench/underthesea_trial.py

Variant A (shipped): a question's features are its syllables and every adjacent syllable pair.
Variant B: pairs are kept only inside the words underthesea.word_tokenize finds (for questions
written with accents; accent-free ones are segmented badly, see MATCHING-NOTES.md), so pairs
across word boundaries ("sinh cho") disappear. Prints top-1/top-3/none-right for both variants
on the dev and held-out sets, and the segmentation cost per question.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from eval_matcher import DEFAULT_SET, covered_ids, evaluate  # noqa: E402

from bot.content.bundle import load_catalog_dir  # noqa: E402
from bot.core.normalize import fold, strip_marks  # noqa: E402


class Segmented:
    """Wraps a matcher; drops query pairs that cross underthesea word boundaries."""

    def __init__(self, matcher) -> None:  # type: ignore[no-untyped-def]
        from underthesea import word_tokenize

        self.m = matcher
        self.tokenize = word_tokenize
        self.cost: list[float] = []

    def match(self, text: str, top: int = 3):  # type: ignore[no-untyped-def]
        m = self.m
        prep = m.prepare(text)
        toks, english = prep.tokens, prep.english
        qfeats = m.query_features(prep)
        if not english and strip_marks(text) != text:
            t = time.perf_counter()
            words = self.tokenize(text)
            self.cost.append((time.perf_counter() - t) * 1000)
            inside = {
                " ".join(fold(w).split()[i : i + 2])
                for w in words
                for i in range(len(fold(w).split()) - 1)
            }
            qfeats = {f: v for f, v in qfeats.items() if " " not in f or f in inside}
        scores, _ = m.index.score(qfeats)
        return list(m._decide(tuple(toks), scores, top, english, qfeats).matches)


def main() -> int:
    matcher = load_catalog_dir(ROOT / "procedures_catalog").matcher
    seg = Segmented(matcher)
    for name, path in (
        ("dev", DEFAULT_SET),
        ("held-out", ROOT / "tests/fixtures/questions.holdout.jsonl"),
    ):
        rows = [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        print(f"{name:<9} A (all pairs):        {evaluate(matcher, rows, covered_ids()).line()}")
        print(f"{name:<9} B (underthesea words): {evaluate(seg, rows, covered_ids()).line()}")
    cost = sorted(seg.cost)
    print(
        f"word_tokenize: p50 {cost[len(cost) // 2]:.2f} ms, p99 {cost[int(len(cost) * 0.99)]:.2f} ms per question"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
