"""The catalogue model: plain frozen records, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as default  # Procedure has a field named `field`

YES, NO = "yes", "no"


@dataclass(frozen=True)
class FactSource:
    """What settled a fact: a portal record's field(s) (with a hash of their text at review), or a law."""

    record: str = ""
    field: str = ""  # detail field(s) of the dvcqg-api record, joined by "+"
    hash: str = ""  # first 12 hex digits of sha256 of those fields' JSON at review time
    law: str = ""
    line: int = default(
        default=0, compare=False
    )  # where it stands in its file, for FILE:LINE reports

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.field.split("+") if f)

    @property
    def records(self) -> tuple[str, ...]:
        """Several records may settle one fact together (e.g. one benefit per branch): "1.001731+2.000821"."""
        return tuple(r for r in self.record.split("+") if r)


@dataclass(frozen=True)
class Fact:
    """A fact shown to citizens, with its confidence flag."""

    text: str
    verify: bool = False
    note: str = ""
    exemptions: str = ""
    source: FactSource | None = None
    valid_until: str = ""  # YYYY-MM-DD: past this day the fact is not stated any more

    def expired(self, today: str) -> bool:
        """True when `today` (YYYY-MM-DD) is after valid_until."""
        return bool(self.valid_until) and today > self.valid_until


@dataclass(frozen=True)
class Online:
    """How far the procedure can be done online."""

    mode: str  # toan-trinh | mot-phan | khong
    text: str
    url: str = ""
    verify: bool = False
    source: FactSource | None = None


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """A question whose answer adds or removes documents."""

    id: str
    text: str
    options: tuple[Option, ...] = (Option(YES, "Có"), Option(NO, "Không"))
    default: str = ""
    rare: bool = False  # asked only when the citizen says their case is special


@dataclass(frozen=True)
class Document:
    """One checklist item; applies when every `when` condition holds."""

    key: str
    name: str
    note: str = ""
    when: Mapping[str, str] = default(default_factory=dict)
    verify: bool = False
    source: FactSource | None = None
    alternatives: tuple[
        str, ...
    ] = ()  # keys of papers that serve instead (e.g. a death extract for a death notice)
    verify_note: str = (
        ""  # for editors: what would settle an unverified item (never shown to citizens)
    )

    def applies(self, answers: Mapping[str, str]) -> bool:
        """True when the answers given so far satisfy every condition."""
        return all(answers.get(q) == v for q, v in self.when.items())


@dataclass(frozen=True)
class NotNeeded:
    name: str
    reason: str


@dataclass(frozen=True)
class Eligibility:
    """A bundle condition: the answer to `question` must be `required`."""

    question: str
    text: str
    required: str
    fail_text: str


@dataclass(frozen=True)
class AnswerMap:
    """A bundle settles a member question: a fixed `value`, or `values[answer of from_question]`."""

    question: str
    value: str = ""
    from_question: str = ""
    values: Mapping[str, str] = default(default_factory=dict)

    def resolve(self, answers: Mapping[str, str]) -> str | None:
        if self.from_question:
            return self.values.get(answers.get(self.from_question, ""))
        return self.value or None


@dataclass(frozen=True)
class Source:
    url: str
    note: str = ""


@dataclass(frozen=True)
class Procedure:
    """A procedure or a liên thông bundle (kind == 'bundle')."""

    id: str
    kind: str
    codes: tuple[str, ...]
    name: str
    official_name: str
    field: str
    level: str
    aliases: tuple[str, ...]
    where: Fact
    processing_time: Fact
    fee: Fact
    online: Online
    result: Fact
    documents: tuple[Document, ...]
    legal_basis: tuple[str, ...]
    sources: tuple[Source, ...]
    last_reviewed: str
    keywords: tuple[str, ...] = ()
    english: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # messages as citizens write them (lexicon/examples/)
    bundles: tuple[str, ...] = ()
    who: str = ""
    deadline: Fact | None = None
    # who may go for the citizen, who must come in person, how to sign ("ai đi thay được không")
    proxy: Fact | None = None
    questions: tuple[Question, ...] = ()
    not_needed: tuple[NotNeeded, ...] = ()
    notes: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    eligibility: tuple[Eligibility, ...] = ()
    replaces: tuple[str, ...] = ()  # bundle: member document keys its own papers stand in for
    produces: tuple[str, ...] = ()  # bundle: document keys it issues itself (never asked for)
    answer_map: tuple[AnswerMap, ...] = ()  # bundle: member questions it settles
    verify: bool = False
    verify_note: str = ""
    imported: bool = False
    source_file: str = ""
    lines: Mapping[str, int] = default(default_factory=dict, compare=False, repr=False)

    def line(self, key: str) -> int:
        """Where a key (or 'alias:<text>') stands in the source file, for FILE:LINE messages."""
        return self.lines.get(key, 1)

    @property
    def is_bundle(self) -> bool:
        return self.kind == "bundle"

    @property
    def code(self) -> str:
        return self.codes[0] if self.codes else ""

    @property
    def portal_url(self) -> str:
        return self.online.url or (self.sources[0].url if self.sources else "")


@dataclass(frozen=True)
class Catalog:
    """All procedures by id, in a stable order."""

    procedures: Mapping[str, Procedure]

    def get(self, pid: str) -> Procedure | None:
        return self.procedures.get(pid)

    def __len__(self) -> int:
        return len(self.procedures)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.procedures.values())

    def members(self, bundle: Procedure) -> list[Procedure]:
        """The bundle's member procedures, in declared order."""
        return [self.procedures[m] for m in bundle.members if m in self.procedures]

    def bundles_of(self, proc: Procedure) -> list[Procedure]:
        """Bundles that list this procedure as a member."""
        return [b for b in self.procedures.values() if b.is_bundle and proc.id in b.members]
