"""Booking actions the `booking` flow calls by name; all words come from flows/texts.yaml.

The flow's scratch data (`turn.data("booking")`) holds proc, office, day, slot and, when
moving a booking, the code being moved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.booking.calendar import TZ, Calendar, Slot
from bot.booking.ics import ics_file, qr_png
from bot.booking.offices import Office
from bot.booking.service import BookingService
from bot.booking.store import BOOKED, CLOSED, FULL, LIMIT, BookingView, Citizen
from bot.booking.wording import Words
from bot.core.engine import Turn
from bot.core.feature import Feature, action
from bot.core.messages import Button
from bot.core.normalize import fold

DAYS_SHOWN = 6
MINE = "booking.mine"


class Dialogue:
    """The booking actions, bound to one service (offices, calendar, store)."""

    def __init__(self, service: BookingService) -> None:
        self.svc = service

    # ---- helpers -------------------------------------------------------------
    @staticmethod
    def _data(turn: Turn) -> dict[str, Any]:
        return turn.data("booking")

    @staticmethod
    def _who(turn: Turn) -> Citizen:
        return Citizen(turn.msg.channel, turn.msg.user)

    def _words(self, turn: Turn) -> Words:
        return Words(turn.content.flows, self.svc.offices, turn.content.catalog)

    @property
    def _cal(self) -> Calendar:
        return self.svc.calendar

    def _office(self, turn: Turn) -> Office | None:
        office = self.svc.offices.get(self._data(turn).get("office") or "")
        return office if office and office.offers(self._data(turn).get("proc") or "") else None

    def _free_slots(self, office: Office, day: dt.date, proc: str) -> list[tuple[Slot, int]]:
        """Slots still ahead that day with places left, and how many (full or closed left out)."""
        return [(s, left) for s, left in self._left(office, [day], proc).get(day, []) if left > 0]

    def _left(
        self, office: Office, days: list[dt.date], proc: str
    ) -> dict[dt.date, list[tuple[Slot, int]]]:
        now = self.svc.clock()
        if not days:
            return {}
        first = dt.datetime.combine(days[0], dt.time(0), TZ)
        usage = self.svc.store.usage(
            office.id, first, first + dt.timedelta(days=(days[-1] - days[0]).days + 1)
        )
        out: dict[dt.date, list[tuple[Slot, int]]] = {}
        for day in days:
            for slot in self._cal.slots_on(office, day, proc, now):
                taken, closed = usage.get((slot.session_id, slot.start), (0, False))
                out.setdefault(day, []).append(
                    (slot, 0 if closed else max(0, slot.capacity - taken))
                )
        return out

    def _slot(self, turn: Turn) -> Slot | None:
        data, office = self._data(turn), self._office(turn)
        if office is None or not data.get("day") or not data.get("slot"):
            return None
        day = dt.date.fromisoformat(data["day"])
        return self._cal.slot(office, day, data["slot"], data.get("proc"), self.svc.clock())

    # ---- choosing ------------------------------------------------------------
    def start(self, turn: Turn) -> str:
        """A fresh booking for the procedure in hand; refuse early when the limit is reached."""
        data = self._data(turn)
        data.clear()
        data["proc"] = turn.state.proc
        if not data["proc"] or data["proc"] not in self.svc.offices.bookable():
            return "none"
        active = len(self.svc.store.active(self._who(turn)))
        if active >= self.svc.max_active:
            turn.say(turn.r.vi("booking_limit", active=active, max=self.svc.max_active))
            return "limit"
        return "ok"

    def offices(self, turn: Turn) -> str:
        proc = self._data(turn).get("proc") or ""
        found = self.svc.offices.offering(proc)
        if not found:
            return "none"
        words = self._words(turn)
        lines = [words.t("booking_pick_office", procedure=words.procedure(proc))]
        lines += [words.office_block(n, o, proc) for n, o in enumerate(found, 1)]
        turn.say("\n\n".join(lines), [Button(o.name, f"office:{o.id}") for o in found])
        return "shown"

    def office_by_name(self, turn: Turn) -> str:
        """A typed office name ('Việt Hưng', 'hai ba trung'); anything else is a new question."""
        typed = fold(turn.text)
        proc = self._data(turn).get("proc") or ""
        found = [o for o in self.svc.offices.offering(proc) if typed and typed in fold(o.name)]
        if len(found) != 1:
            return "none"
        self._data(turn)["office"] = found[0].id
        return "found"

    def set_office(self, turn: Turn) -> str:
        self._data(turn)["office"] = turn.text
        return "ok" if self._office(turn) else "gone"

    def dates(self, turn: Turn) -> str:
        """The next days that still have places, earliest first."""
        office, words = self._office(turn), self._words(turn)
        proc = self._data(turn).get("proc") or ""
        if office is None:
            return "none"
        days = self._cal.next_days(office, proc, self.svc.clock())
        left = self._left(office, days, proc)
        open_days = [(d, sum(n for _, n in left.get(d, []))) for d in days]
        open_days = [(d, n) for d, n in open_days if n > 0][:DAYS_SHOWN]
        if not open_days:
            turn.say(words.t("booking_no_days", office=office.name))
            return "none"
        buttons = [
            Button(
                words.t("booking_day_button", date=words.date(d), left=n), f"day:{d.isoformat()}"
            )
            for d, n in open_days
        ]
        turn.say(words.t("booking_pick_day", office=office.name), buttons)
        return "shown"

    def slots(self, turn: Turn) -> str:
        """Slots of the chosen day with places left; none → back to the days, with a word why."""
        data, office, words = self._data(turn), self._office(turn), self._words(turn)
        data["day"] = _iso_day(turn.text) or data.get("day")
        if office is None or not data.get("day"):
            return "none"
        day = dt.date.fromisoformat(data["day"])
        free = self._free_slots(office, day, data.get("proc") or "")
        if not free:
            turn.say(words.t("booking_day_full", date=words.date(day)))
            return "none"
        buttons = [
            Button(
                words.t("booking_slot_button", time=words.time(s.start, s.end), left=n),
                f"slot:{s.key}",
            )
            for s, n in free
        ]
        turn.say(words.t("booking_pick_slot", date=words.date(day), office=office.name), buttons)
        return "shown"

    def confirm(self, turn: Turn) -> str:
        data, words = self._data(turn), self._words(turn)
        if turn.text:
            data["slot"] = turn.text
        slot = self._slot(turn)
        if slot is None:
            turn.say(words.t("booking_slot_gone"))
            return "gone"
        facts = words.facts(self._params(data, slot))
        key = "booking_confirm_move" if data.get("move") else "booking_confirm"
        turn.say(words.t(key, old=data.get("move", ""), **facts))
        return "shown"

    @staticmethod
    def _params(data: dict[str, Any], slot: Slot, code: str = "") -> dict[str, str]:
        return {
            "code": code,
            "office_id": slot.office_id,
            "session_id": slot.session_id,
            "procedure_id": data.get("proc") or "",
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
        }

    # ---- booking -------------------------------------------------------------
    def book(self, turn: Turn) -> str:
        """Take the place in the database; a slot filled meanwhile is said plainly."""
        data, words = self._data(turn), self._words(turn)
        if not data.get("proc"):
            return "gone"  # confirm pressed again after booking: show the bookings
        slot = self._slot(turn)
        if slot is None:
            turn.say(words.t("booking_slot_gone"))
            return "closed"
        store, who = self.svc.store, self._who(turn)
        moving = data.get("move")
        result = (
            store.reschedule(who, moving, slot)
            if moving
            else store.book(who, data.get("proc") or "", slot)
        )
        facts = words.facts(self._params(data, slot))
        if result.status == FULL:
            turn.say(words.t("booking_slot_full", **facts))
            return "full"
        if result.status == CLOSED:
            turn.say(words.t("booking_slot_closed", **facts))
            return "closed"
        if result.status == LIMIT:
            turn.say(words.t("booking_limit", active=result.active, max=self.svc.max_active))
            return "limit"
        if result.status != BOOKED or result.booking is None:
            turn.say(words.t("booking_gone"))
            return "gone"
        self._confirmed(turn, result.booking, moved=bool(moving))
        data.clear()
        return "booked"

    def _confirmed(self, turn: Turn, booking: BookingView, *, moved: bool) -> None:
        words = self._words(turn)
        facts = words.facts(booking.params())
        text = words.t("booking_moved" if moved else "booking_done", **facts)
        summary = words.t("booking_ics_summary", **facts)
        ics = ics_file(
            booking.code,
            booking.start,
            booking.end,
            summary,
            f"{facts['office']}, {facts['address']}",
            words.t("booking_ics_description", **facts),
            stamp=self.svc.clock(),
        )
        turn.say(text, attachment=ics)
        turn.say(words.t("booking_qr_caption", **facts), attachment=qr_png(booking.code))

    # ---- my bookings ---------------------------------------------------------
    def mine(self, turn: Turn) -> str:
        words = self._words(turn)
        found = self.svc.store.active(self._who(turn))
        if not found:
            return "none"
        lines = [words.t("booking_mine_title")]
        buttons = []
        for n, b in enumerate(found, 1):
            lines.append(words.t("booking_mine_line", n=n, **words.facts(b.params())))
            buttons += [
                Button(words.t("booking_btn_move_code", code=b.code), f"move:{b.code}"),
                Button(words.t("booking_btn_cancel_code", code=b.code), f"cancel:{b.code}"),
            ]
        turn.say("\n\n".join(lines), buttons)
        return "shown"

    def _mine(self, turn: Turn, code: str) -> BookingView | None:
        return next(
            (b for b in self.svc.store.active(self._who(turn)) if b.code == code.upper()), None
        )

    def cancel_ask(self, turn: Turn) -> str:
        booking, words = self._mine(turn, turn.text), self._words(turn)
        if booking is None:
            turn.say(words.t("booking_gone"))
            return "gone"
        self._data(turn)["cancel"] = booking.code
        turn.say(words.t("booking_cancel_ask", **words.facts(booking.params())))
        return "shown"

    def cancel(self, turn: Turn) -> str:
        words = self._words(turn)
        result = self.svc.store.cancel(self._who(turn), self._data(turn).pop("cancel", ""))
        if result.booking is None:
            turn.say(words.t("booking_gone"))
            return "gone"
        turn.say(words.t("booking_cancelled", **words.facts(result.booking.params())))
        return "cancelled"

    def move(self, turn: Turn) -> str:
        """Start moving a booking: same procedure, any office, the dates of its office first."""
        booking, words = self._mine(turn, turn.text), self._words(turn)
        if booking is None or not self.svc.offices.get(booking.office_id):
            turn.say(words.t("booking_gone"))
            return "gone"
        data = self._data(turn)
        data.clear()
        data.update(proc=booking.procedure_id, office=booking.office_id, move=booking.code)
        turn.say(words.t("booking_move_intro", **words.facts(booking.params())))
        return "ok"

    def bookable(self, turn: Turn) -> bool:
        """The guide's 'Đặt lịch' button: only for procedures some session takes."""
        return turn.state.proc in self.svc.offices.bookable()

    def my_bookings(self, turn: Turn) -> None:
        turn.engine.run(turn, MINE)


def _iso_day(text: str) -> str | None:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def feature(service: BookingService) -> Feature:
    """The booking feature: actions, the `bookable` condition, /lichhen and the offices check."""
    d = Dialogue(service)
    actions = {
        "booking_start": action(d.start, "ok", "none", "limit"),
        "booking_offices": action(d.offices, "shown", "none"),
        "booking_office_by_name": action(d.office_by_name, "found", "none"),
        "booking_set_office": action(d.set_office, "ok", "gone"),
        "booking_dates": action(d.dates, "shown", "none"),
        "booking_slots": action(d.slots, "shown", "none"),
        "booking_confirm": action(d.confirm, "shown", "gone"),
        "booking_book": action(d.book, "booked", "full", "closed", "limit", "gone"),
        "booking_mine": action(d.mine, "shown", "none"),
        "booking_cancel_ask": action(d.cancel_ask, "shown", "gone"),
        "booking_cancel": action(d.cancel, "cancelled", "gone"),
        "booking_move": action(d.move, "ok", "gone"),
    }
    return Feature(
        name="booking",
        actions=actions,
        conditions={"bookable": d.bookable},
        commands={"lichhen": d.my_bookings},
        entry_points=(MINE,),
        content_checks=(service.check,),
        on_include=lambda engine: service.attach(lambda: engine.content),
    )
