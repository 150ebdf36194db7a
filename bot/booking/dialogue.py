"""Booking actions the `booking` flow calls by name; all words come from flows/texts.yaml.

The flow's scratch data (`turn.data("booking")`) holds proc, office, day, slot and, when
moving a booking, the code being moved.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.booking.calendar import HORIZON_DAYS, TZ, UNCONFIRMED, Calendar, Slot
from bot.booking.ics import ics_file, qr_png
from bot.booking.offices import Office
from bot.booking.reminders import schedule
from bot.booking.service import BookingService
from bot.booking.store import ADDED, BOOKED, CLOSED, FULL, HELD, LIMIT, BookingView, Citizen
from bot.booking.when import When, only_day_words, parse_when
from bot.booking.wording import Words
from bot.core import guide, volunteer
from bot.core.engine import Engine, Turn
from bot.core.feature import Feature, action
from bot.core.messages import Button
from bot.core.normalize import fold
from bot.core.understand import Context, Kind, contains, read, yes_no
from bot.core.understand import Words as Words_
from bot.core.volunteer import CASE, JOIN_RE, is_volunteer

DAYS_SHOWN = 6
PROCS_SHOWN = 12
MINE = "booking.mine"
MAX_DAY_WORDS = 7  # a day typed alone ("sáng thứ năm tuần sau ạ"), not a sentence that names one
START = "booking.start"
NO_REMINDERS = frozenset({"web"})  # channels that cannot reach a citizen later (page closed)
COMMUNE_WORDS = ("phuong ", "xa ", "dac khu ", "p. ", "x. ")
DISTRICT_WORDS = ("quan ", "huyen ", "thi xa ")
# in a sentence, a commune is an office's commune, or a unit word and the capitalised words after
# it ("à nhầm, phường Long Biên chứ không phải Bồ Đề"); not one right after "không phải"
UNITS = ("phuong", "xa")
DENIED = ("khong phai", "ko phai", "k phai", "chu khong")
NOT_NAMES = ("hoi",)  # "Trợ Cấp Xã Hội": society, not a commune
TOKEN = re.compile(r"\w+|[^\w\s]")


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
        """Whose booking: the volunteer case in hand (limits count per case), else the person."""
        if turn.state.case:
            return Citizen("case", turn.state.case, turn.msg.origin)
        return Citizen(turn.msg.channel, turn.msg.user, turn.msg.origin)

    @staticmethod
    def _notify(turn: Turn) -> tuple[Citizen, str]:
        """Who gets the reminders: the person at the keyboard, labelled with the case when a
        volunteer books for a citizen."""
        label = turn.state.case if turn.state.case and is_volunteer(turn) else ""
        return Citizen(turn.msg.channel, turn.msg.user), label or ""

    def _words(self, turn: Turn) -> Words:
        return Words(turn.content.flows, self.svc.offices, turn.content.catalog, turn.state.lang)

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
        if not data["proc"]:
            return "ask"
        if data["proc"] not in self.svc.offices.bookable():
            return "none"
        if place := _mentioned_commune(turn.text, self.svc.offices.offering(data["proc"])):
            data["place"] = place  # "đặt lịch ở phường Việt Hưng": the commune step takes it
        return self._under_limit(turn)

    def _under_limit(self, turn: Turn) -> str:
        active = len(self.svc.store.active(self._who(turn)))
        if active >= self.svc.max_active:
            turn.say(turn.r.vi("booking_limit", active=active, max=self.svc.max_active))
            return "limit"
        return "ok"

    def ask_procedure(self, turn: Turn) -> str:
        """Which procedure? Buttons for the bookable ones, those just offered to choose from first
        ("đặt lịch" under a choice list); a typed name is matched."""
        words = self._words(turn)
        bookable = self.svc.offices.bookable()
        offered = [p for p in dict.fromkeys(turn.state.choices) if p in bookable]
        rest = [p for p in sorted(bookable, key=words.procedure) if p not in offered]
        procs = [*offered, *rest][:PROCS_SHOWN]
        buttons = [Button(words.procedure(p), f"proc:{p}") for p in procs]
        turn.say(words.t("booking_ask_proc"), buttons)
        return "shown"

    def procedure_by_text(self, turn: Turn) -> str:
        """A typed procedure name (or a tapped one): bookable → on to the commune."""
        text = turn.text.strip()
        bookable = self.svc.offices.bookable()
        pid = text if text in bookable else ""
        if not pid and text:
            found = [m.id for m in turn.content.matcher.match(text, top=3) if m.id in bookable]
            pid = found[0] if found else ""
        if not pid:
            return "again" if not text else "none"
        turn.state.switch_procedure(pid)
        self._data(turn)["proc"] = pid
        return self._under_limit(turn)

    def communes(self, turn: Turn) -> str:
        """Ask where the citizen lives: communes with an office taking the procedure. A commune
        named with the request ("đặt lịch ở phường Việt Hưng") is taken without asking."""
        data, words = self._data(turn), self._words(turn)
        proc = data.get("proc") or ""
        found = self.svc.offices.offering(proc)
        if not found:
            return "none"
        if place := data.pop("place", ""):
            return self._place(turn, place, found)
        buttons = [Button(o.commune or o.name, f"office:{o.id}") for o in found]
        text = words.t("booking_ask_commune", procedure=words.procedure(proc))
        if any(o.sample for o in found):
            text += "\n" + words.t("booking_sample_note")
        turn.say(text, buttons)
        return "shown"

    def commune_by_text(self, turn: Turn) -> str:
        """A typed commune ('viet hung', 'Phường Việt Hưng', or named in a sentence: 'à nhầm,
        phường Long Biên chứ không phải Bồ Đề'): its office; else say so and offer the offices
        taking the procedure (neighbours first), each with the reason."""
        # "xã Sóc Sơn cháu ạ" -> "xã Sóc Sơn"
        place = _said_place(turn.text, turn.content.flows.words)
        data, words = self._data(turn), self._words(turn)
        offering = self.svc.offices.offering(data.get("proc") or "")
        if len(place.split()) > 3 and (named := _mentioned_commune(turn.text, offering)):
            return self._place(turn, named, offering)
        typed = _commune_words(place)
        if not typed:
            return "again"
        if fold(turn.text).startswith(DISTRICT_WORDS):
            turn.say(words.t("booking_no_districts"))
            return "again"
        if office := _office_in(typed, offering):
            data["office"] = office.id
            return "found"
        if _asks_instead(turn.text, turn.content.flows.words):
            return "none"  # "bao lâu có thẻ": a question for the procedure in hand
        if _not_a_place(turn.text, turn.content.flows.words):
            return "again"  # "dạ được", "ok đúng rồi", "xác nhận": where, once more
        if parse_when(turn.text, self._today()) is not None:
            # a day before the place ("thứ 3 tuần sau"): kept for when the office is chosen
            data["wanted"] = turn.text.strip()
            turn.say(
                words.t("booking_commune_first", when=turn.text.strip()),
                [Button(o.commune or o.name, f"office:{o.id}") for o in offering],
            )
            return "listed"
        if len(typed.split()) > 5:
            return "none"  # not a commune: a question for the understanding step
        return self._offices_instead(turn, place, offering)

    def _place(self, turn: Turn, place: str, offering: list[Office]) -> str:
        """The office of the commune `place` ("found"), or the offices taking the procedure
        instead ("listed")."""
        if office := _office_in(_commune_words(place), offering):
            self._data(turn)["office"] = office.id
            return "found"
        return self._offices_instead(turn, place, offering)

    def _offices_instead(self, turn: Turn, place: str, offering: list[Office]) -> str:
        """No office at `place`: the offices taking the procedure, neighbours first, each with
        the reason."""
        typed = _commune_words(place)
        words, proc = self._words(turn), self._data(turn).get("proc") or ""
        near = [o for o in offering if typed in {_commune_words(n) for n in o.nearby}]
        rest = [o for o in offering if o not in near]
        lines = [words.t("booking_commune_none", commune=place, procedure=words.procedure(proc))]
        lines += [
            words.t(
                "booking_near_line",
                office=o.name,
                reason=words.t("booking_reason_near", commune=place),
            )
            for o in near
        ]
        lines += [
            words.t(
                "booking_near_line",
                office=o.name,
                reason=words.t("booking_reason_takes", procedure=words.procedure(proc)),
            )
            for o in rest
        ]
        lines.append(words.t("booking_residence_note"))
        turn.say("\n".join(lines), [Button(o.name, f"office:{o.id}") for o in near + rest])
        return "listed"

    def _today(self) -> dt.date:
        return self.svc.clock().astimezone(TZ).date()

    def day_by_text(self, turn: Turn) -> str:
        """A typed day ('thứ 4 tuần sau', 'sáng mai', '15/12'): its free slots, or why not."""
        office = self._office(turn)
        when = parse_when(turn.text, self._today())
        if office is None:
            return "none"
        if when is None and self._other_office(turn):
            return "office"  # the citizen named another commune: its days
        if when is None:
            return "again" if not turn.text.strip() else "none"
        return self._day(turn, office, when)

    def _day(self, turn: Turn, office: Office, when: When) -> str:
        """The slots of the day (and part, time) asked for: "found", or say why not."""
        data, words = self._data(turn), self._words(turn)
        day = when.day or (dt.date.fromisoformat(data["day"]) if data.get("day") else None)
        if day is None:
            return "again"
        data["day"], data["part"] = day.isoformat(), when.part or ""
        data["time"] = when.time.strftime("%H:%M") if when.time else ""
        proc = data.get("proc") or ""
        free = [(s, n) for s, n in self._free_slots(office, day, proc) if when.fits(s.start.time())]
        if free:
            return "found"
        reason = self._cal.closed_reason(office, day)
        if day < self._today() or day > self._today() + dt.timedelta(days=HORIZON_DAYS):
            key = "booking_day_out"
        elif reason == UNCONFIRMED:
            key = "booking_day_unconfirmed"
        elif reason:
            key = "booking_day_closed"
        else:
            key = "booking_day_no_session"
        turn.say(words.t(key, date=words.date(day), office=office.name, reason=reason or ""))
        return "nothing"

    def _other_office(self, turn: Turn) -> bool:
        """A typed commune with exactly one office taking the procedure: switch to it."""
        typed, data = _commune_words(turn.text), self._data(turn)
        if not typed:
            return False
        found = [
            o
            for o in self.svc.offices.offering(data.get("proc") or "")
            if typed == _commune_words(o.commune or o.name)
        ]
        if len(found) != 1:
            return False
        data.update(office=found[0].id, day="", slot="")
        return True

    def slot_by_text(self, turn: Turn) -> str:
        """A typed time ('17h45', '6h tối') or another day; else back to the question."""
        office, data = self._office(turn), self._data(turn)
        when = parse_when(turn.text, self._today())
        if office is None or when is None:
            return "again" if not turn.text.strip() else "none"
        if when.day is not None and when.day.isoformat() != data.get("day"):
            return "day"
        day = dt.date.fromisoformat(data["day"])
        free = [
            s
            for s, _ in self._free_slots(office, day, data.get("proc") or "")
            if when.fits(s.start.time())
        ]
        if not free:
            turn.say(self._words(turn).t("booking_time_none"))
            return "again"
        if when.time is None and len(free) > 1:  # 'chiều': the list narrowed to the afternoon
            data.update(part=when.part or "", time="")
            return "again"
        data["slot"] = free[0].key
        return "found"

    def confirm_by_text(self, turn: Turn) -> str:
        """'đồng ý', 'ok', 'dạ được' confirm; 'không', 'thôi' stop; anything else is asked again."""
        folded = fold(turn.text)
        yes = {fold(w) for w in turn.r.t("booking_yes_words").split("|")}
        no = {fold(w) for w in turn.r.t("booking_no_words").split("|")}
        if folded in yes:
            return "yes"
        if folded in no:
            return "no"
        return "again" if not folded else "none"

    def set_office(self, turn: Turn) -> str:
        self._data(turn)["office"] = turn.text
        return "ok" if self._office(turn) else "gone"

    def dates(self, turn: Turn) -> str:
        """The next days that still have places, earliest first."""
        office, words = self._office(turn), self._words(turn)
        proc = self._data(turn).get("proc") or ""
        if office is None:
            return "none"
        wanted = parse_when(self._data(turn).pop("wanted", ""), self._today())
        if wanted is not None and self._day(turn, office, wanted) == "found":
            return "day"  # the day typed before the office was chosen
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
        if _iso_day(turn.text):  # a tapped day: every part of it
            data.update(day=_iso_day(turn.text), part="", time="")
        if office is None or not data.get("day"):
            return "none"
        day = dt.date.fromisoformat(data["day"])
        free = self._free_slots(office, day, data.get("proc") or "")
        if data.get("part") or data.get("time"):
            when = parse_when(f"{data.get('part', '')} {data.get('time', '')}", day)
            free = [(s, n) for s, n in free if when is None or when.fits(s.start.time())] or free
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
        if "@" in turn.text:  # a tapped slot ('session@HH:MM'); a typed time set it already
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
        notify, label = self._notify(turn)
        office = self.svc.offices.get(slot.office_id)
        result = (
            store.reschedule(who, moving, slot)
            if moving
            else store.book(
                who,
                data.get("proc") or "",
                slot,
                several=bool(office and office.several_per_person),
                notify=notify,
                label=label,
                remind=turn.msg.channel not in NO_REMINDERS,
            )
        )
        facts = words.facts(self._params(data, slot))
        if result.status == HELD and result.booking is not None:
            held = result.booking
            data["held"] = "" if moving else held.code  # a move never merges two visits
            same = moving or (data.get("proc") or "") in held.procedures
            key = "booking_held_same" if same else "booking_held_other"
            turn.say(
                words.t(
                    key, **words.facts(held.params()), new=words.procedure(data.get("proc") or "")
                )
            )
            return "held"
        if result.status == FULL:
            turn.say(words.t("booking_slot_full", **facts))
            return "full"
        if result.status == CLOSED:
            turn.say(words.t("booking_slot_closed", **facts))
            return "closed"
        if result.status == LIMIT and result.per_client:
            turn.say(words.t("booking_client_limit", max=self.svc.max_per_client_day))
            return "limit"
        if result.status == LIMIT:
            turn.say(words.t("booking_limit", active=result.active, max=self.svc.max_active))
            return "limit"
        if result.status != BOOKED or result.booking is None:
            turn.say(words.t("booking_gone"))
            return "gone"
        self._confirmed(turn, result.booking, moved=bool(moving))
        data.clear()
        return "booked"

    def add_to_visit(self, turn: Turn) -> str:
        """File the procedure in hand at the visit already held (no second place)."""
        data, words = self._data(turn), self._words(turn)
        result = self.svc.store.add_procedure(
            self._who(turn), data.get("held", ""), data.get("proc") or ""
        )
        if result.status != ADDED or result.booking is None:
            turn.say(words.t("booking_gone"))
            return "gone"
        self._confirmed(turn, result.booking, moved=False, key="booking_added")
        data.clear()
        return "added"

    def can_add(self, turn: Turn) -> bool:
        """The held visit does not have the procedure in hand yet."""
        data = self._data(turn)
        held = self._mine(turn, data.get("held", "")) if data.get("held") else None
        return held is not None and (data.get("proc") or "") not in held.procedures

    def _documents(self, turn: Turn, booking: BookingView) -> str:
        """The documents to bring for this citizen: their own checklist when it is the
        procedure of the guide in hand (answers and ticks), else the procedure's list."""
        words, catalog = self._words(turn), turn.content.catalog
        lines = []
        for pid in booking.procedures:
            proc = catalog.get(pid)
            if proc is None:
                continue
            answers = turn.state.answers if pid == turn.state.proc else {}
            for item in guide.checklist(catalog, proc, answers):
                had = pid == turn.state.proc and item.doc.key in turn.state.have
                key = "booking_doc_have" if had else "booking_doc_line"
                line = words.t(key, name=item.doc.name)
                if line not in lines:
                    lines.append(line)
        return words.t("booking_docs", docs="\n".join(lines)) if lines else ""

    def _promise(self, turn: Turn, booking: BookingView) -> str:
        """Only what will be sent: none on the web, the evening one only if there is one."""
        words = self._words(turn)
        if turn.msg.channel in NO_REMINDERS:
            return words.t("booking_promise_web")
        kinds = {kind for kind, _ in schedule(booking.start, self.svc.clock())}
        if "remind_day" in kinds:
            return words.t("booking_promise_both")
        return words.t("booking_promise_hour" if kinds else "booking_promise_none")

    def _confirmed(self, turn: Turn, booking: BookingView, *, moved: bool, key: str = "") -> None:
        words = self._words(turn)
        facts = words.facts(booking.params())
        facts.update(
            documents=self._documents(turn, booking),
            promise=self._promise(turn, booking),
            case=words.t("booking_case_label", case=turn.state.case) if turn.state.case else "",
        )
        text = words.t(key or ("booking_moved" if moved else "booking_done"), **facts)
        if turn.state.case:  # the volunteer's case list shows it
            turn.data("booked").update(code=booking.code, when=f"{facts['date']}, {facts['time']}")
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

    def joined(self, turn: Turn, text: str) -> bool:
        """A citizen opening their volunteer case by its code gets its reminders from now on
        (the volunteer's labelled ones are moved to them). Never consumes the message."""
        m = JOIN_RE.match(text.strip())
        if not m or is_volunteer(turn):
            return False
        code = m.group(1).upper()
        record = turn.engine.store.get(CASE, code)
        booked = ((record or {}).get("data") or {}).get("booked")
        if booked and not (record or {}).get(volunteer.CLOSED):  # the case has booked
            to = Citizen(turn.msg.channel, turn.msg.user)
            self.svc.store.redirect_notices(Citizen("case", code), to)
        return False

    def day_on_card(self, turn: Turn, text: str) -> bool:
        """A bare day typed under a card that offers booking ("sáng thứ năm tuần sau ạ"): the
        booking starts, and the office, once chosen, opens on that day."""
        if not turn.state.proc or turn.state.step.startswith("booking."):
            return False
        particles = turn.content.flows.words.particles
        day_words = " ".join(t for t in fold(text).split() if t not in particles)
        if len(text.split()) > MAX_DAY_WORDS or "?" in text or not only_day_words(day_words):
            return False
        when = parse_when(text, self._today())
        if when is None or when.day is None or turn.content.matcher.analyse(text).matches:
            return False  # no day, or a need that names one ("mai đi làm căn cước")
        payload = f"go:{START}"
        if payload in {str(b[1]) for b in turn.state.buttons}:
            turn.engine.press(turn, payload)
        else:  # not bookable here: the booking start says so, with whom to ask
            turn.engine.run(turn, START)
        if turn.state.step.startswith("booking."):
            self._data(turn)["wanted"] = text.strip()
        return True

    def start_command(self, turn: Turn) -> None:
        """'đặt lịch' typed anywhere: book the procedure in hand, or ask which one."""
        turn.engine.run(turn, START)


def _include(engine: Engine, service: BookingService, d: Dialogue) -> None:
    service.attach(lambda: engine.content)
    hooks = [h for h in engine.text_hooks if not isinstance(getattr(h, "__self__", None), Dialogue)]
    engine.text_hooks = [d.joined, d.day_on_card, *hooks]  # before the volunteer hook


def _asks_instead(text: str, words: Words_) -> bool:
    """A question about the procedure in hand typed instead of a commune ("bao lâu có thẻ"), one
    that names no commune ("xã Đồng Phí" is a place, whatever its words)."""
    folded = fold(text)
    if any(f" {u} " in f" {folded} " for u in UNITS):
        return False
    return read(text, Context(has_procedure=True), words).kind == Kind.ASK


def _not_a_place(text: str, words: Words_) -> bool:
    """A reply that cannot be a commune's name: small talk, a command, a yes ("ừ cháu đặt cho bác
    nhé"), or a button's words ("xác nhận")."""
    reading = read(text, Context(), words)
    if reading.kind in (Kind.TALK, Kind.CONTROL) or reading.value:
        return True
    folded = fold(text)
    if yes_no(folded.split()[0], words):
        return True
    return any(contains(folded, p) for phrases in words.buttons.values() for p in phrases)


def _said_place(text: str, words: Words_) -> str:
    """The place as typed, without the politeness words after it ("cháu ạ", "nhé")."""
    toks = text.strip().rstrip(" .,!?").split()
    while len(toks) > 1 and fold(toks[-1]) in words.particles:
        toks.pop()
    return " ".join(toks)


def _office_in(typed: str, offering: list[Office]) -> Office | None:
    """The office whose commune is `typed` (folded, without its unit word), or the only one whose
    commune contains it."""
    exact = [o for o in offering if typed == _commune_words(o.commune or o.name)]
    partial = [o for o in offering if typed in _commune_words(o.commune or o.name)]
    found = exact or (partial if len(partial) == 1 else [])
    return found[0] if found else None


def _mentioned_commune(text: str, offering: list[Office]) -> str:
    """The one commune a sentence names, as typed: an office's commune in any case, or a unit word
    and the capitalised words after it ("à nhầm, phường Long Biên chứ không phải Bồ Đề, Hà Nội"
    -> "phường Long Biên"); not one after "không phải". "" when it names none, or several."""
    toks = TOKEN.findall(text)
    folded = [fold(t) for t in toks]
    known = {_commune_words(o.commune or o.name) for o in offering}
    found: dict[str, str] = {}
    for i, word in enumerate(folded):
        at = i - 1 if i and folded[i - 1] in UNITS else i  # "không phải phường X": X's unit
        if " ".join(folded[max(0, at - 2) : at]).endswith(DENIED):
            continue
        if word in UNITS and (names := _capitalised(toks[i + 1 : i + 5])):
            if fold(names[0]) not in NOT_NAMES:
                found.setdefault(fold(" ".join(names)), " ".join(toks[i : i + 1 + len(names)]))
            continue
        for k in (3, 2, 1):
            if " ".join(folded[i : i + k]) in known:
                found.setdefault(" ".join(folded[i : i + k]), " ".join(toks[i : i + k]))
                break
    return next(iter(found.values())) if len(found) == 1 else ""


def _capitalised(toks: list[str]) -> list[str]:
    """The leading words of `toks` written as a name: capitalised, or a number ("Phường 3")."""
    names: list[str] = []
    for tok in toks:
        if not (tok[:1].isupper() or tok.isdigit()):
            break
        names.append(tok)
    return names


def _commune_words(text: str) -> str:
    """'Phường Việt Hưng' → 'viet hung': folded, without the unit word."""
    folded = fold(text)
    for word in COMMUNE_WORDS:
        if folded.startswith(word):
            return folded[len(word) :].strip()
    return folded


def _iso_day(text: str) -> str | None:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def feature(service: BookingService) -> Feature:
    """The booking feature: actions, the `bookable` condition, /lichhen and the offices check."""
    d = Dialogue(service)
    actions = {
        "booking_start": action(d.start, "ok", "none", "limit", "ask"),
        "booking_ask_proc": action(d.ask_procedure, "shown"),
        "booking_proc_by_text": action(d.procedure_by_text, "ok", "limit", "none", "again"),
        "booking_communes": action(d.communes, "shown", "found", "listed", "none"),
        "booking_commune_by_text": action(d.commune_by_text, "found", "listed", "none", "again"),
        "booking_day_by_text": action(d.day_by_text, "found", "office", "nothing", "none", "again"),
        "booking_slot_by_text": action(d.slot_by_text, "found", "day", "none", "again"),
        "booking_confirm_by_text": action(d.confirm_by_text, "yes", "no", "none", "again"),
        "booking_add": action(d.add_to_visit, "added", "gone"),
        "booking_set_office": action(d.set_office, "ok", "gone"),
        "booking_dates": action(d.dates, "shown", "day", "none"),
        "booking_slots": action(d.slots, "shown", "none"),
        "booking_confirm": action(d.confirm, "shown", "gone"),
        "booking_book": action(d.book, "booked", "held", "full", "closed", "limit", "gone"),
        "booking_mine": action(d.mine, "shown", "none"),
        "booking_cancel_ask": action(d.cancel_ask, "shown", "gone"),
        "booking_cancel": action(d.cancel, "cancelled", "gone"),
        "booking_move": action(d.move, "ok", "gone"),
    }
    return Feature(
        name="booking",
        actions=actions,
        conditions={"bookable": d.bookable, "booking_can_add": d.can_add},
        commands={"lichhen": d.my_bookings, "datlich": d.start_command},
        entry_points=(MINE, START),
        content_checks=(service.check,),
        on_include=lambda engine: _include(engine, service, d),
    )
