"""Security records on SQLite and PostgreSQL: sessions, admin sessions, notices, channel tokens,
volunteer logins, install secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from bot.storage.security import (
    SqlAdminSessions,
    SqlNotices,
    SqlSessions,
    SqlTokenStore,
    SqlVolunteerLogins,
    install_secret,
    token_hash,
)


def test_sessions_keep_only_hashes_and_follow_volunteer_logins(engine: Engine) -> None:
    sessions = SqlSessions(engine)
    token, user = sessions.issue()
    assert sessions.user(token) == user and sessions.user(token + "x") is None
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM web_session")).scalar_one()
    assert stored == token_hash(token) != token
    logins = SqlVolunteerLogins(engine)
    code = logins.add("lan")
    assert sessions.bind_volunteer(token, "wrong") is None
    assert sessions.bind_volunteer(token, code) == "lan"
    found = sessions.lookup(token)
    assert found is not None and found.volunteer == "lan" and found.user.startswith("v-")
    assert logins.revoke("lan") and not logins.revoke("lan")
    found = sessions.lookup(token)
    assert found is not None and (found.user, found.volunteer) == (user, "")
    new_code = logins.add("lan")  # re-issued: the old code and old bindings stay dead
    assert sessions.bind_volunteer(token, code) is None
    assert sessions.bind_volunteer(token, new_code) == "lan"


def test_admin_sessions_expire_and_are_revoked(engine: Engine) -> None:
    now = [datetime(2026, 12, 4, 8, 0, tzinfo=UTC)]
    admin = SqlAdminSessions(engine, clock=lambda: now[0])
    first, second = admin.issue(timedelta(hours=12)), admin.issue(timedelta(hours=12))
    assert first != second and admin.valid(first) and admin.valid(second)
    admin.revoke(first)
    assert not admin.valid(first) and admin.valid(second)
    now[0] += timedelta(hours=13)
    assert not admin.valid(second)


def test_notices_are_handed_out_once_in_order_and_bounded(engine: Engine) -> None:
    notices = SqlNotices(engine)
    notices.add("w-1", [{"text": f"n{i}", "buttons": []} for i in range(25)])
    notices.add("w-2", [{"text": "other", "buttons": []}])
    taken = notices.take("w-1")
    assert [r["text"] for r in taken] == [f"n{i}" for i in range(5, 25)]  # the newest 20
    assert notices.take("w-1") == []
    assert [r["text"] for r in notices.take("w-2")] == ["other"]


def test_channel_tokens_and_install_secrets(engine: Engine) -> None:
    tokens = SqlTokenStore(engine)
    assert tokens.get("zalo", "app-1") is None
    tokens.put("zalo", "app-1", {"access": "a1", "refresh": "r1"})
    tokens.put("zalo", "app-1", {"access": "a2", "refresh": "r2"})
    assert tokens.get("zalo", "app-1") == {"access": "a2", "refresh": "r2"}
    first = install_secret(engine, "feedback-respondent")
    assert len(first) == 32 and install_secret(engine, "feedback-respondent") == first
    assert install_secret(engine, "client-origin") != first
