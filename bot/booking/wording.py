"""Booking words: dates, times and summaries filled from flows/texts.yaml (no prose in Python)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.booking.calendar import local
from bot.booking.offices import WEEKDAY_KEYS, Office, Offices, Session
from bot.core.flows import Flows
from bot.core.model import Catalog
from bot.core.render import Renderer


@dataclass(frozen=True)
class Words:
    """Formats booking facts with the current texts, offices and catalogue."""

    flows: Flows
    offices: Offices
    catalog: Catalog
    lang: str = "vi"  # the conversation's language (a key missing in it falls back to Vietnamese)

    def t(self, key: str, **kw: Any) -> str:
        return Renderer(self.flows, self.lang).t(key, **kw).rstrip()

    def weekday(self, index: int) -> str:
        names = self.t("booking_weekdays").split("|")
        return names[index] if len(names) == 7 else WEEKDAY_KEYS[index]

    def date(self, day: dt.date) -> str:
        """'Thứ Hai, 23/11/2026'."""
        return self.t("booking_date", weekday=self.weekday(day.weekday()), date=f"{day:%d/%m/%Y}")

    def time(self, start: dt.datetime, end: dt.datetime) -> str:
        return self.t("booking_time", start=f"{local(start):%H:%M}", end=f"{local(end):%H:%M}")

    def procedure(self, pid: str) -> str:
        proc = self.catalog.get(pid)
        return proc.name if proc else pid

    def session_line(self, session: Session) -> str:
        days = ", ".join(self.weekday(d) for d in sorted(session.weekdays))
        return self.t(
            "booking_session_line",
            name=session.name,
            weekdays=days,
            start=f"{session.start:%H:%M}",
            end=f"{session.end:%H:%M}",
        )

    def office_block(self, n: int, office: Office, procedure: str) -> str:
        """An office in a list: name, address, its sessions for the procedure, sample note."""
        sessions = "\n".join(
            self.session_line(s) for s in office.sessions if procedure in s.procedures
        )
        text = self.t(
            "booking_office_line", n=n, name=office.name, address=office.address, sessions=sessions
        )
        return text + ("\n" + self.t("booking_sample_note") if office.sample else "")

    def facts(self, params: Mapping[str, Any]) -> dict[str, str]:
        """Every placeholder a booking text may use, from stored params (code, ids, ISO times)."""
        start = dt.datetime.fromisoformat(str(params["start"]))
        end = dt.datetime.fromisoformat(str(params["end"]))
        office = self.offices.get(str(params.get("office_id", "")))
        session = office.session(str(params.get("session_id", ""))) if office else None
        hotline = office.hotline.number if office else ""
        return {
            "code": str(params.get("code", "")),
            "procedure": "; ".join(
                self.procedure(p)
                for p in (
                    str(params.get("procedure_id", "")),
                    *str(params.get("also", "")).split(","),
                )
                if p
            ),
            "case": self.t("booking_case_label", case=params["case"]) if params.get("case") else "",
            "office": office.name if office else str(params.get("office_id", "")),
            "address": office.address if office else "",
            "map": office.map_url if office else "",
            "hotline": self.t("booking_hotline", number=hotline) if hotline else "",
            "session": session.name if session else str(params.get("session_id", "")),
            "turnaround": (
                session.turnaround
                if session and session.turnaround
                else self.t("booking_no_turnaround")
            ),
            "date": self.date(local(start).date()),
            "time": self.time(start, end),
            "reason": str(params.get("reason", "")),
        }
