"""Learn the word translation models (bot/core/translation.py); write bot/models/translation.npz
(for a message's syllables) and bot/models/translation_pairs.npz (for its syllable pairs).

Every example message, alias, keyword and English name of a record, and every question of the
training sets (scripts/question_sets.py: strangers' words, weighted QUESTION_WEIGHT) is paired
with its record: the syllable pairs of every name the record goes by are the units
(Matcher.name_units), each message's syllables (or English words), or its syllable pairs, the
words, as the matcher prepares them. IBM model 1, expectation-maximisation from uniform,
ITERATIONS rounds; probabilities under PRUNE are dropped (they barely move a score and made the
file 20 times larger). The held-out sets and the development set are never read. Takes about two
minutes.

Run: .venv/bin/python scripts/train_translation.py   (then scripts/train_rerank.py)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import question_sets  # noqa: E402

from bot.content.catalog import check_catalog  # noqa: E402
from bot.content.lexicon import (  # noqa: E402
    PAIR_TRANSLATION_FILE,
    TRANSLATION_FILE,
    load_lexicon,
)
from bot.content.yamlio import ContentError  # noqa: E402
from bot.core.matcher import Matcher, Prepared  # noqa: E402
from bot.core.translation import EMPTY, Translation  # noqa: E402

ITERATIONS = 8  # the likelihood gains < 0.1 % per round after six
PRUNE = 0.005
# A stranger's question counts as this many of the catalogue's messages: leave-one-set-out top-1
# of the second ranker over sixteen sets (session 13, the model learnt without the left-out set's
# fold) with weight 0 (no question) / 1 / 2 / 5 / 10: 0.900 / 0.906 / 0.907 / 0.908 / 0.907
QUESTION_WEIGHT = 5.0
# words, units, and t(word | unit) as compressed rows: indptr, indices (units), probabilities
Arrays = tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]


def content_matcher(root: Path) -> Matcher:
    """The matcher's reading of the content, without any learned model: the model files (this
    one included, perhaps stale) play no part in what this one learns."""
    catalog, problems = check_catalog(root)
    lexicon, topics, more = load_lexicon(root)
    if problems or more:
        raise ContentError(problems + more)
    return Matcher(catalog, lexicon, topics, None)


Message = tuple[int, float, Prepared]  # an entry, how much the message counts, the message


def messages(m: Matcher, sets: Sequence[Path]) -> list[Message]:
    """The catalogue's messages about each entry (examples, aliases, keywords, English names),
    then the sets' questions about a procedure, each with the entry of its first (best) label and
    weighted QUESTION_WEIGHT; `none` and `other` questions name no record."""
    out = [
        (i, 1.0, m.prepare(text))
        for i, p in enumerate(m.procs)
        for text in (*p.examples, *p.aliases, *p.keywords, *p.english)
    ]
    entry: dict[str, int] = {}
    for i, p in enumerate(m.procs):
        for key in (p.id, *p.codes):
            entry.setdefault(key, i)
    for path in sets:
        for row in question_sets.rows(path):
            known = [e for e in row["expect"] if e in entry]
            if known:
                out.append((entry[known[0]], QUESTION_WEIGHT, m.prepare(row["q"])))
    return out


def train(m: Matcher, sets: Sequence[Path]) -> dict[bool, Arrays]:
    """Both models' arrays, learnt from the catalogue's messages and the questions of `sets`:
    for the messages' syllables (False) and for their syllable pairs (True)."""
    msgs = messages(m, sets)
    names = [m.name_units(i) for i in range(len(m.procs))]
    weights = np.array([w for _, w, _ in msgs])
    return {
        pairs: fit([(e, m.translation_words(prep, pairs)) for e, _, prep in msgs], names, weights)
        for pairs in (False, True)
    }


def trained(m: Matcher, sets: Sequence[Path]) -> tuple[Translation, Translation]:
    """The two models themselves, syllables' and pairs' (in memory: scripts/train_rerank.py's
    folds)."""
    arrays = train(m, sets)
    return Translation.from_arrays(*arrays[False]), Translation.from_arrays(*arrays[True])


def fit(
    data: list[tuple[int, list[str]]],
    names: list[list[str]],
    weights: np.ndarray | None = None,
) -> Arrays:
    """IBM model 1 by EM: (words, units, indptr, indices, probs) of t(word | unit) >= PRUNE;
    `weights`: how many times each message counts (once each without)."""
    unit_of = {EMPTY: 0}
    for name in names:
        for u in name:
            unit_of.setdefault(u, len(unit_of))
    word_of: dict[str, int] = {}
    wid: list[np.ndarray] = []
    uid: list[np.ndarray] = []
    for entry, ws in data:
        at = np.array([0, *(unit_of[u] for u in names[entry])], dtype=np.int64)
        ks = np.array([word_of.setdefault(w, len(word_of)) for w in ws], dtype=np.int64)
        wid.append(np.repeat(ks, len(at)))
        uid.append(np.tile(at, len(ks)))
    nu = len(unit_of)
    wids, uids = np.concatenate(wid), np.concatenate(uid)
    pair_keys, pair = np.unique(wids * nu + uids, return_inverse=True)
    # one group per word of a message: its alignments over that message's name units
    widths = np.repeat([len(names[e]) + 1 for e, _ in data], [len(ws) for _, ws in data])
    gid = np.repeat(np.arange(len(widths)), widths)
    per_word = np.repeat(
        np.ones(len(data)) if weights is None else weights, [len(ws) for _, ws in data]
    )
    weight = per_word[gid]
    unit_of_pair = pair_keys % nu
    t = np.ones(len(pair_keys))
    for _ in range(ITERATIONS):
        p = t[pair]
        share = p / np.bincount(gid, p)[gid] * weight  # each word's alignment over its units
        counts = np.bincount(pair, share, minlength=len(pair_keys))
        t = counts / np.bincount(unit_of_pair, counts, minlength=nu)[unit_of_pair]
    keep = t >= PRUNE
    rows, cols, probs = pair_keys[keep] // nu, unit_of_pair[keep], t[keep]
    order = np.lexsort((cols, rows))
    rows, cols, probs = rows[order], cols[order], probs[order]
    indptr = np.searchsorted(rows, np.arange(len(word_of) + 1))
    return list(word_of), list(unit_of), indptr, cols.astype(np.int32), probs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=TRANSLATION_FILE.parent)
    args = ap.parse_args()
    start = time.time()
    m = content_matcher(ROOT / "procedures_catalog")
    arrays = train(m, question_sets.TRAIN_SETS)
    for pairs, name in ((False, TRANSLATION_FILE.name), (True, PAIR_TRANSLATION_FILE.name)):
        ws, us, indptr, indices, probs = arrays[pairs]
        # written as the model holds it (rows sorted by the words' keys): loading sorts nothing
        t = Translation.from_arrays(ws, us, indptr, indices, probs.astype(np.float16))
        out = args.out / name
        np.savez_compressed(
            out,
            keys=t.keys,
            units=np.array(us),
            indptr=t.indptr,
            indices=t.indices,
            probs=t.probs.astype(np.float16),
        )
        print(
            f"{len(ws)} words, {len(us)} units, {len(probs)} probabilities"
            f" -> {out} ({out.stat().st_size // 1024} KB)"
        )
    print(f"{time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
