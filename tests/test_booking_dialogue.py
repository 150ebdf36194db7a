"""The booking dialogue end to end through the real Engine (real catalogue and flows, SQL state)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import icalendar
import pytest
from booking_helpers import MONDAY, SAMPLE_OFFICES, Clock, service, slot_at, write_office

from bot import cli
from bot.app import build
from bot.booking.calendar import TZ, Slot
from bot.booking.service import BookingService
from bot.booking.store import BookingView, Citizen
from bot.config import load_config
from bot.core.engine import Engine, MemoryStore
from bot.core.messages import Incoming, Outgoing, Reply
from bot.storage.state import SqlStateStore

PROC = "khai-sinh"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One engine for the module (loading the catalogue is slow); each test installs booking."""
    tmp = tmp_path_factory.mktemp("booking-engine")
    cfg = load_config(None, env={}).with_overrides(database__url=f"sqlite:///{tmp / 'unused.db'}")
    return build(cfg, MemoryStore()).engine()


@dataclass
class Bot:
    """The engine with a test's booking service: send text or press buttons as one citizen."""

    engine: Engine
    svc: BookingService
    clock: Clock
    user: str = "citizen-1"

    def send(self, text: str = "", button: str = "", user: str | None = None) -> list[Reply]:
        return self.engine.handle(Incoming("telegram", user or self.user, text, button))

    def open_guide(self, proc: str = PROC, user: str | None = None) -> list[Reply]:
        replies = self.send("đăng ký khai sinh" if proc == PROC else proc, user=user)
        if any(b.payload == f"pick:{proc}" for r in replies for b in r.buttons):
            replies = self.send(button=f"pick:{proc}", user=user)
        return replies

    def to_confirm(self, hhmm: str = "08:00", user: str | None = None) -> list[Reply]:
        """From the guide to the confirmation of the test office's slot on Monday 23/11."""
        self.open_guide(user=user)
        self.send(button="go:booking.start", user=user)
        self.send(button="office:thu-nghiem", user=user)
        self.send(button=f"day:{MONDAY.isoformat()}", user=user)
        return self.send(button=f"slot:sang@{hhmm}", user=user)

    def text(self, key: str, **kw: object) -> str:
        return self.svc.words().t(key, **kw)

    def facts(
        self, booking: BookingView | None = None, slot: Slot | None = None, **extra: str
    ) -> dict[str, str]:
        """What the texts are filled with, for a booking or for a slot not booked yet."""
        if booking is not None:
            params = booking.params()
        else:
            assert slot is not None
            params = {
                "code": "",
                "office_id": slot.office_id,
                "session_id": slot.session_id,
                "procedure_id": PROC,
                "start": slot.start.isoformat(),
                "end": slot.end.isoformat(),
            }
        return {**self.svc.words().facts(params), **extra}

    def booking(self, user: str | None = None) -> BookingView:
        [found] = self.svc.store.active(Citizen("telegram", user or self.user))
        return found


def payloads(replies: list[Reply]) -> list[str]:
    return [b.payload for r in replies for b in r.buttons]


@pytest.fixture
def bot(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Bot]:
    folder = tmp_path / "offices"
    shutil.copytree(SAMPLE_OFFICES, folder)
    write_office(folder, capacity=2)
    clock = Clock()
    svc = service(db_url, folder, capacity=2, clock=clock, write=False)
    assert svc.load(folder, engine.content.catalog) == []
    engine.include(svc.feature(), replace=True)
    engine.store = SqlStateStore(svc.db)
    yield Bot(engine, svc, clock)
    svc.db.dispose()


def test_book_button_only_for_procedures_with_a_session(bot: Bot) -> None:
    assert "go:booking.start" in payloads(bot.open_guide())
    assert "go:booking.start" not in payloads(bot.open_guide("cấp sổ đỏ lần đầu", user="citizen-2"))


def test_offices_offering_the_procedure_are_listed(bot: Bot) -> None:
    bot.open_guide()
    replies = bot.send(button="go:booking.start")
    offices = [p for p in payloads(replies) if p.startswith("office:")]
    assert offices == [
        "office:thu-nghiem",
        "office:phuong-viet-hung",
        "office:xa-hoai-duc",
        "office:xa-me-linh",
    ]
    assert bot.text("booking_sample_note") in replies[0].text


def test_whole_booking_dialogue(bot: Bot) -> None:
    bot.open_guide()
    bot.send(button="go:booking.start")
    days = bot.send(button="office:thu-nghiem")
    assert [p for p in payloads(days) if p.startswith("day:")][:3] == [
        "day:2026-11-23",
        "day:2026-11-25",
        "day:2026-11-26",
    ]  # 24/11 is Ngày Văn hóa Việt Nam
    slots = bot.send(button="day:2026-11-23")
    assert [b.label for b in slots[0].buttons][:1] == [
        bot.text("booking_slot_button", time="08:00–08:30", left=2)
    ]
    confirm = bot.send(button="slot:sang@08:00")
    assert "08:00–08:30" in confirm[0].text and "go:booking.book" in payloads(confirm)
    done = bot.send(button="go:booking.book")
    booking = bot.booking()
    facts = bot.facts(booking)
    assert [r.text for r in done][1:] == [
        bot.text("booking_qr_caption", code=booking.code),
        bot.text("booking_done_next"),
    ]
    for part in (booking.code, facts["address"], facts["date"], facts["time"], "Giấy chứng sinh"):
        assert part in done[0].text  # code, where, when and this citizen's documents
    assert bot.text("booking_promise_both") in done[0].text  # two days ahead: both reminders
    assert "lịch hẹn" in done[0].text  # how to cancel or move
    ics, qr = done[0].attachment, done[1].attachment
    assert ics is not None and qr is not None
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert (event.decoded("dtstart"), str(event["uid"]), qr.content[:4], qr.mime) == (
        dt.datetime(2026, 11, 23, 8, 0, tzinfo=TZ),
        f"{booking.code}@tthc-bot",
        b"\x89PNG",
        "image/png",
    )
    mine = bot.send("lịch hẹn của tôi")
    assert booking.code in mine[0].text and f"cancel:{booking.code}" in payloads(mine)


def test_typed_office_name_picks_the_office(bot: Bot) -> None:
    bot.open_guide()
    bot.send(button="go:booking.start")
    replies = bot.send("thu nghiem")
    assert "day:2026-11-23" in payloads(replies)


def test_slot_filled_in_the_meantime_is_said_plainly(bot: Bot) -> None:
    bot.to_confirm("08:00")
    slot = slot_at(bot.svc, MONDAY, "08:00")
    for n in (2, 3):
        assert bot.svc.store.book(Citizen("zalo", str(n)), PROC, slot).status == "booked"
    replies = bot.send(button="go:booking.book")
    assert replies[0].text == bot.text("booking_slot_full", **bot.facts(slot=slot))
    assert "vừa có người khác đặt hết chỗ" in replies[0].text
    assert "slot:sang@08:00" not in payloads(replies) and "slot:sang@08:30" in payloads(replies)
    assert bot.svc.store.active(Citizen("telegram", bot.user)) == []


def test_limit_of_active_bookings_in_the_dialogue(bot: Bot) -> None:
    for hhmm in ("08:00", "08:30"):
        bot.svc.store.book(Citizen("telegram", bot.user), PROC, slot_at(bot.svc, MONDAY, hhmm))
    bot.open_guide()
    replies = bot.send(button="go:booking.start")
    assert replies[-1].text == bot.text("booking_limit", active=2, max=2)
    assert payloads(replies) == ["cmd:lichhen", "cmd:restart"]


def test_limit_reached_meanwhile_is_said_at_confirmation(bot: Bot) -> None:
    bot.to_confirm("09:00")
    for hhmm in ("08:00", "08:30"):
        bot.svc.store.book(Citizen("telegram", bot.user), PROC, slot_at(bot.svc, MONDAY, hhmm))
    replies = bot.send(button="go:booking.book")
    assert replies[0].text == bot.text("booking_limit", active=2, max=2)


def test_reschedule_then_cancel_from_my_bookings(bot: Bot) -> None:
    bot.to_confirm("08:00")
    bot.send(button="go:booking.book")
    code = bot.booking().code
    mine = bot.send("/lichhen")
    assert payloads(mine)[:2] == [f"move:{code}", f"cancel:{code}"]
    bot.send(button=f"move:{code}")
    bot.send(button="day:2026-11-25")
    confirm = bot.send(button="slot:sang@09:30")
    new_slot = slot_at(bot.svc, dt.date(2026, 11, 25), "09:30")
    assert confirm[0].text == bot.text("booking_confirm_move", old=code, **bot.facts(slot=new_slot))
    moved = bot.send(button="go:booking.book")
    booking = bot.booking()
    assert (booking.code, booking.start) == (code, dt.datetime(2026, 11, 25, 9, 30, tzinfo=TZ))
    assert moved[0].text == bot.text(
        "booking_moved", **bot.facts(booking), promise=bot.text("booking_promise_both")
    )
    bot.send("/lichhen")
    ask = bot.send(button=f"cancel:{code}")
    assert payloads(ask)[:2] == ["go:booking.cancel_do", "go:booking.mine"]
    done = bot.send(button="go:booking.cancel_do")
    assert done[0].text == bot.text("booking_cancelled", **bot.facts(booking))
    assert done[1].text == bot.text("booking_mine_none")


def test_stale_cancel_button_says_the_booking_is_gone(bot: Bot) -> None:
    bot.to_confirm("08:00")
    bot.send(button="go:booking.book")
    code = bot.booking().code
    bot.send("/lichhen")
    bot.svc.store.cancel(Citizen("telegram", bot.user), code)
    replies = bot.send(button=f"cancel:{code}")
    assert replies[0].text == bot.text("booking_gone")


def test_reminders_the_day_before_and_an_hour_before_are_sent_once(bot: Bot) -> None:
    bot.to_confirm("08:00")
    bot.send(button="go:booking.book")
    booking = bot.booking()
    evening = dt.datetime(2026, 11, 22, 18, 0, tzinfo=TZ)
    assert bot.svc.due_reminders(evening - dt.timedelta(minutes=1)) == []
    [day] = bot.svc.due_reminders(evening)
    assert (day.channel, day.user, day.replies[0].text) == (
        "telegram",
        bot.user,
        bot.text("booking_remind_day", **bot.facts(booking)),
    )
    assert day.replies[0].text.startswith(
        "🔔 Nhắc lịch: ngày mai, Thứ Hai, 23/11/2026, lúc 08:00–08:30"
    )
    assert bot.svc.due_reminders(evening + dt.timedelta(hours=1)) == []
    [hour] = bot.svc.due_reminders(dt.datetime(2026, 11, 23, 7, 0, tzinfo=TZ))
    assert hour.replies[0].text.startswith("🔔 Còn khoảng 1 giờ nữa (08:00–08:30)")
    assert bot.svc.due_reminders(dt.datetime(2026, 11, 23, 7, 30, tzinfo=TZ)) == []


def test_session_cancelled_by_admin_notifies_each_citizen(
    bot: Bot, db_url: str, tmp_path: Path
) -> None:
    for user in ("a", "b"):
        bot.to_confirm("08:00", user=user)
        bot.send(button="go:booking.book", user=user)
    bookings = {user: bot.booking(user) for user in ("a", "b")}
    config = (
        tmp_path / "config.yaml"
    )  # the admin reads <catalog.dir>/offices: the test's offices folder
    config.write_text(
        f"database:\n  url: {db_url}\ncatalog:\n  dir: {tmp_path}\n", encoding="utf-8"
    )
    code = cli.main(
        [
            "bookings",
            "cancel-session",
            "--office",
            "thu-nghiem",
            "--date",
            "2026-11-23",
            "--reason",
            "mất điện",
            "--config",
            str(config),
        ]
    )
    assert code == 0
    now = dt.datetime.now(dt.UTC)  # the CLI queued the notices at the real time
    sent = sorted(bot.svc.due_reminders(now), key=lambda o: o.user)
    assert sent == [
        Outgoing(
            "telegram",
            user,
            (
                Reply(
                    bot.text(
                        "booking_notice_cancelled", **bot.facts(bookings[user], reason="mất điện")
                    )
                ),
            ),
        )
        for user in ("a", "b")
    ]
    assert "mất điện" in sent[0].replies[0].text and bot.svc.due_reminders(now) == []


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def test_every_step_typed_at_a_real_commune(bot: Bot) -> None:
    bot.open_guide()
    ask = bot.send("đặt lịch")  # the command: the procedure in hand, then where they live
    assert "office:phuong-viet-hung" in payloads(ask)
    assert "go:booking.start" not in payloads(ask)
    bot.send("viet hung")  # typed without accents
    bot.send("thứ 4 tuần sau")  # Saturday 21/11 → Wednesday 25/11
    confirm = bot.send("17h45")
    assert "Thứ Tư, 25/11/2026" in texts(confirm) and "17:45–18:00" in texts(confirm)
    bot.send("đồng ý")
    booking = bot.booking()
    assert (booking.office_id, booking.start) == (
        "phuong-viet-hung",
        dt.datetime(2026, 11, 25, 17, 45, tzinfo=TZ),
    )


def test_a_need_that_asks_for_booking_gets_the_card_then_the_booking(bot: Bot) -> None:
    replies = bot.send("cho tôi đặt lịch đăng ký khai sinh cho con")
    assert "go:booking.start" in payloads(replies)  # the procedure's card first
    assert "office:phuong-viet-hung" in payloads(replies)  # then where, at once
    plain = bot.send("đăng ký khai sinh cho con", user="citizen-2")
    assert not any(p.startswith("office:") for p in payloads(plain))


def test_a_yes_at_the_commune_step_is_not_taken_for_a_commune(bot: Bot) -> None:
    bot.open_guide()
    bot.send("đặt lịch")
    for said in ("ok đúng rồi", "xác nhận", "ừ cháu đặt cho bác nhé"):
        again = bot.send(said)
        assert said not in texts(again)  # never "Ở ok đúng rồi chưa có buổi nào…"
        assert texts(again).startswith(
            bot.text("booking_ask_commune", procedure="Đăng ký khai sinh")
        )


def test_a_question_about_the_procedure_mid_booking_is_answered_then_booking_goes_on(
    bot: Bot,
) -> None:
    bot.open_guide()
    bot.send("đặt lịch")
    asked = bot.send("à mà mang theo giấy tờ gì nhỉ")
    assert "Giấy chứng sinh" in texts(asked)  # khai sinh's own documents, not another procedure
    assert "office:phuong-viet-hung" in payloads(asked)  # and where, once more
    bot.send("viet hung")
    fee = bot.send("lệ phí bao nhiêu")
    assert "Lệ phí" in texts(fee) and any(p.startswith("day:") for p in payloads(fee))


def test_politeness_words_after_the_commune_are_not_part_of_it(bot: Bot) -> None:
    bot.open_guide()
    bot.send("đặt lịch")
    none = bot.send("xã Tân Phong cháu ạ")
    assert bot.text(
        "booking_commune_none", commune="xã Tân Phong", procedure="Đăng ký khai sinh"
    ) in texts(none)
    days = bot.send("Việt Hưng nhé")
    assert any(p.startswith("day:") for p in payloads(days))


def test_a_day_typed_under_the_card_starts_booking_on_that_day(bot: Bot) -> None:
    bot.open_guide()
    where = bot.send("thứ 4 tuần sau ạ")  # under the card: a booking for that day
    assert "office:phuong-viet-hung" in payloads(where)
    slots = bot.send("viet hung")
    assert "Thứ Tư, 25/11/2026" in texts(slots)
    assert any(p.startswith("slot:") for p in payloads(slots))


@pytest.mark.parametrize("said", ["hôm nay trời mưa to quá", "nhờ một cá nhân"])
def test_a_sentence_with_a_day_word_in_it_does_not_start_booking(bot: Bot, said: str) -> None:
    bot.open_guide()
    replies = bot.send(said)  # "hôm nay", and "một" that folds like "mốt": not a booking
    assert not any(p.startswith("office:") for p in payloads(replies))


def test_a_day_typed_before_the_commune_is_kept_for_the_office(bot: Bot) -> None:
    bot.open_guide()
    bot.send("đặt lịch")
    first = bot.send("thứ 4 tuần sau")  # the day before the place: asked for the place, kept
    assert bot.text("booking_commune_first", when="thứ 4 tuần sau") in texts(first)
    assert "office:phuong-viet-hung" in payloads(first)
    slots = bot.send("viet hung")  # straight to that Wednesday's times
    assert "Thứ Tư, 25/11/2026" in texts(slots)
    assert any(p.startswith("slot:") for p in payloads(slots))


def test_back_after_typed_steps_keeps_the_booking_going(bot: Bot) -> None:
    bot.open_guide()
    bot.send("đặt lịch")
    bot.send("Việt Hưng")
    bot.send("thứ sáu tuần sau")
    back = bot.send("quay lại")
    assert bot.text("fallback") not in texts(back)
    assert any(p.startswith(("day:", "office:")) for p in payloads(back))
    bot.send("viet hung")
    bot.send("thứ 2 tuần sau")
    bot.send("6h tối")
    bot.send("ok")
    assert bot.booking().start == dt.datetime(2026, 11, 23, 18, 0, tzinfo=TZ)


def test_a_bare_booking_request_asks_which_procedure(bot: Bot) -> None:
    ask = bot.send("đặt lịch")
    assert ask[0].text == bot.text("booking_ask_proc")
    assert all(p.startswith(("proc:", "cmd:")) for p in payloads(ask))
    where = bot.send("đăng ký kết hôn")
    assert "office:thu-nghiem" in payloads(where)


def test_a_commune_without_an_office_is_said_with_the_alternatives(bot: Bot) -> None:
    bot.open_guide()
    bot.send("đặt lịch")
    district = bot.send("quận Long Biên")
    assert bot.text("booking_no_districts") in texts(district)
    none = bot.send("xã Tân Phong")
    assert bot.text(
        "booking_commune_none", commune="xã Tân Phong", procedure="Đăng ký khai sinh"
    ) in (texts(none))
    assert "office:xa-me-linh" in payloads(none)
    assert bot.text("booking_reason_takes") in texts(none)


def test_a_commune_named_with_the_request_is_taken_without_asking(bot: Bot) -> None:
    bot.open_guide()
    days = bot.send("đặt lịch giúp tôi ở phường Việt Hưng nhé")
    assert any(p.startswith("day:") for p in payloads(days))  # straight to its days
    bot.open_guide(user="citizen-2")
    none = bot.send("đặt lịch ở xã Tân Phong", user="citizen-2")
    assert bot.text(
        "booking_commune_none", commune="xã Tân Phong", procedure="Đăng ký khai sinh"
    ) in texts(none)


def test_a_corrected_commune_in_a_sentence_is_the_one_kept(bot: Bot) -> None:
    """ "à nhầm, phường X chứ không phải Y": X, not Y, and not a question for the matcher."""
    bot.open_guide()
    bot.send("đặt lịch")
    bot.send("xã Tân Phong")
    days = bot.send("à nhầm, phường Việt Hưng chứ không phải Tân Phong đâu")
    assert any(p.startswith("day:") for p in payloads(days))
    bot.open_guide(user="citizen-2")
    bot.send("đặt lịch", user="citizen-2")
    none = bot.send("ý tôi là xã Tân Phong ạ, không phải phường Việt Hưng", user="citizen-2")
    assert bot.text(
        "booking_commune_none", commune="xã Tân Phong", procedure="Đăng ký khai sinh"
    ) in texts(none)


def test_a_second_procedure_in_a_held_slot_joins_the_same_visit(bot: Bot) -> None:
    bot.to_confirm("08:00")
    bot.send(button="go:booking.book")
    first = bot.booking()
    bot.send("bắt đầu lại")
    bot.send("đặt lịch")
    bot.send("đăng ký kết hôn")
    bot.send(button="office:thu-nghiem")
    bot.send(button=f"day:{MONDAY.isoformat()}")
    bot.send(button="slot:sang@08:00")
    held = bot.send(button="go:booking.book")
    assert "✅" not in texts(held) and first.code in texts(held)
    assert "go:booking.add" in payloads(held)
    added = bot.send(button="go:booking.add")
    assert "✅" in texts(added)
    assert bot.booking().procedures == ("khai-sinh", "ket-hon")
    slot = slot_at(bot.svc, MONDAY, "08:00")
    assert bot.svc.store.usage("thu-nghiem", slot.start, slot.end)[("sang", slot.start)][0] == 1


def test_the_same_procedure_again_in_a_held_slot_is_refused_plainly(bot: Bot) -> None:
    bot.to_confirm("08:00")
    bot.send(button="go:booking.book")
    bot.send("bắt đầu lại")
    bot.to_confirm("08:00")
    held = bot.send(button="go:booking.book")
    assert "✅" not in texts(held) and "go:booking.add" not in payloads(held)
    assert bot.booking().code in texts(held)


def test_same_day_booking_promises_only_the_hour_reminder(bot: Bot) -> None:
    bot.clock.now = dt.datetime(2026, 11, 23, 6, 0, tzinfo=TZ)  # Monday morning
    bot.to_confirm("08:30")
    done = bot.send(button="go:booking.book")
    assert bot.text("booking_promise_hour") in texts(done)
    assert bot.text("booking_promise_both") not in texts(done)


def test_the_web_page_is_promised_no_reminder_and_gets_none(bot: Bot) -> None:
    def web(text: str = "", button: str = "") -> list[Reply]:
        return bot.engine.handle(Incoming("web", "page-1", text, button))

    web("đăng ký khai sinh")
    web("đặt lịch")
    web(button="office:thu-nghiem")
    web(button=f"day:{MONDAY.isoformat()}")
    web(button="slot:sang@08:00")
    done = web(button="go:booking.book")
    assert bot.text("booking_promise_web") in texts(done)
    assert bot.svc.due_reminders(dt.datetime(2026, 11, 23, 12, 0, tzinfo=TZ)) == []


def test_volunteer_cases_own_their_bookings_and_reminders(bot: Bot) -> None:
    bot.engine.volunteers = frozenset({"telegram:vol-1"})
    try:
        codes = []
        for hhmm in ("08:00", "08:30", "09:00"):  # the limit of 2 counts per case
            opened = bot.send("/hoso_moi", user="vol-1")
            codes.append(opened[0].text.split("mã ")[1].split(".")[0])
            bot.to_confirm(hhmm, user="vol-1")
            done = bot.send(button="go:booking.book", user="vol-1")
            assert "✅" in texts(done) and f"[Hồ sơ {codes[-1]}]" in texts(done)
        owners = [bot.svc.store.active(Citizen("case", c)) for c in codes]
        assert [len(o) for o in owners] == [1, 1, 1]
        listed = bot.send("/hoso", user="vol-1")
        assert all(o[0].code in texts(listed) for o in owners[:2])
        bot.send(f"mã {codes[0]}", user="citizen-9")  # the citizen joins with the case code
        due = bot.svc.due_reminders(dt.datetime(2026, 11, 22, 18, 0, tzinfo=TZ))
        by_user = {o.user: o.replies[0].text for o in due}
        assert set(by_user) == {"citizen-9", "vol-1"}
        assert not by_user["citizen-9"].startswith(f"🔔 [Hồ sơ {codes[0]}]")
        assert by_user["vol-1"].startswith("🔔 [Hồ sơ ")
        bot.send(f"/hoso {codes[1]}", user="vol-1")
        bot.send("/xong", user="vol-1")
        closed = bot.send(f"mã {codes[1]}", user="citizen-8")
        assert texts(closed) == bot.text("case_not_found")
    finally:
        bot.engine.volunteers = frozenset()


def test_a_resumed_case_returns_to_the_step_where_it_stopped(bot: Bot) -> None:
    bot.engine.volunteers = frozenset({"telegram:vol-1"})
    try:
        opened = bot.send("/hoso_moi", user="vol-1")
        code = opened[0].text.split("mã ")[1].split(".")[0]
        bot.open_guide(user="vol-1")
        bot.send(button="go:booking.start", user="vol-1")
        days = bot.send(button="office:thu-nghiem", user="vol-1")
        bot.send("/hoso_moi", user="vol-1")  # another citizen meanwhile
        listed = bot.send("/hoso", user="vol-1")
        assert bot.text("vol_at_booking") in texts(listed)
        resumed = bot.send(f"/hoso {code}", user="vol-1")
        assert [p for p in payloads(resumed) if p.startswith("day:")] == [
            p for p in payloads(days) if p.startswith("day:")
        ]
    finally:
        bot.engine.volunteers = frozenset()


def test_booking_asked_under_a_choice_list_offers_the_choices_first(bot: Bot) -> None:
    """ "đặt lịch" while the citizen is choosing between two procedures: those two lead the list
    of procedures to book for, before the rest in alphabetical order."""
    replies = bot.send("đăng ký khai sinh hay khai tử")
    offered = [p.removeprefix("pick:") for p in payloads(replies) if p.startswith("pick:")]
    assert len(offered) >= 2
    listed = [p.removeprefix("proc:") for p in payloads(bot.send("đặt lịch"))]
    bookable = [p for p in offered if p in bot.svc.offices.bookable()]
    assert bookable and listed[: len(bookable)] == bookable
