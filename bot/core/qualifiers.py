"""What tells sibling records apart: the act asked for, where, and for whom.

Many national records share an object and differ by what is done with it — "Cấp", "Cấp lại",
"Gia hạn", "Thu hồi" the same licence — by where it is done (in Vietnam or at an embassy), or by
whether a foreign element is involved ("Đăng ký khai sinh" beside "… có yếu tố nước ngoài").
Similarity scores see the shared object and barely the qualifier. Here a record's name and a
message are each read for the qualifiers they state (`lexicon/qualifiers.yaml`); the second
ranker learns how much agreement and disagreement weigh (scripts/train_rerank.py).

Acts are one choice among several (a name states its act in its first words, and a plain one is a
first issue); the other qualifiers are each a property a record has or not (abroad, foreign), so
asking for a property never hides which act is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from bot.core.normalize import fold

Phrases = Mapping[str, tuple[tuple[str, ...], ...]]  # qualifier -> phrases (word tuples)
# a plain name ("Cấp giấy phép X") is a first issue, and so is a message that states no act
IMPLIED = "new"
# per candidate, for the act: the message and the name share one; they do not, and the message
# states none (the record is a variant nobody asked for); they do not, and the message states one.
# For the properties: both state one; the name states one the message does not; the message
# asks for one the name does not state
COLUMNS = ("qual_same", "qual_silent", "qual_clash", "prop_same", "prop_silent", "prop_clash")
LEAD, TAIL = 6, 5  # a name states its act in its first words, its place in its last
# "Cấp, cấp lại …", "Cấp mới/cấp lại …", "Thực hiện, điều chỉnh, thôi hưởng …": a list of acts
# led by a plain verb also covers the first issue
LISTED = re.compile(r"^(?:thủ tục\s+)?[^\W\d_]+(?:\s[^\W\d_]+)?\s*[,/]", re.IGNORECASE)


def _phrases(
    table: Mapping[str, Iterable[str]], stem: Callable[[str], str] | None = None
) -> Phrases:
    """Fold each phrase into a word tuple (its words stemmed by `stem`, for English)."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for qualifier, phrases in table.items():
        words = (fold(p).split() for p in phrases)
        tuples = (tuple(map(stem, ws)) if stem else tuple(ws) for ws in words)
        out[qualifier] = tuple(dict.fromkeys(ws for ws in tuples if ws))
    return out


def _found(toks: Sequence[str], table: Phrases, skip: Set[int] = frozenset()) -> frozenset[str]:
    """Qualifiers with a phrase standing in `toks` as a run, outside the `skip` positions."""
    text = toks if not skip else [t if i not in skip else "\0" for i, t in enumerate(toks)]
    joined = f" {' '.join(text)} "
    return frozenset(
        q for q, phrases in table.items() if any(f" {' '.join(p)} " in joined for p in phrases)
    )


@dataclass(frozen=True)
class Qualifiers:
    """How record names state a qualifier, and how Vietnamese and English messages ask for it."""

    name: Phrases = field(default_factory=dict)
    ask: Phrases = field(default_factory=dict)
    ask_en: Phrases = field(default_factory=dict)
    tail: frozenset[str] = frozenset()  # qualifiers a name states at its end (a place)
    anywhere: frozenset[str] = frozenset()  # ...anywhere in it ("có yếu tố nước ngoài")

    @classmethod
    def from_data(
        cls,
        data: Mapping[str, Mapping[str, Any]],
        stem: Callable[[str], str] | None = None,
    ) -> Qualifiers:
        """From `{qualifier: {name: [...], ask: [...], ask_en: [...]}}`; English words stemmed
        as messages are (`stem`)."""
        part = {
            key: {q: list(spec.get(key) or ()) for q, spec in data.items()}
            for key in ("name", "ask", "ask_en")
        }
        where = {q: spec.get("in_name", "lead") for q, spec in data.items()}
        return cls(
            _phrases(part["name"]),
            _phrases(part["ask"]),
            _phrases(part["ask_en"], stem),
            frozenset(q for q, w in where.items() if w == "tail"),
            frozenset(q for q, w in where.items() if w == "anywhere"),
        )

    def of_name(self, *names: str) -> frozenset[str]:
        """The qualifiers a record's names state: its act in the first words of each name (a
        curated entry's official name joins several with ';'), its place in the last — unless
        they close a list of the people it serves ("…, người Việt Nam định cư ở nước ngoài");
        some anywhere ("Đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới")."""
        lead, place, anywhere = self._name_parts
        out: set[str] = set()
        for part in (p.strip() for n in names for p in n.split(";")):
            words = fold(part).split()
            if words[:2] == ["thu", "tuc"]:
                words = words[2:]
            out |= _found(words[:LEAD], lead) | _found(words, anywhere)
            if not fold(part.rsplit(",", 1)[-1]).startswith("nguoi "):
                out |= _found(words[-TAIL:], place)
            if LISTED.match(part):
                out.add(IMPLIED)
        return frozenset(out)

    @cached_property
    def _name_parts(self) -> tuple[Phrases, Phrases, Phrases]:
        """The name phrases read in a name's first words, those read in its last, and those
        read anywhere."""
        return (
            {q: p for q, p in self.name.items() if q not in self.properties},
            {q: p for q, p in self.name.items() if q in self.tail},
            {q: p for q, p in self.name.items() if q in self.anywhere},
        )

    def asked(self, toks: Sequence[str], english: bool, denied: set[int]) -> frozenset[str]:
        """The qualifiers a message asks for: its words outside what it denies ('không phải
        cấp mới')."""
        return _found(toks, self.ask_en if english else self.ask, denied)

    @cached_property
    def properties(self) -> frozenset[str]:
        """The qualifiers a record has or not (read outside a name's first words); the others
        are acts."""
        return self.tail | self.anywhere

    def plain(self, name: str) -> str:
        """A record's name, folded, without the properties it states: its plain sibling's
        ("Đăng ký khai sinh có yếu tố nước ngoài" -> "dang ky khai sinh")."""
        text = f" {fold(name).strip(' .')} "
        for q in self.properties:
            for phrase in self.name.get(q, ()):
                text = text.replace(f" {' '.join(phrase)} ", " ")
        return " ".join(text.split())

    def columns(self, asked: frozenset[str], stated: Sequence[frozenset[str]]) -> np.ndarray:
        """COLUMNS for candidates whose names state `stated`, for a message asking `asked`."""
        props = self.properties
        act_asked, prop_asked = asked - props, asked & props
        out = np.zeros((len(stated), len(COLUMNS)))
        wanted = act_asked or {IMPLIED}
        for i, has in enumerate(stated):
            same = bool(wanted & ((has - props) or {IMPLIED}))
            has_props = has & props
            out[i] = (
                same,
                not same and not act_asked,
                not same and bool(act_asked),
                bool(has_props & prop_asked),
                bool(has_props - prop_asked),
                bool(prop_asked - has_props),
            )
        return out
