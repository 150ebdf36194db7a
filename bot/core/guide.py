"""A citizen's own checklist: which questions matter, which documents apply, what is missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.model import Catalog, Document, Fact, NotNeeded, Procedure, Question


@dataclass(frozen=True)
class Item:
    """One document on the checklist, with the procedures that need it."""

    doc: Document
    owners: tuple[str, ...]


def parts(catalog: Catalog, proc: Procedure) -> list[Procedure]:
    """The procedure itself, or a bundle followed by its members."""
    return [proc, *catalog.members(proc)] if proc.is_bundle else [proc]


def settled(proc: Procedure) -> set[str]:
    """Member questions a bundle answers itself (never asked)."""
    return {am.question for am in proc.answer_map}


def waived(proc: Procedure) -> set[str]:
    """Document keys a bundle never asks for: its own papers replace them, or it issues them itself."""
    return {*proc.replaces, *proc.produces}


def _kept(proc: Procedure, part: Procedure, doc: Document) -> bool:
    """A member's document stays on a bundle's checklist unless the bundle replaces or produces it."""
    if doc.key in proc.produces or any(k in proc.produces for k in doc.alternatives):
        return False
    return part is proc or doc.key not in proc.replaces


def questions(catalog: Catalog, proc: Procedure) -> list[Question]:
    """Questions that change this checklist; one id asked once across a bundle's parts."""
    out: dict[str, Question] = {}
    skip = settled(proc)
    for part in parts(catalog, proc):
        used = {q for d in part.documents if _kept(proc, part, d) for q in d.when}
        for q in part.questions:
            if q.id in used and q.id not in skip:
                out.setdefault(q.id, q)
    return list(out.values())


def eligibility_questions(proc: Procedure) -> list[Question]:
    return [Question(e.question, e.text) for e in proc.eligibility]


def failed_eligibility(proc: Procedure, answers: Mapping[str, str]) -> list[str]:
    """fail_text of each bundle condition the answers contradict."""
    return [
        e.fail_text for e in proc.eligibility if answers.get(e.question) not in (None, e.required)
    ]


def asked(catalog: Catalog, proc: Procedure, include_rare: bool = False) -> list[Question]:
    """The questions this citizen will be asked, in order."""
    return [
        *eligibility_questions(proc),
        *(q for q in questions(catalog, proc) if include_rare or not q.rare),
    ]


def next_question(
    catalog: Catalog, proc: Procedure, answers: Mapping[str, str], include_rare: bool = False
) -> Question | None:
    """The first question not answered yet, or None when the checklist is settled."""
    for q in asked(catalog, proc, include_rare):
        if q.id not in answers:
            return q
    return None


def has_rare(catalog: Catalog, proc: Procedure) -> bool:
    return any(q.rare for q in questions(catalog, proc))


def _local(
    answers: Mapping[str, str], part: Procedure, bundle: Procedure | None = None
) -> dict[str, str]:
    local = {q.id: q.default for q in part.questions if q.default}
    local.update(answers)
    for am in bundle.answer_map if bundle else ():
        value = am.resolve(answers)
        if value is not None:
            local[am.question] = value
    return local


def checklist(catalog: Catalog, proc: Procedure, answers: Mapping[str, str]) -> list[Item]:
    """Documents that apply to these answers; a shared document (same key) listed once; in a bundle,
    never a paper the bundle replaces with its own or issues itself."""
    items: dict[str, Item] = {}
    for part in parts(catalog, proc):
        local = _local(answers, part, proc if proc.is_bundle else None)
        for doc in part.documents:
            if not doc.applies(local) or not _kept(proc, part, doc):
                continue
            if doc.key in items:
                prev = items[doc.key]
                items[doc.key] = Item(prev.doc, (*prev.owners, part.id))
            else:
                items[doc.key] = Item(doc, (part.id,))
    return list(items.values())


def not_needed(catalog: Catalog, proc: Procedure) -> list[NotNeeded]:
    """Papers the national databases hold, each named once."""
    seen: dict[str, NotNeeded] = {}
    for part in parts(catalog, proc):
        for nn in part.not_needed:
            seen.setdefault(nn.name, nn)
    return list(seen.values())


def today() -> str:
    return dt.date.today().isoformat()


def stated(fact: Fact, on: str | None = None) -> bool:
    """False once a time-bound fact is past its valid_until: the bot then says to check instead."""
    return not fact.expired(on or today())


def expiring(
    catalog: Catalog, within_days: int, on: str | None = None
) -> list[tuple[Procedure, str, str]]:
    """(entry, block, valid_until) of facts that expire within the next `within_days` days, or already have."""
    now = dt.date.fromisoformat(on or today())
    limit = (now + dt.timedelta(days=within_days)).isoformat()
    out = []
    for proc in catalog:
        for block in ("where", "processing_time", "fee", "deadline", "result", "proxy"):
            fact = getattr(proc, block)
            if fact is not None and fact.valid_until and fact.valid_until <= limit:
                out.append((proc, block, fact.valid_until))
    return out
