"""The survey's actions, its entry points (QR deep links, typed command, offer button), its installer."""

from __future__ import annotations

import re
from typing import Any

from bot.config import Config
from bot.core.engine import Turn
from bot.core.feature import Feature, action
from bot.core.messages import Button
from bot.feedback.models import GROUPS
from bot.feedback.offices import PAYLOAD_PREFIX, Offices, load_offices
from bot.feedback.store import Entry, FeedbackStore, Refused

SCRATCH = "feedback"
START = "feedback.start"
QUESTIONS = ("overall", *GROUPS)
OFFER_COMMAND = "danhgia"
GENERAL_COMMAND = "gopy"
# "/start fb-office[-counter]" (Telegram, Zalo bridge), a pasted "...?start=fb-..." link, or the
# code typed alone (the fallback printed under the Zalo QR code).
DEEP_LINK = re.compile(
    rf"^(?:/start(?:@\w+)?\s+|\S*[?&]start=)?{PAYLOAD_PREFIX}([a-z0-9_-]{{1,61}})$", re.I
)


class Survey:
    """The survey's actions; state lives in the conversation (`turn.data('feedback')`)."""

    def __init__(self, store: FeedbackStore, offices: Offices) -> None:
        self.store = store
        self.offices = offices

    # ---- entry points --------------------------------------------------------
    def deep_link(self, turn: Turn, text: str) -> bool:
        """Text hook: '/start fb-<office>[-<counter>]' opens that office's survey."""
        match = DEEP_LINK.match(text.strip())
        if not match:
            return False
        split = self.offices.split(match.group(1).lower())
        if split is None:
            turn.say(turn.r.t("fb_unknown_office"))
        office, counter = split or ("", "")
        self._enter(
            turn,
            source="qr",
            office=office or None,
            counter=counter or None,
            procedure=turn.state.proc,
        )
        return True

    def from_offer(self, turn: Turn) -> None:
        """Command 'danhgia <booking>' behind the post-visit button: that booking's survey."""
        parts = (turn.msg.button or turn.msg.text).split()
        offer = self.store.offer(parts[1]) if len(parts) > 1 else None
        if offer is None or offer.respondent != self.store.respondent(
            turn.msg.channel, turn.msg.user
        ):
            turn.say(turn.r.t("fb_offer_unknown"))
            return
        self._enter(
            turn,
            source="booking",
            office=offer.office,
            procedure=offer.procedure,
            booking=offer.booking,
        )

    def general(self, turn: Turn) -> None:
        """Command 'gopy': a survey not tied to an office."""
        self._enter(turn, source="menu", procedure=turn.state.proc)

    def _enter(self, turn: Turn, **entry: Any) -> None:
        data = turn.data(SCRATCH)
        data.clear()
        data.update(fresh=True, entry=entry)
        turn.engine.run(turn, START)

    # ---- actions -------------------------------------------------------------
    def begin(self, turn: Turn) -> str:
        """Reset the survey; refuse a booking already answered or a used-up quota."""
        data = turn.data(SCRATCH)
        if not data.pop("fresh", False):
            proc = turn.state.proc
            data.clear()
            data["entry"] = {"source": "guide" if proc else "menu", "procedure": proc}
        data.update(stage=0, id=None)
        booking = data["entry"].get("booking")
        if booking and self.store.answered(booking):
            return "answered"
        if not self.store.can_start(self._respondent(turn), turn.msg.origin):
            return "limited"
        office = data["entry"].get("office")
        turn.say(
            turn.r.t("fb_intro_office", office=self.offices.name(office))
            if office
            else turn.r.t("fb_intro")
        )
        return "ask"

    def ask(self, turn: Turn) -> str:
        """Ask the current question with buttons 1-5, or report that none is left."""
        stage = int(turn.data(SCRATCH).get("stage", 0))
        if stage >= len(QUESTIONS):
            return "done"
        buttons = [Button(turn.r.t(f"fb_scale_{n}"), f"rate:{n}") for n in range(1, 6)]
        turn.say(turn.r.t(f"fb_q_{QUESTIONS[stage]}"), buttons)
        return "asked"

    def rate(self, turn: Turn) -> str:
        """Store the tapped (or typed) rating for the current question and move on."""
        data = turn.data(SCRATCH)
        stage = int(data.get("stage", 0))
        text = turn.text.strip()
        if not (text.isdigit() and 1 <= int(text) <= 5) or stage >= len(QUESTIONS):
            return "invalid"
        response = self._response(turn)
        if isinstance(response, str):
            return response
        self.store.rate(response, QUESTIONS[stage], int(text))
        data["stage"] = stage + 1
        return "saved"

    def skip(self, turn: Turn) -> str:
        """Leave the current question unanswered."""
        data = turn.data(SCRATCH)
        data["stage"] = int(data.get("stage", 0)) + 1
        return "skipped"

    def comment(self, turn: Turn) -> str:
        """Store the typed comment, phone and ID numbers masked."""
        if not turn.text.strip():
            return "empty"
        response = self._response(turn)
        if isinstance(response, str):
            return response
        self.store.comment(response, turn.text)
        return "saved"

    def contact(self, turn: Turn) -> str:
        """Store the name/phone the citizen chose to leave after the consent button."""
        response = turn.data(SCRATCH).get("id")
        if not turn.text.strip():
            return "empty"
        if response:
            self.store.contact(int(response), turn.text)
        return "saved"

    def _respondent(self, turn: Turn) -> str:
        return self.store.respondent(turn.msg.channel, turn.msg.user)

    def _response(self, turn: Turn) -> int | str:
        """The response row of this survey, created on the first answer; or 'answered'/'limited'."""
        data = turn.data(SCRATCH)
        if data.get("id"):
            return int(data["id"])
        entry = _entry(turn.msg.channel, data.get("entry", {}))
        try:
            data["id"] = self.store.create(entry, self._respondent(turn), turn.msg.origin)
        except Refused as refused:
            return refused.reason
        return int(data["id"])


def _entry(channel: str, entry: dict[str, Any]) -> Entry:
    links = {k: entry.get(k) or None for k in ("office", "counter", "procedure", "booking")}
    return Entry(channel=channel, source=str(entry.get("source") or "menu"), **links)


def feature(store: FeedbackStore, offices: Offices | None = None) -> Feature:
    """The survey feature: actions, its deep-link hook and its commands."""
    survey = Survey(store, offices or Offices({}))
    return Feature(
        name="feedback",
        actions={
            "feedback_begin": action(survey.begin, "ask", "answered", "limited"),
            "feedback_ask": action(survey.ask, "asked", "done"),
            "feedback_rate": action(survey.rate, "saved", "invalid", "answered", "limited"),
            "feedback_skip": action(survey.skip, "skipped"),
            "feedback_comment": action(survey.comment, "saved", "empty", "answered", "limited"),
            "feedback_contact": action(survey.contact, "saved", "empty"),
        },
        text_hooks=(survey.deep_link,),
        commands={OFFER_COMMAND: survey.from_offer, GENERAL_COMMAND: survey.general},
    )


def feature_for(cfg: Config) -> Feature:
    """The feedback feature for a configuration: its database and the catalogue's offices."""
    from bot.storage.db import make_engine

    store = FeedbackStore(
        make_engine(cfg.database_url),
        max_per_hour=int(cfg["feedback.max_per_hour"]),
        max_per_client_hour=int(cfg.get("feedback.max_per_client_hour") or 0),
    )
    return feature(store, load_offices(cfg["catalog.dir"]))
