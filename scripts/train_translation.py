"""Learn the word translation model (bot/core/translation.py); write bot/models/translation.npz.

Every example message, alias, keyword and English name of a record is paired with the record's
name: its syllable pairs are the units, each message's syllables (or English words) the words,
as the matcher prepares them. IBM model 1, expectation-maximisation from uniform, ITERATIONS
rounds; probabilities under PRUNE are dropped (they barely move a score and made the file
20 times larger). No question of an evaluation set is read. Takes about 40 seconds.

Run: .venv/bin/python scripts/train_translation.py   (then scripts/train_rerank.py)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.catalog import check_catalog  # noqa: E402
from bot.content.lexicon import TRANSLATION_FILE, load_lexicon  # noqa: E402
from bot.content.yamlio import ContentError  # noqa: E402
from bot.core.matcher import Matcher  # noqa: E402
from bot.core.translation import EMPTY  # noqa: E402

ITERATIONS = 8  # the likelihood gains < 0.1 % per round after six
PRUNE = 0.005


def content_matcher(root: Path) -> Matcher:
    """The matcher's reading of the content, without any learned model: the model files (this
    one included, perhaps stale) play no part in what this one learns."""
    catalog, problems = check_catalog(root)
    lexicon, topics, more = load_lexicon(root)
    if problems or more:
        raise ContentError(problems + more)
    return Matcher(catalog, lexicon, topics, None)


def pairs(m: Matcher) -> list[tuple[int, list[str]]]:
    out = []
    for i, p in enumerate(m.procs):
        for text in (*p.examples, *p.aliases, *p.keywords, *p.english):
            out.append((i, m.translation_words(m.prepare(text))))
    return out


def fit(
    data: list[tuple[int, list[str]]], names: list[list[str]]
) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """IBM model 1 by EM: (words, units, indptr, indices, probs) of t(word | unit) >= PRUNE."""
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
    unit_of_pair = pair_keys % nu
    t = np.ones(len(pair_keys))
    for _ in range(ITERATIONS):
        p = t[pair]
        share = p / np.bincount(gid, p)[gid]  # each word's alignment over its name's units
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
    ap.add_argument("--out", type=Path, default=TRANSLATION_FILE)
    args = ap.parse_args()
    start = time.time()
    m = content_matcher(ROOT / "procedures_catalog")
    data = pairs(m)
    names = [m.name_units(i) for i in range(len(m.procs))]
    ws, us, indptr, indices, probs = fit(data, names)
    np.savez_compressed(
        args.out,
        words=np.array(ws),
        units=np.array(us),
        indptr=indptr,
        indices=indices,
        probs=probs.astype(np.float16),
    )
    print(
        f"{len(data)} messages, {len(ws)} words, {len(us)} units, {len(probs)} probabilities"
        f" -> {args.out} ({args.out.stat().st_size // 1024} KB, {time.time() - start:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
