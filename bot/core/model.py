"""The catalogue model: plain frozen records, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as default  # Procedure has a field named `field`

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Fact:
    """A fact shown to citizens, with its confidence flag."""

    text: str
    verify: bool = False
    note: str = ""
    exemptions: str = ""


@dataclass(frozen=True)
class Online:
    """How far the procedure can be done online."""

    mode: str  # toan-trinh | mot-phan | khong
    text: str
    url: str = ""
    verify: bool = False


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
    bundles: tuple[str, ...] = ()
    who: str = ""
    deadline: Fact | None = None
    questions: tuple[Question, ...] = ()
    not_needed: tuple[NotNeeded, ...] = ()
    notes: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    eligibility: tuple[Eligibility, ...] = ()
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
