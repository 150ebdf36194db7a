"""Turn procedures and checklists into text, using the YAML text table."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.core.flows import Flows
from bot.core.guide import Item, checklist, not_needed, parts, stated
from bot.core.model import Catalog, Fact, Procedure
from bot.core.understand import gloss


@dataclass(frozen=True)
class Renderer:
    flows: Flows
    lang: str = "vi"

    def t(self, key: str, **kw: object) -> str:
        text = self.flows.text(key, self.lang)
        try:
            return text.format(**kw)
        except (KeyError, IndexError, ValueError):
            return text

    def vi(self, key: str, **kw: object) -> str:
        return Renderer(self.flows, "vi").t(key, **kw)

    def name(self, proc: Procedure) -> str:
        """The procedure's name; in English its English name with the Vietnamese one in brackets."""
        if self.lang == "en" and proc.english:
            english = proc.english[0]
            return f"{english[:1].upper()}{english[1:]} ({proc.name})"
        return proc.name

    def english(self, text: str) -> str:
        """In English, a short English note after a Vietnamese fact ('[3 working days; free of charge]')."""
        if self.lang != "en":
            return ""
        note = gloss(text, self.flows.words)
        return f" [{note}]" if note else ""

    def expired(self, fact: Fact) -> str:
        """What to say instead of a time-bound fact past its valid_until ('' while it holds)."""
        if stated(fact):
            return ""
        return self.t("fact_expired", date="/".join(reversed(fact.valid_until.split("-"))))

    def fact(self, fact: Fact) -> str:
        if self.expired(fact):
            return self.expired(fact)
        text = fact.text + (f" {fact.exemptions}" if fact.exemptions else "")
        return text + (self.t("card_verify_mark") if fact.verify else "")

    def card(self, catalog: Catalog, proc: Procedure) -> str:
        """The first card, one phone screen: where, how long, how much, deadline, online mode.
        Full texts are one tap away (the guide's info buttons); `(*)` only on unverified lines."""
        lines = [self.t("card_title", name=clip(self.name(proc), TITLE_CHARS))]
        lines.append(self.t("card_where", where=self.brief(proc.where)))
        lines.append(self.t("card_time", time=self.brief(proc.processing_time)))
        lines.append(self.t("card_fee", fee=self.brief(proc.fee)))
        if proc.deadline:
            lines.append(self.t("card_deadline", deadline=self.brief(proc.deadline)))
        mark = self.t("card_verify_mark") if proc.online.verify else ""
        lines.append(self.t("card_online", online=self.t("online_" + proc.online.mode) + mark))
        if proc.is_bundle:
            lines.append(self.t("card_members"))
            for m in catalog.members(proc):
                lines.append(self.t("card_member_short", name=self.name(m)))
        if proc.imported:
            lines.append(self.t("card_imported_short"))
        note = self.t("card_lang_note")
        if note:
            lines.append(note)
        return "\n".join(lines)

    def brief(self, fact: Fact) -> str:
        """A fact's first clause (the whole text is one tap away), with its (*) mark."""
        if self.expired(fact):
            return self.expired(fact)
        text = short(fact.text)
        return text + self.english(text) + (self.t("card_verify_mark") if fact.verify else "")

    def full_card(self, catalog: Catalog, proc: Procedure) -> str:
        """Every fact in full: the printable summary."""
        lines = [self.t("card_title", name=self.name(proc))]
        if proc.code:
            lines.append(self.t("card_code", code=", ".join(proc.codes)))
        lines.append(self.t("card_where", where=self.fact(proc.where)))
        lines.append(self.t("card_time", time=self.fact(proc.processing_time)))
        lines.append(self.t("card_fee", fee=self.fact(proc.fee)))
        if proc.deadline:
            lines.append(self.t("card_deadline", deadline=self.fact(proc.deadline)))
        online = f"{self.t('online_' + proc.online.mode)} — {proc.online.text}"
        lines.append(
            self.t(
                "card_online",
                online=online + (self.t("card_verify_mark") if proc.online.verify else ""),
            )
        )
        lines.append(self.t("card_result", result=self.fact(proc.result)))
        if proc.is_bundle:
            lines.append(self.t("card_members"))
            for m in catalog.members(proc):
                lines.append(
                    self.t(
                        "card_member_line",
                        name=self.name(m),
                        time=m.processing_time.text,
                        result=m.result.text,
                    )
                )
        if proc.portal_url:
            lines.append(self.t("card_link", url=proc.portal_url))
        lines.extend(f"• {n}" for n in proc.notes)
        if proc.imported:
            lines.append(self.t("card_imported"))
        if _has_unverified(proc):
            lines.append(self.t("card_verify_note"))
        lines.append(self.t("card_confirm"))
        return "\n".join(lines)

    def checklist(
        self, catalog: Catalog, proc: Procedure, answers: Mapping[str, str], have: Collection[str]
    ) -> tuple[str, list[Item]]:
        """The citizen's own document list with ticks, and what the databases already hold."""
        items = checklist(catalog, proc, answers)
        lines = [self.t("checklist_title", name=self.name(proc))]
        multi = len(parts(catalog, proc)) > 1
        names = {p.id: p.name for p in parts(catalog, proc)}
        for n, item in enumerate(items, 1):
            mark = self.t("mark_have" if item.doc.key in have else "mark_todo")
            doc = (
                item.doc.name
                + self.english(item.doc.name)
                + (self.t("card_verify_mark") if item.doc.verify else "")
            )
            lines.append(self.t("checklist_line", mark=mark, n=n, doc=doc))
            if item.doc.note:
                lines.append(self.t("checklist_note", note=item.doc.note))
            if multi:
                lines.append(
                    self.t("checklist_for", owners=", ".join(names.get(o, o) for o in item.owners))
                )
        nn = not_needed(catalog, proc)
        if nn:
            lines += ["", self.t("not_needed_title")]
            lines += [self.t("not_needed_line", name=x.name, reason=x.reason) for x in nn]
        missing = [i for i in items if i.doc.key not in have]
        lines.append("")
        lines.append(
            self.t("missing_title", count=len(missing)) if missing else self.t("all_ready")
        )
        return "\n".join(lines), items

    def final(
        self,
        catalog: Catalog,
        proc: Procedure,
        answers: Mapping[str, str],
        have: Collection[str],
        date: str,
    ) -> str:
        """Plain text that reads well when copied, forwarded or printed."""
        items = checklist(catalog, proc, answers)
        ready = [i.doc.name for i in items if i.doc.key in have]
        todo = [i.doc.name for i in items if i.doc.key not in have]
        lines = [
            self.t("final_title", name=self.name(proc)),
            "=" * 40,
            self.full_card(catalog, proc),
            "",
        ]
        lines.append(self.t("final_missing"))
        lines += [f"  [ ] {d}" for d in todo] or [f"  {self.t('final_none')}"]
        lines.append(self.t("final_ready"))
        lines += [f"  [x] {d}" for d in ready] or [f"  {self.t('final_none')}"]
        lines += ["", self.t("final_footer", date=date)]
        return "\n".join(lines)


def _has_unverified(proc: Procedure) -> bool:
    facts = [proc.where, proc.processing_time, proc.fee, proc.result, proc.deadline, proc.proxy]
    return proc.verify or proc.online.verify or any(f is not None and f.verify for f in facts)


BRIEF_CHARS = 150
TITLE_CHARS = (
    220  # some national records' names run to 1,000 characters; the full name is under "Nộp ở đâu"
)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def short(text: str, limit: int = BRIEF_CHARS) -> str:
    """The first clause of a text (up to ';', a sentence end or a bracket), cut at a word if still long."""
    text = " ".join(text.split())
    cut = len(text)
    for sep in ("; ", ". ", " ("):
        at = text.find(sep)
        if 0 < at < cut:
            cut = at
    head = text[:cut].rstrip(" .;,")
    if len(head) <= limit:
        return head + ("…" if cut < len(text) and sep_is_content(text[cut:]) else "")
    return head[:limit].rsplit(" ", 1)[0] + "…"


def sep_is_content(rest: str) -> bool:
    """Whether what was cut off says more than punctuation."""
    return any(ch.isalnum() for ch in rest)
