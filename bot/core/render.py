"""Turn procedures and checklists into text, using the YAML text table."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.core.flows import Flows
from bot.core.guide import Item, checklist, marked, not_needed, parts, stated
from bot.core.model import Catalog, Fact, Procedure

ONLINE_LABEL = {"toan-trinh": "toàn trình", "mot-phan": "một phần", "khong": "không"}


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

    def fact(self, fact: Fact) -> str:
        if not stated(fact):
            return self.vi("fact_expired", date="/".join(reversed(fact.valid_until.split("-"))))
        text = fact.text + (f" {fact.exemptions}" if fact.exemptions else "")
        return text + (self.vi("card_verify_mark") if fact.verify else "")

    def card(self, catalog: Catalog, proc: Procedure, footnote: bool = True) -> str:
        """The summary card: where, how long, how much, deadline, online, link; the '(*)' footnote
        only if a line is marked and the conversation has not had it yet (`footnote`)."""
        lines = [self.vi("card_title", name=proc.name)]
        if proc.code:
            lines.append(self.vi("card_code", code=", ".join(proc.codes)))
        lines.append(self.vi("card_where", where=self.fact(proc.where)))
        lines.append(self.vi("card_time", time=self.fact(proc.processing_time)))
        lines.append(self.vi("card_fee", fee=self.fact(proc.fee)))
        if proc.deadline:
            lines.append(self.vi("card_deadline", deadline=self.fact(proc.deadline)))
        online = f"{ONLINE_LABEL.get(proc.online.mode, proc.online.mode)} — {proc.online.text}"
        lines.append(self.vi("card_online", online=online + (self.vi("card_verify_mark") if proc.online.verify else "")))
        lines.append(self.vi("card_result", result=self.fact(proc.result)))
        if proc.is_bundle:
            lines.append(self.vi("card_members"))
            for m in catalog.members(proc):
                lines.append(self.vi("card_member_line", name=m.name, time=m.processing_time.text, result=m.result.text))
        if proc.portal_url:
            lines.append(self.vi("card_link", url=proc.portal_url))
        lines.extend(f"• {n}" for n in proc.notes)
        if proc.imported:
            lines.append(self.vi("card_imported"))
        if footnote and marked(proc):
            lines.append(self.vi("card_verify_note"))
        lines.append(self.vi("card_confirm"))
        return "\n".join(lines)

    def checklist(self, catalog: Catalog, proc: Procedure, answers: Mapping[str, str],
                  have: Collection[str]) -> tuple[str, list[Item]]:
        """The citizen's own document list with ticks, and what the databases already hold."""
        items = checklist(catalog, proc, answers)
        lines = [self.vi("checklist_title", name=proc.name)]
        multi = len(parts(catalog, proc)) > 1
        names = {p.id: p.name for p in parts(catalog, proc)}
        for n, item in enumerate(items, 1):
            mark = self.vi("mark_have" if item.doc.key in have else "mark_todo")
            doc = item.doc.name + (self.vi("card_verify_mark") if item.doc.verify else "")
            lines.append(self.vi("checklist_line", mark=mark, n=n, doc=doc))
            if item.doc.note:
                lines.append(self.vi("checklist_note", note=item.doc.note))
            if multi:
                lines.append(self.vi("checklist_for", owners=", ".join(names.get(o, o) for o in item.owners)))
        nn = not_needed(catalog, proc)
        if nn:
            lines += ["", self.vi("not_needed_title")]
            lines += [self.vi("not_needed_line", name=x.name, reason=x.reason) for x in nn]
        missing = [i for i in items if i.doc.key not in have]
        lines.append("")
        lines.append(self.vi("missing_title", count=len(missing)) if missing else self.vi("all_ready"))
        return "\n".join(lines), items

    def final(self, catalog: Catalog, proc: Procedure, answers: Mapping[str, str],
              have: Collection[str], date: str) -> str:
        """Plain text that reads well when copied, forwarded or printed."""
        items = checklist(catalog, proc, answers)
        ready = [i.doc.name for i in items if i.doc.key in have]
        todo = [i.doc.name for i in items if i.doc.key not in have]
        lines = [self.vi("final_title", name=proc.name), "=" * 40, self.card(catalog, proc), ""]
        lines.append(self.vi("final_missing"))
        lines += [f"  [ ] {d}" for d in todo] or [f"  {self.vi('final_none')}"]
        lines.append(self.vi("final_ready"))
        lines += [f"  [x] {d}" for d in ready] or [f"  {self.vi('final_none')}"]
        lines += ["", self.vi("final_footer", date=date)]
        return "\n".join(lines)
