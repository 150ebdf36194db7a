"""Bookings in SQL; the database, not Python, keeps every slot within its capacity.

A place is taken by `UPDATE booking_slot SET taken = taken + 1 WHERE id = :id AND taken <
:capacity` in the same transaction as the booking insert (a CHECK constraint backs it up).
The citizen's row is upserted first, which locks it on PostgreSQL (SQLite serializes every
writer with BEGIN IMMEDIATE), so the limit of active bookings per citizen holds as well.
Locks are always taken in the order citizen → slot (by id) → booking, so no deadlock.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from bot.booking import reminders
from bot.booking.calendar import TZ, Slot
from bot.booking.models import (
    ATTENDED,
    CANCELLED,
    CONFIRMED,
    NO_SHOW,
    BookingRow,
    CitizenRow,
    NoticeRow,
    SlotRow,
)
from bot.storage.db import dialect_insert, utc_now

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LEN = 6
CODE_TRIES = 8
SLOT_CACHE = 20_000
BOOKED, FULL, CLOSED, LIMIT, GONE, CANCELLED_OK, HELD, ADDED = (
    "booked",
    "full",
    "closed",
    "limit",
    "gone",
    "cancelled",
    "held",  # the citizen already holds a place in this slot: nothing was booked
    "added",  # a procedure was added to a booking the citizen holds (same visit)
)


def new_code() -> str:
    """A short booking code that reads unambiguously aloud and on paper."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))


@dataclass(frozen=True)
class Citizen:
    channel: str
    user_id: str
    origin: str = ""  # keyed hash of the client address (web); "" where identity is verified


@dataclass(frozen=True)
class BookingView:
    """A booking as read back: code, who, what, where, when (aware, Vietnam time)."""

    code: str
    channel: str
    user_id: str
    procedure_id: str
    office_id: str
    session_id: str
    start: dt.datetime
    end: dt.datetime
    status: str
    also: tuple[str, ...] = ()

    @property
    def procedures(self) -> tuple[str, ...]:
        """Every procedure filed at this visit, the first one booked first."""
        return (self.procedure_id, *self.also)

    def params(self) -> dict[str, str]:
        """What a notice needs to be rendered later."""
        return {
            "code": self.code,
            "office_id": self.office_id,
            "session_id": self.session_id,
            "procedure_id": self.procedure_id,
            "also": ",".join(self.also),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True)
class Result:
    """What happened: booked / added / held / full / closed / limit / gone / cancelled.

    `booking` is the booking made or changed; for `held` it is the place already held (nothing
    was booked).
    """

    status: str
    booking: BookingView | None = None
    active: int = 0
    per_client: bool = False  # the limit hit is the client address's, not the citizen's


class _Abort(Exception):
    """Roll the transaction back and report `status`."""

    def __init__(self, status: str) -> None:
        self.status = status


VIEW_COLUMNS = (
    BookingRow.id,
    BookingRow.code,
    BookingRow.channel,
    BookingRow.user_id,
    BookingRow.procedure_id,
    BookingRow.office_id,
    SlotRow.session_id,
    SlotRow.starts_at,
    SlotRow.ends_at,
    BookingRow.status,
    BookingRow.slot_id,
    BookingRow.also,
)


def _view(row: Any) -> BookingView:
    return BookingView(
        row.code,
        row.channel,
        row.user_id,
        row.procedure_id,
        row.office_id,
        row.session_id,
        row.starts_at.astimezone(TZ),
        row.ends_at.astimezone(TZ),
        row.status,
        _also(row.also),
    )


def _also(raw: str | None) -> tuple[str, ...]:
    return tuple(p for p in (raw or "").split(",") if p)


def _views() -> Any:
    return select(*VIEW_COLUMNS).join(SlotRow, BookingRow.slot_id == SlotRow.id)


class BookingStore:
    """Book, list, cancel and move bookings; every rule enforced inside one transaction."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_active: int = 2,
        max_per_origin_day: int = 0,
        clock: Callable[[], dt.datetime] = utc_now,
        codes: Callable[[], str] = new_code,
    ) -> None:
        self.engine = engine
        self.max_active = max_active
        self.max_per_origin_day = max_per_origin_day  # 0: no per-address limit
        self.clock = clock
        self.codes = codes
        self._slot_ids: dict[tuple[str, str, dt.datetime], int] = {}  # slot rows are never deleted

    # ---- slots ---------------------------------------------------------------
    def slot_id(self, slot: Slot) -> int:
        """The row of this slot, created on first use (concurrent callers get the same row)."""
        cache_key = (slot.office_id, slot.session_id, slot.start)
        if cache_key in self._slot_ids:
            return self._slot_ids[cache_key]
        key = (
            SlotRow.office_id == slot.office_id,
            SlotRow.session_id == slot.session_id,
            SlotRow.starts_at == slot.start,
        )
        values = {
            "office_id": slot.office_id,
            "session_id": slot.session_id,
            "starts_at": slot.start,
            "ends_at": slot.end,
            "capacity": slot.capacity,
            "taken": 0,
        }
        with self.engine.begin() as conn:
            found = conn.execute(select(SlotRow.id).where(*key)).scalar_one_or_none()
            if found is None:
                ins = dialect_insert(conn, SlotRow).values(values)
                conn.execute(
                    ins.on_conflict_do_nothing(
                        index_elements=["office_id", "session_id", "starts_at"]
                    )
                )
                found = conn.execute(select(SlotRow.id).where(*key)).scalar_one()
        if len(self._slot_ids) > SLOT_CACHE:
            self._slot_ids.clear()
        self._slot_ids[cache_key] = int(found)
        return int(found)

    def usage(
        self, office_id: str, first: dt.datetime, last: dt.datetime
    ) -> dict[tuple[str, dt.datetime], tuple[int, bool]]:
        """(session, start) → (places taken, closed) for slot rows of an office in [first, last)."""
        query = select(
            SlotRow.session_id, SlotRow.starts_at, SlotRow.taken, SlotRow.closed_reason
        ).where(
            SlotRow.office_id == office_id, SlotRow.starts_at >= first, SlotRow.starts_at < last
        )
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
        return {
            (r.session_id, r.starts_at.astimezone(TZ)): (int(r.taken), r.closed_reason is not None)
            for r in rows
        }

    @staticmethod
    def _take(conn: Connection, slot_id: int, capacity: int) -> None:
        result = conn.execute(
            update(SlotRow)
            .where(SlotRow.id == slot_id, SlotRow.taken < capacity, SlotRow.closed_reason.is_(None))
            .values(taken=SlotRow.taken + 1, capacity=capacity)
        )
        if result.rowcount != 1:
            closed = conn.execute(
                select(SlotRow.closed_reason).where(SlotRow.id == slot_id)
            ).scalar()
            raise _Abort(CLOSED if closed else FULL)

    @staticmethod
    def _release(conn: Connection, slot_id: int) -> None:
        conn.execute(
            update(SlotRow)
            .where(SlotRow.id == slot_id, SlotRow.taken > 0)
            .values(taken=SlotRow.taken - 1)
        )

    # ---- citizens ------------------------------------------------------------
    @staticmethod
    def _lock_citizen(conn: Connection, who: Citizen, now: dt.datetime) -> None:
        ins = dialect_insert(conn, CitizenRow).values(
            channel=who.channel, user_id=who.user_id, touched_at=now
        )
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=["channel", "user_id"], set_={"touched_at": ins.excluded.touched_at}
            )
        )

    @staticmethod
    def _active_count(conn: Connection, who: Citizen, now: dt.datetime) -> int:
        query = (
            select(func.count())
            .select_from(BookingRow)
            .join(SlotRow, BookingRow.slot_id == SlotRow.id)
            .where(
                BookingRow.channel == who.channel,
                BookingRow.user_id == who.user_id,
                BookingRow.status == CONFIRMED,
                SlotRow.ends_at > now,
            )
        )
        return int(conn.execute(query).scalar_one())

    # ---- citizen actions -----------------------------------------------------
    def book(
        self,
        who: Citizen,
        procedure_id: str,
        slot: Slot,
        *,
        several: bool = False,
        notify: Citizen | None = None,
        label: str = "",
        remind: bool = True,
    ) -> Result:
        """Take a place: booked, or held / full / closed / limit (with the active count).

        One place per citizen per slot: a second request for a slot the citizen holds is `held`
        (with that booking) — unless the procedure differs and the office allows `several`.
        Reminders go to `notify` (default: the citizen), labelled with `label` (a volunteer case);
        `remind=False` queues none (a channel that cannot deliver them later).
        """
        slot_id = self.slot_id(slot)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                self._lock_citizen(conn, who, now)
                active = self._active_count(conn, who, now)
                held = self._held(conn, who, slot_id)
                same = [h for h in held if procedure_id in h.procedures]
                if same or (held and not several):
                    return Result(HELD, (same or held)[0], active)
                if active >= self.max_active:
                    return Result(LIMIT, active=active)
                if self._origin_full(conn, who, slot, now):
                    return Result(LIMIT, active=active, per_client=True)
                self._take(conn, slot_id, slot.capacity)
                booking_id, code = self._insert(
                    conn, who, procedure_id, slot.office_id, slot_id, now
                )
                view = BookingView(
                    code,
                    who.channel,
                    who.user_id,
                    procedure_id,
                    slot.office_id,
                    slot.session_id,
                    slot.start.astimezone(TZ),
                    slot.end.astimezone(TZ),
                    CONFIRMED,
                )
                if remind:
                    self._remind(conn, booking_id, view, now, notify or who, label)
                return Result(BOOKED, view, active + 1)
        except _Abort as abort:
            return Result(abort.status)

    def add_procedure(self, who: Citizen, code: str, procedure_id: str) -> Result:
        """File one more procedure at a visit the citizen holds (no new place is taken)."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                self._lock_citizen(conn, who, now)
                row = self._own(conn, who, code, now)
                view = _view(row)
                if procedure_id in view.procedures:
                    return Result(HELD, view)
                also = ",".join((*view.also, procedure_id))
                conn.execute(
                    update(BookingRow)
                    .where(BookingRow.id == row.id)
                    .values(also=also, updated_at=now)
                )
                self._refresh_notices(conn, row.id, also)
                return Result(ADDED, self._read(conn, row.id))
        except _Abort as abort:
            return Result(abort.status)

    def _origin_full(self, conn: Connection, who: Citizen, slot: Slot, now: dt.datetime) -> bool:
        """Whether this client address already holds its share of the office's day."""
        if not who.origin or self.max_per_origin_day < 1:
            return False
        self._lock_citizen(conn, Citizen("origin", who.origin), now)  # serialise one address
        local = slot.start.astimezone(TZ)
        first = dt.datetime.combine(local.date(), dt.time(0), TZ)
        query = (
            select(func.count())
            .select_from(BookingRow)
            .join(SlotRow, BookingRow.slot_id == SlotRow.id)
            .where(
                BookingRow.origin == who.origin,
                BookingRow.office_id == slot.office_id,
                BookingRow.status == CONFIRMED,
                SlotRow.starts_at >= first,
                SlotRow.starts_at < first + dt.timedelta(days=1),
            )
        )
        return int(conn.execute(query).scalar_one()) >= self.max_per_origin_day

    @staticmethod
    def _held(conn: Connection, who: Citizen, slot_id: int) -> list[BookingView]:
        """The citizen's confirmed bookings in this slot (the citizen row is locked)."""
        rows = conn.execute(
            _views().where(
                BookingRow.channel == who.channel,
                BookingRow.user_id == who.user_id,
                BookingRow.slot_id == slot_id,
                BookingRow.status == CONFIRMED,
            )
        ).all()
        return [_view(r) for r in rows]

    def _insert(
        self,
        conn: Connection,
        who: Citizen,
        procedure_id: str,
        office_id: str,
        slot_id: int,
        now: dt.datetime,
    ) -> tuple[int, str]:
        """Insert with a fresh code; a code already taken draws another (no savepoint needed)."""
        values = {
            "channel": who.channel,
            "user_id": who.user_id,
            "procedure_id": procedure_id,
            "office_id": office_id,
            "slot_id": slot_id,
            "status": CONFIRMED,
            "created_at": now,
            "updated_at": now,
            "origin": who.origin or None,
        }
        for _ in range(CODE_TRIES):
            code = self.codes()
            ins = dialect_insert(conn, BookingRow).values(code=code, **values)
            new_id = conn.execute(
                ins.on_conflict_do_nothing(index_elements=["code"]).returning(BookingRow.id)
            ).scalar()
            if new_id is not None:
                return int(new_id), code
        raise RuntimeError("could not draw an unused booking code")

    @staticmethod
    def _read(conn: Connection, booking_id: int) -> BookingView:
        return _view(conn.execute(_views().where(BookingRow.id == booking_id)).one())

    @staticmethod
    def _remind(
        conn: Connection,
        booking_id: int,
        view: BookingView,
        now: dt.datetime,
        to: Citizen,
        label: str = "",
    ) -> None:
        params = {**view.params(), "case": label}
        reminders.add_notices(
            conn,
            [
                {
                    "booking_id": booking_id,
                    "channel": to.channel,
                    "user_id": to.user_id,
                    "kind": kind,
                    "params": params,
                    "due_at": due,
                }
                for kind, due in reminders.schedule(view.start, now)
            ],
        )

    @staticmethod
    def _refresh_notices(conn: Connection, booking_id: int, also: str) -> None:
        """Pending notices of a booking say every procedure of the visit."""
        pending = conn.execute(
            select(NoticeRow.id, NoticeRow.params).where(
                NoticeRow.booking_id == booking_id,
                NoticeRow.sent_at.is_(None),
                NoticeRow.cancelled_at.is_(None),
            )
        ).all()
        for notice_id, params in pending:
            conn.execute(
                update(NoticeRow)
                .where(NoticeRow.id == notice_id)
                .values(params={**params, "also": also})
            )

    def redirect_notices(self, owner: Citizen, to: Citizen) -> int:
        """Pending reminders of the owner's bookings go to `to`, unlabelled (a citizen who
        joined their volunteer case by its code); returns how many moved."""
        now = self.clock()
        with self.engine.begin() as conn:
            ids = select(BookingRow.id).where(
                BookingRow.channel == owner.channel,
                BookingRow.user_id == owner.user_id,
                BookingRow.status == CONFIRMED,
            )
            pending = conn.execute(
                select(NoticeRow.id, NoticeRow.params).where(
                    NoticeRow.booking_id.in_(ids),
                    NoticeRow.sent_at.is_(None),
                    NoticeRow.cancelled_at.is_(None),
                    NoticeRow.due_at > now,
                )
            ).all()
            for notice_id, params in pending:
                conn.execute(
                    update(NoticeRow)
                    .where(NoticeRow.id == notice_id)
                    .values(channel=to.channel, user_id=to.user_id, params={**params, "case": ""})
                )
        return len(pending)

    def active(self, who: Citizen) -> list[BookingView]:
        """The citizen's confirmed bookings that have not ended, soonest first."""
        query = (
            _views()
            .where(
                BookingRow.channel == who.channel,
                BookingRow.user_id == who.user_id,
                BookingRow.status == CONFIRMED,
                SlotRow.ends_at > self.clock(),
            )
            .order_by(SlotRow.starts_at)
        )
        with self.engine.begin() as conn:
            return [_view(r) for r in conn.execute(query)]

    def _own(self, conn: Connection, who: Citizen, code: str, now: dt.datetime) -> Any:
        row = conn.execute(
            _views().where(
                BookingRow.code == code.upper(),
                BookingRow.channel == who.channel,
                BookingRow.user_id == who.user_id,
            )
        ).one_or_none()
        if row is None or row.status != CONFIRMED or row.ends_at <= now:
            raise _Abort(GONE)
        return row

    def cancel(self, who: Citizen, code: str) -> Result:
        """Cancel the citizen's own upcoming booking, freeing its place."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                self._lock_citizen(conn, who, now)
                row = self._own(conn, who, code, now)
                self._release(conn, row.slot_id)
                done = conn.execute(
                    update(BookingRow)
                    .where(BookingRow.id == row.id, BookingRow.status == CONFIRMED)
                    .values(status=CANCELLED, updated_at=now)
                )
                if done.rowcount != 1:
                    raise _Abort(GONE)
                reminders.cancel_pending(conn, [row.id], now)
                return Result(CANCELLED_OK, _view(row))
        except _Abort as abort:
            return Result(abort.status)

    def reschedule(self, who: Citizen, code: str, slot: Slot) -> Result:
        """Move a booking (same code); the old place is freed only if the new one is taken."""
        new_id = self.slot_id(slot)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                self._lock_citizen(conn, who, now)
                row = self._own(conn, who, code, now)
                if row.slot_id == new_id:
                    return Result(BOOKED, _view(row))
                held = self._held(conn, who, new_id)
                if held:  # moving onto another of the citizen's own places: nothing moves
                    return Result(HELD, held[0])
                for slot_id in sorted((new_id, row.slot_id)):
                    if slot_id == new_id:
                        self._take(conn, new_id, slot.capacity)
                    else:
                        self._release(conn, row.slot_id)
                moved = conn.execute(
                    update(BookingRow)
                    .where(BookingRow.id == row.id, BookingRow.status == CONFIRMED)
                    .values(slot_id=new_id, office_id=slot.office_id, updated_at=now)
                )
                if moved.rowcount != 1:
                    raise _Abort(GONE)
                last = conn.execute(
                    select(NoticeRow.channel, NoticeRow.user_id, NoticeRow.params)
                    .where(NoticeRow.booking_id == row.id)
                    .order_by(NoticeRow.id.desc())
                    .limit(1)
                ).first()
                reminders.cancel_pending(conn, [row.id], now)
                view = self._read(conn, row.id)
                if last is not None:  # reminders go where they went (none if none were wanted)
                    to = Citizen(last.channel, last.user_id)
                    self._remind(conn, row.id, view, now, to, str(last.params.get("case", "")))
                return Result(BOOKED, view)
        except _Abort as abort:
            return Result(abort.status)

    # ---- admin ---------------------------------------------------------------
    def find(self, code: str) -> BookingView | None:
        """Any booking by code, whatever its status."""
        with self.engine.begin() as conn:
            row = conn.execute(
                _views().where(BookingRow.code == code.strip().upper())
            ).one_or_none()
        return _view(row) if row else None

    def visited(self, since: dt.datetime, until: dt.datetime) -> list[BookingView]:
        """Bookings (confirmed or attended) whose slot ended between `since` and `until`."""
        query = (
            _views()
            .where(
                SlotRow.ends_at >= since,
                SlotRow.ends_at < until,
                BookingRow.status.in_((CONFIRMED, ATTENDED)),
            )
            .order_by(SlotRow.ends_at, BookingRow.id)
        )
        with self.engine.begin() as conn:
            return [_view(r) for r in conn.execute(query)]

    def on_day(
        self, office_id: str, day: dt.date, session_id: str | None = None
    ) -> list[BookingView]:
        """Every booking of an office on a day (Vietnam time), in slot order."""
        query = (
            _views()
            .where(*self._day_filter(office_id, day, session_id))
            .order_by(SlotRow.starts_at, BookingRow.id)
        )
        with self.engine.begin() as conn:
            return [_view(r) for r in conn.execute(query)]

    @staticmethod
    def _day_filter(office_id: str, day: dt.date, session_id: str | None) -> list[Any]:
        first = dt.datetime.combine(day, dt.time(0), TZ)
        found = [
            SlotRow.office_id == office_id,
            SlotRow.starts_at >= first,
            SlotRow.starts_at < first + dt.timedelta(days=1),
        ]
        return found + ([SlotRow.session_id == session_id] if session_id else [])

    def mark(self, code: str, status: str) -> BookingView | None:
        """Record attended / no-show for a booking that was not cancelled."""
        if status not in (ATTENDED, NO_SHOW):
            raise ValueError(f"unknown status {status!r}")
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(
                _views().where(BookingRow.code == code.strip().upper())
            ).one_or_none()
            if row is None or row.status == CANCELLED:
                return None
            conn.execute(
                update(BookingRow)
                .where(BookingRow.id == row.id)
                .values(status=status, updated_at=now)
            )
            reminders.cancel_pending(conn, [row.id], now)
            return self._read(conn, row.id)

    def cancel_session(
        self,
        office_id: str,
        day: dt.date,
        slots: Sequence[Slot],
        reason: str,
        session_id: str | None = None,
    ) -> list[BookingView]:
        """Close the session's slots that day, cancel the bookings, queue a notice to each."""
        for slot in slots:
            self.slot_id(slot)
        now = self.clock()
        where = self._day_filter(office_id, day, session_id)
        with self.engine.begin() as conn:
            pick = select(SlotRow.id).where(*where).order_by(SlotRow.id).with_for_update()
            slot_ids = list(conn.execute(pick).scalars())
            if not slot_ids:
                return []
            conn.execute(
                update(SlotRow).where(SlotRow.id.in_(slot_ids)).values(closed_reason=reason)
            )
            rows = conn.execute(
                _views()
                .where(BookingRow.slot_id.in_(slot_ids), BookingRow.status == CONFIRMED)
                .order_by(SlotRow.starts_at, BookingRow.id)
            ).all()
            ids = [r.id for r in rows]
            if ids:
                conn.execute(
                    update(BookingRow)
                    .where(BookingRow.id.in_(ids))
                    .values(status=CANCELLED, updated_at=now)
                )
                reminders.cancel_pending(conn, ids, now)
            held = (
                select(func.count())
                .select_from(BookingRow)
                .where(BookingRow.slot_id == SlotRow.id, BookingRow.status != CANCELLED)
                .scalar_subquery()
            )
            conn.execute(update(SlotRow).where(SlotRow.id.in_(slot_ids)).values(taken=held))
            views = [_view(r) for r in rows]
            reminders.add_notices(
                conn,
                [
                    {
                        "booking_id": r.id,
                        "channel": v.channel,
                        "user_id": v.user_id,
                        "kind": reminders.SESSION_CANCELLED,
                        "params": {**v.params(), "reason": reason},
                        "due_at": now,
                    }
                    for r, v in zip(rows, views, strict=True)
                ],
            )
        return views
