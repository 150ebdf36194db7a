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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.index import feature_key

EMPTY = "<empty>"  # the unit every name has: a word written for no name word in particular
FLOOR = 1e-5  # a word no unit of the name explains costs log(1e-5), not minus infinity
MAX_CANDIDATES = 62  # one bit per candidate in an int64 mask
Name = tuple[np.ndarray, int]  # a name's known unit columns, and its number of units


@dataclass(frozen=True)
class Translation:
    """`t(word | unit)` as compressed rows: one row per question word, over the name units. Words
    are found by their sorted 64-bit keys, not in a dict: with its 220k words as strings in a
    dict the syllable-pair model cost a worker 41 MB, with their keys 16 MB (as bot/core/index.py)."""

    keys: np.ndarray  # uint64, sorted: feature_key of each row's word
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
        """From the words themselves (row k is words[k])."""
        keys = np.fromiter((feature_key(w) for w in words), dtype=np.uint64, count=len(words))
        return cls.from_keys(keys, units, indptr, indices, probs)

    @classmethod
    def from_keys(
        cls,
        keys: np.ndarray,
        units: Sequence[str],
        indptr: np.ndarray,
        indices: np.ndarray,
        probs: np.ndarray,
    ) -> Translation:
        """From the words' keys (row k is the word of keys[k]), rows in any order."""
        if not units or units[0] != EMPTY:
            raise ValueError(f"the first unit must be {EMPTY!r}")
        if len(indptr) != len(keys) + 1 or len(indices) != len(probs):
            raise ValueError("rows and words disagree")
        keys, indptr = np.asarray(keys, dtype=np.uint64), np.asarray(indptr, dtype=np.int64)
        indices, probs = np.asarray(indices, dtype=np.int32), np.asarray(probs, dtype=np.float32)
        if not np.all(keys[1:] > keys[:-1]):  # the shipped files are sorted: nothing to do
            order = np.argsort(keys, kind="stable")
            if np.any(keys[order][1:] == keys[order][:-1]):
                raise ValueError("two words share a key")
            lens = np.diff(indptr)[order]
            first = np.cumsum(lens) - lens
            at = np.repeat(indptr[:-1][order] - first, lens) + np.arange(int(lens.sum()))
            keys, indices, probs = keys[order], indices[at], probs[at]
            indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        return cls(keys, {u: k for k, u in enumerate(units)}, indptr, indices, probs)

    def rows(self, words: Sequence[str]) -> list[int]:
        """The rows of the words the model knows, each once, in the words' order."""
        unique = list(dict.fromkeys(words))
        if not unique or not len(self.keys):
            return []
        q = np.fromiter((feature_key(w) for w in unique), dtype=np.uint64, count=len(unique))
        pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
        return [int(k) for k, hit in zip(pos, self.keys[pos] == q, strict=True) if hit]

    def name(self, units: Iterable[str]) -> Name:
        """A name as `scores_of` reads it: the columns of the units the model knows, and how many
        units it has (the empty one included)."""
        unique = set(units)
        cols = np.fromiter((self.units[u] for u in unique if u in self.units), dtype=np.int32)
        return cols, len(unique) + 1

    def scores(self, words: Sequence[str], names: Sequence[Sequence[str]]) -> np.ndarray:
        """Per candidate name (its units): the mean over the known question words of
        log(t(word | the empty unit or a unit of the name) / (units + 1)); zeros when the model
        knows none of the words."""
        return self.scores_of(words, [self.name(n) for n in names])

    def scores_of(self, words: Sequence[str], names: Sequence[Name]) -> np.ndarray:
        """`scores` for names read once by `name` (a matcher keeps each entry's)."""
        if len(names) > MAX_CANDIDATES:
            raise ValueError(f"at most {MAX_CANDIDATES} candidates")
        rows = self.rows(words)
        if not rows or not names:
            return np.zeros(len(names))
        member = np.zeros(len(self.units), dtype=np.int64)
        member[0] = (1 << len(names)) - 1  # the empty unit belongs to every name
        size = np.empty(len(names))
        for k, (cols, n) in enumerate(names):
            member[cols] |= 1 << k
            size[k] = n
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


@dataclass(frozen=True)
class Names:
    """Every entry's names as one model reads them (`Translation.name`), stored flat: read once
    when the matcher is built, not for each candidate of each question (0.2 ms a question)."""

    model: Translation
    ptr: np.ndarray  # entry k's columns are cols[ptr[k]:ptr[k + 1]]
    cols: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, model: Translation, entries: Sequence[Iterable[str]]) -> Names:
        read = [model.name(units) for units in entries]
        lengths = np.array([len(c) for c, _ in read], dtype=np.int64)
        cols = np.concatenate([c for c, _ in read]) if read else np.zeros(0, dtype=np.int32)
        return cls(
            model,
            np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            cols.astype(np.int32),
            np.array([n for _, n in read], dtype=np.int64),
        )

    def __getitem__(self, entry: int) -> Name:
        return self.cols[self.ptr[entry] : self.ptr[entry + 1]], int(self.size[entry])
