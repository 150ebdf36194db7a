"""`tthc-bot purge`: old conversations, dedup keys, bookings and feedback comments go; recent ones stay."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from bot.feedback.models import FeedbackResponse
from bot.retention import parse_age, purge
from bot.storage.inbox import SqlInbox
from bot.storage.state import SqlStateStore

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=200)


def test_parse_age() -> None:
    assert parse_age("180d") == timedelta(days=180)
    assert parse_age("12h") == timedelta(hours=12)
    with pytest.raises(ValueError):
        parse_age("soon")


def test_purge_keeps_recent_and_removes_old(engine: Engine) -> None:
    SqlStateStore(engine, clock=lambda: OLD).put("telegram", "old-user", {"step": "x"})
    SqlStateStore(engine).put("telegram", "new-user", {"step": "y"})
    SqlInbox(engine, clock=lambda: OLD).first_time("zalo", "old-msg")
    SqlInbox(engine).first_time("zalo", "new-msg")
    with engine.begin() as conn:
        for when, comment in ((OLD, "cũ"), (datetime.now(UTC), "mới")):
            conn.execute(
                insert(FeedbackResponse).values(
                    created_at=when, channel="web", source="guide", overall=4, comment=comment
                )
            )
    counts = purge(engine, timedelta(days=180))
    assert counts["conversations"] == 1 and counts["inbox keys"] == 1
    assert counts["feedback comments erased"] == 1
    store = SqlStateStore(engine)
    assert (
        store.get("telegram", "old-user") is None and store.get("telegram", "new-user") is not None
    )
    assert SqlInbox(engine).first_time("zalo", "old-msg") is True
    assert SqlInbox(engine).first_time("zalo", "new-msg") is False
    with engine.connect() as conn:
        rows = conn.execute(
            select(FeedbackResponse.comment, FeedbackResponse.overall).order_by(FeedbackResponse.id)
        ).all()
    assert [tuple(r) for r in rows] == [(None, 4), ("mới", 4)]


def test_purge_removes_old_sessions_and_citizen_rows_but_never_channel_tokens(
    engine: Engine,
) -> None:
    from bot.booking.models import CitizenRow
    from bot.storage.security import SqlSessions, SqlTokenStore

    old_token, _ = SqlSessions(engine, clock=lambda: OLD).issue()
    new_token, _ = SqlSessions(engine).issue()
    SqlTokenStore(engine, clock=lambda: OLD).put("zalo", "app-1", {"access": "a", "refresh": "r"})
    with engine.begin() as conn:
        conn.execute(insert(CitizenRow).values(channel="web", user_id="w-old", touched_at=OLD))
    counts = purge(engine, timedelta(days=180))
    assert counts["web sessions"] == 1 and counts["booking citizens"] == 1
    assert SqlSessions(engine).user(old_token) is None and SqlSessions(engine).user(new_token)
    assert SqlTokenStore(engine).get("zalo", "app-1") == {"access": "a", "refresh": "r"}


def test_purge_cli(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "TTHC_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    ok = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge", "--older-than", "180d"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "conversations: 0" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge", "--older-than", "soon"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2 and "180d" in bad.stderr
