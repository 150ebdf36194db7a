"""`tthc-bot bookings list|mark|cancel-session` on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from booking_helpers import MONDAY, service, slot_at
from sqlalchemy import select

from bot.booking.models import NoticeRow
from bot.booking.service import BookingService
from bot.booking.store import Citizen
from bot.cli import main


@pytest.fixture
def svc(db_url: str, tmp_path: Path) -> Iterator[BookingService]:
    svc = service(db_url, tmp_path / "offices", max_active=5)
    yield svc
    svc.db.dispose()


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> str:
    path = tmp_path / "config.yaml"  # catalog.dir/offices is the test's offices folder
    path.write_text(f"database:\n  url: {db_url}\ncatalog:\n  dir: {tmp_path}\n", encoding="utf-8")
    return str(path)


def book(svc: BookingService, user: str, hhmm: str) -> str:
    result = svc.store.book(Citizen("telegram", user), "khai-sinh", slot_at(svc, MONDAY, hhmm))
    assert result.booking is not None
    return result.booking.code


def test_list_as_csv(svc: BookingService, config: str, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = book(svc, "1", "08:30"), book(svc, "2", "08:00")
    assert (
        main(
            [
                "bookings",
                "list",
                "--office",
                "thu-nghiem",
                "--date",
                "2026-11-23",
                "--csv",
                "--config",
                config,
            ]
        )
        == 0
    )
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        ["code", "start", "end", "session", "procedure", "status", "channel"],
        [second, "2026-11-23 08:00", "08:30", "sang", "khai-sinh", "confirmed", "telegram"],
        [first, "2026-11-23 08:30", "09:00", "sang", "khai-sinh", "confirmed", "telegram"],
    ]


def test_list_as_table(
    svc: BookingService, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = book(svc, "1", "08:00")
    assert (
        main(
            [
                "bookings",
                "list",
                "--office",
                "thu-nghiem",
                "--date",
                "2026-11-23",
                "--config",
                config,
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert (lines[0].split(), lines[1].split()[:2], lines[-1]) == (
        ["code", "start", "end", "session", "procedure", "status", "channel"],
        [code, "2026-11-23"],
        "1 booking(s) at thu-nghiem on 2026-11-23",
    )


def test_mark_attended_and_no_show(
    svc: BookingService, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    came, missed = book(svc, "1", "08:00"), book(svc, "2", "08:00")
    assert main(["bookings", "mark", came.lower(), "attended", "--config", config]) == 0
    assert main(["bookings", "mark", missed, "no-show", "--config", config]) == 0
    assert main(["bookings", "mark", "ZZZZZZ", "attended", "--config", config]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{came}: attended", f"{missed}: no_show"]


def test_cancel_session_cancels_and_queues_a_notice_each(
    svc: BookingService, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = [book(svc, "1", "08:00"), book(svc, "2", "09:30")]
    args = [
        "bookings",
        "cancel-session",
        "--office",
        "thu-nghiem",
        "--date",
        "2026-11-23",
        "--session",
        "sang",
        "--reason",
        "Trụ sở mất điện",
        "--config",
        config,
    ]
    assert main(args) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 booking(s) cancelled; 2 notice(s) queued"
    with svc.db.begin() as conn:
        queued = conn.execute(
            select(NoticeRow.user_id, NoticeRow.params)
            .where(NoticeRow.kind == "session_cancelled")
            .order_by(NoticeRow.user_id)
        ).all()
    assert [(u, p["code"], p["reason"]) for u, p in queued] == [
        ("1", codes[0], "Trụ sở mất điện"),
        ("2", codes[1], "Trụ sở mất điện"),
    ]
    assert svc.store.active(Citizen("telegram", "1")) == []
    assert (
        svc.store.book(Citizen("telegram", "3"), "khai-sinh", slot_at(svc, MONDAY, "08:30")).status
        == "closed"
    )


def test_cancel_session_of_an_unknown_office_or_session(svc: BookingService, config: str) -> None:
    base = [
        "bookings",
        "cancel-session",
        "--date",
        "2026-11-23",
        "--reason",
        "x",
        "--config",
        config,
    ]
    assert (
        main([*base, "--office", "khong-co"]),
        main([*base, "--office", "thu-nghiem", "--session", "toi"]),
    ) == (2, 2)
