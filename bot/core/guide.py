"""A citizen's own checklist: which questions matter, which documents apply, what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.model import Catalog, Document, NotNeeded, Procedure, Question


@dataclass(frozen=True)
class Item:
    """One document on the checklist, with the procedures that need it."""

    doc: Document
    owners: tuple[str, ...]


def parts(catalog: Catalog, proc: Procedure) -> list[Procedure]:
    """The procedure itself, or a bundle followed by its members."""
    return [proc, *catalog.members(proc)] if proc.is_bundle else [proc]


def questions(catalog: Catalog, proc: Procedure) -> list[Question]:
    """Questions that change this checklist; one id asked once across a bundle's parts."""
    out: dict[str, Question] = {}
    for part in parts(catalog, proc):
        used = {q for d in part.documents for q in d.when}
        for q in part.questions:
            if q.id in used:
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


def _local(answers: Mapping[str, str], part: Procedure) -> dict[str, str]:
    local = {q.id: q.default for q in part.questions if q.default}
    local.update(answers)
    return local


def checklist(catalog: Catalog, proc: Procedure, answers: Mapping[str, str]) -> list[Item]:
    """Documents that apply to these answers; a shared document (same key) listed once."""
    items: dict[str, Item] = {}
    for part in parts(catalog, proc):
        local = _local(answers, part)
        for doc in part.documents:
            if not doc.applies(local):
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
