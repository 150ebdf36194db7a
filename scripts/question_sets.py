"""The question sets written by strangers that the learned parts train on, and the held-out ones.

Each session's blind sets are held out while it works, then join the training sets: the six older
sets, since session 10 sealed5-8 (each of those scored +0.0035 on average, by a model trained with
the other three added; README), since session 11 sealed9-10, since session 12 sealed11-14, since
session 13 sealed15-18, since session 14 sealed19-22, since session 16 sealed23-26, since session
17 sealed31-38, since session 18 sealed39-42, since session 19 sealed47-50, since session 20 sealed51-54, since session 31 sealed55-90
(blind held out from session 20 to 30). train27-30 (session 14) and train43-46 (session 17)
were written to train only, by writers who saw neither the code nor any other set, on the hardest
kinds of question (English, telling look-alike records apart; stories with an implied need, hard
negatives). The held-out
sets and the development set are never read to train.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "eval"
TRAIN_SETS = [
    EVAL / f"questions.{name}.jsonl"
    for name in (
        "covered",
        "national",
        "sealed",
        *(f"sealed{n}" for n in range(2, 23)),
        *(f"train{n}" for n in range(27, 31)),
        *(f"sealed{n}" for n in range(23, 27)),
        *(f"sealed{n}" for n in range(31, 39)),
        *(f"train{n}" for n in range(43, 47)),
        *(f"sealed{n}" for n in range(39, 43)),
        *(f"sealed{n}" for n in range(47, 51)),
        *(f"sealed{n}" for n in range(51, 55)),
        *(f"sealed{n}" for n in range(55, 91)),
    )
]
# sealed91-94 (written in session 29), sealed95-98 (session 30), sealed99-102 (session 31) and
# sealed103-106 (session 32), sealed107-110 (session 33), sealed111-114 (session 34) and sealed115-118 (session 35) are the blind ones; each was run first on the model of its day, and
# chose nothing
HELD_OUT = [EVAL / f"questions.sealed{n}.jsonl" for n in range(91, 119)]
# What a question set trains is measured on the sets that did not: the word translation model
# learns from the sets too, so the second ranker reads each set through one learnt without its
# fold (set k of TRAIN_SETS is in fold k % FOLDS)
FOLDS = 4


def rows(path: Path) -> Iterator[dict]:
    """A set's questions: {"q": ..., "expect": [...], "style": ...}."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def fold_of(path: Path) -> int | None:
    """The fold of a training set (None for any other file)."""
    names = [p.name for p in TRAIN_SETS]
    return names.index(path.name) % FOLDS if path.name in names else None
