"""The "Thông tin này sai?" button: pick the wrong line of the card, stored in one tap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.feature import Feature
from bot.core.messages import Button
from bot.reports.store import FactReportStore

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core.engine import Turn

REPORT_COMMAND = "wrong"  # the button on the card: choose which line is wrong
FIELD_COMMAND = "wrongfact"  # `cmd:wrongfact <field>`: store the report
BLOCKS = ("where", "processing_time", "fee", "deadline", "online", "result")
BACK_STEP = "guide.summary_wait"


def fields(turn: Turn) -> list[str]:
    """The reportable fields of the procedure in hand: its card lines, then its document list."""
    proc = turn.proc
    if proc is None:
        return []
    return [b for b in BLOCKS if getattr(proc, b) is not None] + ["documents"]


class Reports:
    def __init__(self, store: FactReportStore) -> None:
        self.store = store

    def choose(self, turn: Turn) -> None:
        """Show one button per line of the card; pressing one stores the report."""
        if turn.proc is None:
            turn.say(turn.r.t("unknown_button"))
            return
        buttons = [Button(turn.r.t(f"fact_{f}"), f"cmd:{FIELD_COMMAND} {f}") for f in fields(turn)]
        turn.say(turn.r.t("wrong_fact_pick"), buttons)

    def report(self, turn: Turn) -> None:
        """Store the report against the entry and field (once per citizen), then back to the card's buttons."""
        proc = turn.proc
        payload = turn.msg.button.strip() or turn.engine.button_from_text(
            turn.state, turn.msg.text.strip()
        )
        field = payload.partition(" ")[2].strip()
        if proc is None or field not in fields(turn):
            turn.say(turn.r.t("unknown_button"))
            return
        new = self.store.add(proc.id, field, turn.msg.channel, turn.msg.user, proc.last_reviewed)
        key = "wrong_fact_thanks" if new else "wrong_fact_again"
        turn.say(turn.r.t(key, field=turn.r.t(f"fact_{field}"), name=proc.name))
        if BACK_STEP in turn.engine.content.flows.steps:
            turn.engine.run(turn, BACK_STEP)


def feature(store: FactReportStore) -> Feature:
    reports = Reports(store)
    return Feature(
        name="fact_reports",
        conditions={"can_report": lambda turn: turn.proc is not None},
        commands={REPORT_COMMAND: reports.choose, FIELD_COMMAND: reports.report},
    )


def feature_for(cfg: Config) -> Feature:
    from bot.storage.db import make_engine

    return feature(FactReportStore(make_engine(cfg.database_url)))
