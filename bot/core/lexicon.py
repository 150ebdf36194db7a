"""Query rewriting: abbreviations (with context rules for ambiguous tokens) and typo repair."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.normalize import clean, fold
from bot.core.qualifiers import Qualifiers

CONTEXT_WINDOW = 3
MIN_CORRECT_LEN = 4  # shorter syllables are too easy to "correct" into a wrong word
FAR_MIN_LEN = 7
TELEX_TONES = "sfrxj"
TELEX_VOWELS = {"aa": "a", "aw": "a", "ee": "e", "oo": "o", "ow": "o", "uw": "u", "dd": "d"}


@dataclass(frozen=True)
class Rule:
    """Expand an ambiguous token when any `near` phrase stands within the window."""

    expand: tuple[str, ...]
    near: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Lexicon:
    """Folded abbreviation tables, stopwords and the vocabulary used to repair typos."""

    expand: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    ambiguous: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    en_stopwords: frozenset[str] = frozenset()
    stop_accented: frozenset[str] = (
        frozenset()
    )  # the same words with their accents (NFC, lower case)
    concepts: Mapping[str, Mapping[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )  # lang -> trigger -> words
    object_markers: frozenset[tuple[str, ...]] = frozenset()
    en_expand: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    request_markers: frozenset[tuple[str, ...]] = frozenset()
    done_before: frozenset[str] = frozenset({"da"})  # "đã làm khai sinh": already done
    done_after: frozenset[str] = frozenset({"roi", "r"})  # "khai sinh rồi"
    negation_markers: frozenset[tuple[str, ...]] = frozenset()  # "không phải", "không cần"
    negation_ends: frozenset[tuple[str, ...]] = (
        frozenset()
    )  # "mà", "chỉ cần": the wanted thing follows
    # ...and how each is written with accents: "chỉ" ends a denial, "chi nhánh" does not
    end_forms: Mapping[tuple[str, ...], frozenset[tuple[str, ...]]] = field(default_factory=dict)
    non_requests: tuple[str, ...] = ()  # messages that ask for no procedure (non_requests.yaml)
    qualifiers: Qualifiers = Qualifiers()  # what tells sibling records apart (qualifiers.yaml)
    # folded trigger -> how it is written with accents ("o han": "ở hàn", Korea — not "ở hẳn")
    concept_forms: Mapping[tuple[str, ...], frozenset[tuple[str, ...]]] = field(
        default_factory=dict
    )

    @cached_property
    def expand_lengths(self) -> dict[str, tuple[int, ...]]:
        """Per first word of an abbreviation, the lengths of those it starts, longest first
        (computed once: a word no abbreviation starts with is passed over in one look-up)."""
        return _lengths_by_first(self.expand)

    @cached_property
    def rewrite_starts(self) -> frozenset[str]:
        """The words a rewrite may change: abbreviations' first words and ambiguous tokens (every
        other word is copied as it is)."""
        return frozenset(self.expand_lengths) | frozenset(self.ambiguous)

    @cached_property
    def concept_lengths(self) -> dict[str, dict[str, tuple[int, ...]]]:
        """Per language, the same for the phrases that imply a concept."""
        return {lang: _lengths_by_first(t) for lang, t in self.concepts.items()}

    @cached_property
    def english_synonyms(self) -> Lexicon:
        """The English synonyms as a lexicon of their own (built once, not per message)."""
        return Lexicon(expand=self.en_expand)

    @classmethod
    def from_data(
        cls,
        data: Mapping[str, object],
        stopwords: Iterable[str] = (),
        en_stopwords: Iterable[str] = (),
    ) -> Lexicon:
        """Build from the parsed abbreviations YAML (keys and values are folded here)."""
        table = {**dict(data.get("expand") or {}), **dict(data.get("synonyms") or {})}  # type: ignore[call-overload]
        expand = {
            tuple(fold(k).split()): tuple(fold(str(v)).split()) for k, v in table.items() if fold(k)
        }
        ambiguous: dict[str, tuple[Rule, ...]] = {}
        for token, spec in dict(data.get("ambiguous") or {}).items():  # type: ignore[call-overload]
            rules = tuple(
                Rule(
                    tuple(fold(r["expand"]).split()),
                    tuple(tuple(fold(n).split()) for n in r.get("near") or ()),
                )
                for r in (spec or {}).get("rules", ())
            )
            ambiguous[fold(token)] = rules
        vi = frozenset(fold(w) for w in stopwords)
        concepts: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}
        forms: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for lang, table in dict(data.get("concepts") or {}).items():  # type: ignore[call-overload]
            out = concepts.setdefault(lang, {})
            for concept, triggers in dict(table or {}).items():
                for t in triggers or ():
                    key = tuple(fold(t).split())
                    if key:
                        out[key] = out.get(key, ()) + tuple(fold(concept).split())
                        forms.setdefault(key, set()).add(tuple(clean(t).split()))
        # a place whose name holds a trigger ("Lào Cai", a province, not Laos): read as itself
        for lang, phrases in dict(data.get("not_concepts") or {}).items():  # type: ignore[call-overload]
            out = concepts.setdefault(lang, {})
            for t in phrases or ():
                if key := tuple(fold(t).split()):
                    out[key] = ()
                    forms.pop(key, None)
        markers = frozenset(
            tuple(fold(m).split())
            for m in data.get("object_markers") or ()  # type: ignore[attr-defined]
            if fold(m)
        )
        en_expand = {
            tuple(stem(t) for t in fold(k).split()): tuple(stem(t) for t in fold(str(v)).split())
            for k, v in dict(data.get("en_synonyms") or {}).items()  # type: ignore[call-overload]
            if fold(k)
        }
        requests = frozenset(
            tuple(fold(m).split())
            for m in data.get("request_markers") or ()  # type: ignore[attr-defined]
            if fold(m)
        )
        accented = frozenset(clean(w) for w in stopwords)
        negs = frozenset(
            tuple(fold(m).split())
            for m in data.get("negation_markers") or ()  # type: ignore[attr-defined]
            if fold(m)
        )
        end_forms: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for m in data.get("negation_ends") or ():  # type: ignore[attr-defined]
            if key := tuple(fold(m).split()):
                end_forms.setdefault(key, set()).add(tuple(clean(m).split()))
        ends = frozenset(end_forms)
        return cls(
            expand,
            ambiguous,
            vi,
            vi | frozenset(fold(w) for w in en_stopwords),
            accented,
            concepts,
            markers,
            en_expand,
            requests,
            negation_markers=negs,
            negation_ends=ends,
            end_forms={k: frozenset(v) for k, v in end_forms.items()},
            concept_forms={k: frozenset(v) for k, v in forms.items()},
        )

    def rewrite_english(self, toks: list[str]) -> list[str]:
        """Stem English words and apply the English synonyms ('passed away' -> 'die')."""
        stems = [stem(t) for t in toks]
        return self.english_synonyms.rewrite(stems) if self.en_expand else stems

    def add_concepts(self, toks: list[str], lang: str = "vi") -> tuple[list[str], set[int]]:
        """Insert a concept's words after each phrase that implies it; return their positions."""
        out, added, _ = self.add_concepts_tracked(toks, list(range(len(toks))), lang)
        return out, added

    def add_concepts_tracked(
        self,
        toks: list[str],
        origin: list[int],
        lang: str = "vi",
        typed: Sequence[str | None] = (),
    ) -> tuple[list[str], set[int], list[int]]:
        """add_concepts that also carries each token's origin (-1 for inserted words). `typed`:
        each original word as typed (None when repaired); a trigger's accented words must agree
        with it."""
        table = self.concepts.get(lang) or {}
        if not table:
            return toks, set(), origin
        lengths = self.concept_lengths[lang]
        out: list[str] = []
        where: list[int] = []
        added: set[int] = set()
        i = 0  # the words before i are in `out`; the others, up to a trigger, are copied as they are
        for j in [j for j, t in enumerate(toks) if t in lengths]:
            at = lengths[toks[j]]
            if j < i or (key := self._concept_at(toks, origin, j, table, at, typed)) is None:
                continue
            out.extend(toks[i:j])
            where.extend(origin[i:j])
            out.extend(key)
            where.extend(origin[j : j + len(key)])
            added.update(range(len(out), len(out) + len(table[key])))
            out.extend(table[key])
            where.extend([-1] * len(table[key]))
            i = j + len(key)
        out.extend(toks[i:])
        where.extend(origin[i:])
        return out, added, where

    def _concept_at(
        self,
        toks: list[str],
        origin: list[int],
        i: int,
        table: Mapping[tuple[str, ...], tuple[str, ...]],
        lengths: tuple[int, ...],
        typed: Sequence[str | None],
    ) -> tuple[str, ...] | None:
        """The longest phrase of `table` that starts at toks[i] and is typed as one (`lengths`:
        those of the phrases starting with toks[i], longest first), or None."""
        for n in lengths:
            key = tuple(toks[i : i + n])
            if len(key) == n and key in table and self._typed_as(key, origin[i : i + n], typed):
                return key
        return None

    def _typed_as(
        self, key: tuple[str, ...], where: list[int], typed: Sequence[str | None]
    ) -> bool:
        """Folding merges words: "ở hẳn" (for good) and "ở Hàn" (in Korea) are both "o han". A
        word typed with accents must be the trigger's own; one typed without, or repaired, may be
        any of them."""
        written = [typed[j] if 0 <= j < len(typed) else None for j in where]
        return _written_as(self.concept_forms.get(key), written) if typed else True

    def negated_positions(
        self, toks: list[str], typed: Sequence[str | None] = (), span: int = 6
    ) -> set[int]:
        """Words a citizen denies ("không phải đăng ký kết hôn, tôi cần ..."): up to `span` words after
        a negation marker, stopping where the wanted thing starts ("mà", "chỉ cần", "tôi cần").
        `typed`: each token as typed with accents (None when unknown): an end must be written
        as one ("chỉ", not "chi nhánh")."""
        out: set[int] = set()
        i = 0
        while i < len(toks):
            n = next((n for n in (3, 2, 1) if tuple(toks[i : i + n]) in self.negation_markers), 0)
            if not n:
                i += 1
                continue
            j = i + n
            while j < min(len(toks), i + n + span):
                if any(self._ends_at(toks, typed, j, m) for m in (2, 1)):
                    break
                out.add(j)
                j += 1
            i = j
        return out

    def _ends_at(self, toks: list[str], typed: Sequence[str | None], j: int, m: int) -> bool:
        key = tuple(toks[j : j + m])
        if key not in self.negation_ends:
            return False
        # in a message typed with accents, a word typed without is as typed ("chi nhánh")
        written = list(typed[j : j + m])
        return _written_as(self.end_forms.get(key), written, strict=True) if typed else True

    def request_positions(self, toks: list[str], span: int = 8) -> set[int]:
        """Words right after 'giờ', 'muốn', 'cần'…: where a story states what the citizen wants."""
        return _after(toks, self.request_markers, span)

    def done_positions(self, toks: list[str], span: int = 4) -> set[int]:
        """Words describing what is already done ('đã khai tử', 'có ks rồi'): context, not the request."""
        out: set[int] = set()
        for i, t in enumerate(toks):
            if t in self.done_before:
                out.update(range(i + 1, min(len(toks), i + 1 + span)))
            elif t in self.done_after and i:
                out.update(range(max(0, i - span), i))
        return out

    def object_positions(self, toks: list[str], span: int = 4) -> set[int]:
        """Positions of the few words after a marker like 'mang', 'photo': objects, not the request."""
        return _after(toks, self.object_markers, span)

    def rewrite(self, toks: list[str]) -> list[str]:
        """Expand abbreviations: longest phrase first; ambiguous tokens only in context."""
        return self.rewrite_tracked(toks)[0]

    def rewrite_tracked(self, toks: list[str]) -> tuple[list[str], list[int]]:
        """rewrite, plus each output token's source index (-1 when it came from an expansion)."""
        out: list[str] = []
        origin: list[int] = []
        i = 0  # the words before i are in `out`; the others, up to one that may change, stay
        for j in [j for j, t in enumerate(toks) if t in self.rewrite_starts]:
            if j >= i:
                out.extend(toks[i:j])
                origin.extend(range(i, j))
                i = self._rewrite_at(toks, j, out, origin)
        out.extend(toks[i:])
        origin.extend(range(i, len(toks)))
        return out, origin

    def _rewrite_at(self, toks: list[str], i: int, out: list[str], origin: list[int]) -> int:
        """Rewrite toks[i] onto `out` and `origin`: the longest abbreviation starting there, else
        the word read in its context; return the position after what was read."""
        key = _longest_at(toks, i, self.expand, self.expand_lengths.get(toks[i], ()))
        if key is not None:
            words = self.expand[key]
            out.extend(words)
            origin.extend([-1] * len(words))
            return i + len(key)
        res = self._disambiguate(toks, i)
        out.extend(res)
        origin.extend([i] if res == (toks[i],) else [-1] * len(res))
        return i + 1

    def _disambiguate(self, toks: list[str], i: int) -> tuple[str, ...]:
        rules = self.ambiguous.get(toks[i])
        if not rules:
            return (toks[i],)
        context = toks[max(0, i - CONTEXT_WINDOW) : i] + toks[i + 1 : i + 1 + CONTEXT_WINDOW]
        joined = " " + " ".join(context) + " "
        for rule in rules:
            if not rule.near or any(f" {' '.join(n)} " in joined for n in rule.near):
                return rule.expand
        return (toks[i],)


class Speller:
    """Repairs out-of-vocabulary syllables: Telex leftovers, doubled letters, one-edit typos,
    and (rapidfuzz) two-edit typos in longer words."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocab = frozenset(vocabulary)
        self._by_len: dict[int, list[str]] = {}
        for word in sorted(self.vocab):
            self._by_len.setdefault(len(word), []).append(word)
        self._deletes: dict[str, str] = {}
        for word in sorted(self.vocab, key=lambda w: (len(w), w)):
            if len(word) >= MIN_CORRECT_LEN - 1:
                for variant in _deletions(word):
                    self._deletes.setdefault(variant, word)

    def correct(self, token: str) -> str:
        """The token itself when known or unrepairable, else its best repair."""
        if token in self.vocab or not token.isalpha():
            return token
        for candidate in _telex_candidates(token):
            if candidate in self.vocab:
                return candidate
        if len(token) < MIN_CORRECT_LEN:
            return token
        if token in self._deletes:  # one letter too many
            return self._deletes[token]
        for variant in _deletions(token):  # one letter missing or wrong
            if variant in self.vocab:
                return variant
            if variant in self._deletes:
                return self._deletes[variant]
        return self._far(token) if len(token) >= FAR_MIN_LEN else token

    def _far(self, token: str) -> str:
        """Two edits away, for long words only (short syllables would collide)."""
        pool = [w for n in range(len(token) - 2, len(token) + 3) for w in self._by_len.get(n, ())]
        found = process.extractOne(token, pool, scorer=Levenshtein.distance, score_cutoff=2)
        return found[0] if found else token


@lru_cache(maxsize=4096)  # an English message's words, 470,000 of them indexed at start-up
def stem(word: str) -> str:
    """A tiny English stemmer: 'registered' -> 'register', 'dies'/'died' -> 'dy'."""
    if len(word) > 4 and word.endswith(("ies", "ied")):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _deletions(word: str) -> list[str]:
    """One letter removed, first letter first: a fixed order, so a repair never depends on the
    process's hash seed ('hqua' was 'qua' in one worker and 'chua' in another)."""
    return list(dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


def _telex_candidates(token: str) -> list[str]:
    """'kys' -> 'ky', 'ddang' -> 'dang', 'chuwngs' -> 'chung', 'sinhh' -> 'sinh'."""
    base = token
    for pair, single in TELEX_VOWELS.items():
        base = base.replace(pair, single)
    out = [base]
    if len(base) > 2 and base[-1] in TELEX_TONES:
        out.append(base[:-1])
    stripped = base.rstrip(TELEX_TONES) if len(base) > 3 else base
    out.append(stripped)
    # a tone letter typed inside the syllable: 'tamj' handled above; 'giaays' -> 'giay'
    if len(base) > 2 and base[-1] == base[-2]:
        out.append(base[:-1])
    return out


def _written_as(
    forms: Set[tuple[str, ...]] | None, written: Sequence[str | None], strict: bool = False
) -> bool:
    """Words typed as one of a phrase's accented `forms`: a word repaired or unknown (None) may
    stand for any of them, and so may one typed without accents unless `strict`."""
    if not forms:
        return True
    return any(
        all(
            w is None or w == f or (not strict and w == fold(w))
            for w, f in zip(written, form, strict=True)
        )
        for form in forms
        if len(form) == len(written)
    )


def _lengths_by_first(table: Iterable[tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    """Per first word of the phrases in `table`, their distinct lengths, longest first."""
    lengths: dict[str, set[int]] = {}
    for key in table:
        if key:
            lengths.setdefault(key[0], set()).add(len(key))
    return {w: tuple(sorted(ns, reverse=True)) for w, ns in lengths.items()}


def _longest_at(
    toks: list[str], i: int, table: Mapping[tuple[str, ...], object], lengths: tuple[int, ...]
) -> tuple[str, ...] | None:
    """The longest phrase of `table` that starts at toks[i] (`lengths`: those of the phrases
    starting with toks[i], longest first), or None."""
    for n in lengths:
        key = tuple(toks[i : i + n])
        if len(key) == n and key in table:
            return key
    return None


def _after(toks: list[str], markers: Set[tuple[str, ...]], span: int) -> set[int]:
    """Positions of the `span` words after each marker (one or two words) in `toks`."""
    out: set[int] = set()
    for i in range(len(toks)):
        for n in (2, 1):
            if tuple(toks[i : i + n]) in markers:
                out.update(range(i + n, min(len(toks), i + n + span)))
    return out
