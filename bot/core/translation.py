"""How well a record's name explains a question's words: a word translation model (IBM model 1).

People rarely use a record's words: "my licence got burnt" for "… bị cháy, bị mất", "embassy"
for "cơ quan đại diện", "shipper" for "bưu chính". `t(w | u)` is the probability that a question
word `w` (a syllable, or an English word) is written for the name unit `u` (a syllable pair of
a name the record goes by: official, alias, keyword, English; mostly a Vietnamese word) or for
nothing in particular (the empty unit, column 0). It is learnt by expectation-maximisation from
every example message and every training question paired with its record's names
(scripts/train_translation.py), so it generalises across records: a word learnt on one licence
helps the sibling that shares the name word. A candidate's score is the mean log-probability of
the question's words given its name (Berger & Lafferty 1999; Xue, Jeon & Croft 2008). Not
smoothed with the words' frequency in all the messages: a word that no message about a record
ties to its name is evidence against it (leave-one-set-out, README session 12).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

EMPTY = "<empty>"  # the unit every name has: a word written for no name word in particular
FLOOR = 1e-5  # a word no unit of the name explains costs log(1e-5), not minus infinity
MAX_CANDIDATES = 62  # one bit per candidate in an int64 mask


@dataclass(frozen=True)
class Translation:
    """`t(word | unit)` as compressed rows: one row per question word, over the name units."""

    words: Mapping[str, int]  # question word -> row
    units: Mapping[str, int]  # name unit -> column; EMPTY is column 0
    indptr: np.ndarray  # row k holds indices/probs[indptr[k]:indptr[k + 1]]
    indices: np.ndarray
    probs: np.ndarray

    @classmethod
    def from_arrays(
        cls,
        words: Sequence[str],
        units: Sequence[str],
        indptr: np.ndarray,
        indices: np.ndarray,
        probs: np.ndarray,
    ) -> Translation:
        if not units or units[0] != EMPTY:
            raise ValueError(f"the first unit must be {EMPTY!r}")
        if len(indptr) != len(words) + 1 or len(indices) != len(probs):
            raise ValueError("rows and words disagree")
        return cls(
            {w: k for k, w in enumerate(words)},
            {u: k for k, u in enumerate(units)},
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int32),
            np.asarray(probs, dtype=np.float32),
        )

    def scores(self, words: Sequence[str], names: Sequence[Sequence[str]]) -> np.ndarray:
        """Per candidate name (its units): the mean over the known question words of
        log(t(word | the empty unit or a unit of the name) / (units + 1)); zeros when the model
        knows none of the words."""
        if len(names) > MAX_CANDIDATES:
            raise ValueError(f"at most {MAX_CANDIDATES} candidates")
        rows = [self.words[w] for w in dict.fromkeys(words) if w in self.words]
        if not rows or not names:
            return np.zeros(len(names))
        member = np.zeros(len(self.units), dtype=np.int64)
        member[0] = (1 << len(names)) - 1  # the empty unit belongs to every name
        size = np.empty(len(names))
        for k, name in enumerate(names):
            units = set(name)
            cols = [self.units[u] for u in units if u in self.units]
            member[cols] |= 1 << k
            size[k] = len(units) + 1
        starts = self.indptr[rows]
        lens = self.indptr[np.array(rows) + 1] - starts
        first = np.cumsum(lens) - lens  # each row's first place in the concatenation
        at = np.repeat(starts - first, lens) + np.arange(int(lens.sum()))
        bits = member[self.indices[at]]
        hit = np.flatnonzero(bits)  # most of a common word's units are in no candidate's name
        has = (bits[hit, None] >> np.arange(len(names))) & 1
        row = np.repeat(np.arange(len(rows)), lens)[hit]
        per_word = np.bincount(
            (row[:, None] * len(names) + np.arange(len(names))).ravel(),
            (self.probs[at[hit], None] * has).ravel(),
            minlength=len(rows) * len(names),
        ).reshape(len(rows), len(names))
        out: np.ndarray = np.log(per_word / size + FLOOR).mean(axis=0)
        return out
