"""Figures for the admin pages, taken from bot.booking and bot.feedback when they are installed.

Every method is blocking (database, matplotlib): call it through `asyncio.to_thread`.
A method returns None when its feature is not available in this installation.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.config import Config

log = logging.getLogger(__name__)
CHARTS = ("monthly-index", "groups")


@dataclass(frozen=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


class Reports(Protocol):
    def bookings(self, office: str, day: dt.date | None) -> Table | None: ...
    def feedback_text(self) -> str | None: ...
    def feedback_chart(self, name: str) -> bytes | None: ...
    def feedback_csv(self) -> bytes | None: ...
    def fact_reports(self) -> list[Any] | None: ...


class NoReports:
    """An installation without booking or feedback."""

    def bookings(self, office: str, day: dt.date | None) -> Table | None:
        """Not available."""
        return None

    def feedback_text(self) -> str | None:
        """Not available."""
        return None

    def feedback_chart(self, name: str) -> bytes | None:
        """Not available."""
        return None

    def feedback_csv(self) -> bytes | None:
        """Not available."""
        return None

    def fact_reports(self) -> list[Any] | None:
        """Not available."""
        return None


class SqlReports(NoReports):
    """Bookings (bot.booking) and feedback (bot.feedback) read from the shared database."""

    def __init__(
        self,
        *,
        bookings: Any = None,
        feedback: Any = None,
        office_names: dict[str, str] | None = None,
        facts: Any = None,
    ) -> None:
        self.booking_store = bookings
        self.feedback_store = feedback
        self.office_names = office_names or {}
        self.fact_store = facts

    def fact_reports(self) -> list[Any] | None:
        """ "Thông tin này sai?" reports per entry and field (bot.reports)."""
        return None if self.fact_store is None else self.fact_store.counts()

    def bookings(self, office: str, day: dt.date | None) -> Table | None:
        """One office's bookings on one day (today, Vietnam time, by default); no personal data."""
        if self.booking_store is None:
            return None
        from bot.booking.calendar import TZ, local

        day = day or dt.datetime.now(TZ).date()
        offices = [office] if office else sorted(self.office_names)
        rows = []
        for office_id in offices:
            for b in self.booking_store.on_day(office_id, day):
                rows.append(
                    (
                        self.office_names.get(office_id, office_id),
                        b.code,
                        f"{local(b.start):%H:%M}-{local(b.end):%H:%M}",
                        b.session_id,
                        b.procedure_id,
                        b.status,
                        b.channel,
                    )
                )
        return Table(("Cơ quan", "Mã", "Giờ", "Buổi", "Thủ tục", "Trạng thái", "Kênh"), tuple(rows))

    def _report(self) -> Any:
        from bot.feedback.report import compute

        return compute(self.feedback_store.rows())

    def feedback_text(self) -> str | None:
        """The plain-text satisfaction report."""
        if self.feedback_store is None:
            return None
        from bot.feedback.export import render_text

        return str(render_text(self._report(), self.office_names))

    def feedback_chart(self, name: str) -> bytes | None:
        """One chart as PNG: 'monthly-index' or 'groups'."""
        if self.feedback_store is None or name not in CHARTS:
            return None
        from bot.feedback import charts

        report = self._report()
        figure = (
            charts.monthly_figure(report, self.office_names)
            if name == "monthly-index"
            else charts.groups_figure(report)
        )
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=110)
        return out.getvalue()

    def feedback_csv(self) -> bytes | None:
        """Every response as CSV (UTF-8 with BOM for spreadsheets)."""
        if self.feedback_store is None:
            return None
        from bot.feedback.export import write_csv

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "feedback.csv"
            write_csv(self.feedback_store.rows(), path)
            return path.read_bytes()


def _optional(build: Callable[[], Any], what: str) -> Any:
    try:
        return build()
    except ImportError:
        return None
    except Exception:
        log.exception("%s reports are unavailable", what)
        return None


def default_reports(cfg: Config, db: Any) -> Reports:
    """Whatever this installation has; `db` is the SQLAlchemy engine (None without storage)."""
    if db is None:
        return NoReports()

    def booking_store() -> Any:
        from bot.booking.store import BookingStore

        return BookingStore(db)

    def feedback_store() -> Any:
        from bot.feedback.store import FeedbackStore

        return FeedbackStore(db)

    def names() -> dict[str, str]:
        from bot.feedback.offices import load_offices

        return dict(load_offices(cfg["catalog.dir"]).names)

    def fact_store() -> Any:
        from bot.reports.store import FactReportStore

        return FactReportStore(db)

    return SqlReports(
        bookings=_optional(booking_store, "booking"),
        feedback=_optional(feedback_store, "feedback"),
        office_names=_optional(names, "office") or {},
        facts=_optional(fact_store, "fact report"),
    )
