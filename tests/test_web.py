"""Web chat API, admin pages, health and metrics over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from channel_support import GUIDE_TEXT, PROCEDURE, bot_config, running, web_client

from bot.core.messages import Outgoing, Reply
from bot.web.server import Server

TOKEN = "admin-token-for-tests"


def url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def chat(http: aiohttp.ClientSession, server: Server, **body: str) -> list[dict[str, Any]]:
    async with http.post(url(server, "/api/chat"), json=body) as resp:
        assert resp.status == 200, await resp.text()
        return list((await resp.json())["replies"])


def payload(replies: list[dict[str, Any]], label: str) -> str:
    buttons = {b["label"]: b["payload"] for b in replies[-1]["buttons"]}
    assert label in buttons, f"{label!r} not in {list(buttons)}"
    return buttons[label]


async def test_chat_api_walks_a_guide_and_returns_the_file(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        replies = await chat(http, server, text="")
        assert "Xin chào" in replies[0]["text"]
        replies = await chat(http, server, text=GUIDE_TEXT)
        if PROCEDURE in {b["label"] for b in replies[-1]["buttons"]}:
            replies = await chat(http, server, button=payload(replies, PROCEDURE))
        replies = await chat(http, server, button=payload(replies, "Xem giấy tờ cần chuẩn bị"))
        while "Câu hỏi" in replies[-1]["text"]:
            replies = await chat(http, server, button=replies[-1]["buttons"][0]["payload"])
        replies = await chat(http, server, button=payload(replies, "Đã có: 1"))
        assert "☑ Đã đánh dấu có: Tờ khai" in replies[-1]["text"]  # one line, not the whole list
        replies = await chat(http, server, button=payload(replies, "Xong, xem bản tóm tắt"))
        files = [r["attachment"] for r in replies if "attachment" in r]
        assert [f["filename"] for f in files] == ["khai-sinh-ho-so.txt"]
        assert "TÓM TẮT HỒ SƠ" in base64.b64decode(files[0]["data_base64"]).decode()


async def test_chat_api_refuses_bad_requests(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        for body in (
            {"text": 5},
            {"button": ["x"]},
            # an over-long text gets a polite answer asking to shorten it (test_web_history.py)
            ["not", "an", "object"],
        ):
            async with http.post(url(server, "/api/chat"), json=body) as resp:
                assert resp.status == 400, body
        json_type = {"Content-Type": "application/json"}
        async with http.post(url(server, "/api/chat"), data=b"{oops", headers=json_type) as resp:
            assert resp.status == 400
        # A form or text/plain post (what another site's page can send without asking) is refused.
        async with http.post(url(server, "/api/chat"), data=b'{"text": "x"}') as resp:
            assert resp.status == 415
        cross = {"Origin": "https://evil.example"}
        async with http.post(url(server, "/api/chat"), json={"text": "x"}, headers=cross) as resp:
            assert resp.status == 403


async def test_a_web_user_named_like_a_volunteer_gets_no_volunteer_menu(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"volunteers.ids": ["telegram:4242", "zalo:5151"]})
    async with running(cfg) as server, web_client() as http:
        for name in ("telegram:4242", "4242", "zalo:5151", "5151"):
            replies = await chat(http, server, user=name, text="/tnv")
            assert "dành cho tình nguyện viên" in replies[0]["text"], name
            replies = await chat(http, server, user=name, button="cmd:hoso_moi")
            assert "dành cho tình nguyện viên" in replies[0]["text"], name


def session_user(http: aiohttp.ClientSession) -> str:
    """The web user id the server derived from this client's session cookie."""
    from bot.storage.security import token_hash, user_for_hash
    from bot.web.chat import SESSION_COOKIE

    cookies = {c.key: c.value for c in http.cookie_jar}
    return user_for_hash(token_hash(cookies[SESSION_COOKIE]))


async def test_outbox_messages_reach_only_their_sessions_page(tmp_path: Path) -> None:
    due: list[Outgoing] = []
    async with (
        running(bot_config(tmp_path), outbox=[lambda: list(due)]) as server,
        web_client() as http,
        web_client() as other,
    ):
        await chat(http, server, text="")
        user = session_user(http)
        due[:] = [
            Outgoing("web", user, (Reply("Nhắc lịch hẹn"),)),
            Outgoing("telegram", "1", (Reply("x"),)),
        ]
        assert await server.flush_outbox() == 1
        due.clear()
        # Someone else, even naming the user, gets nothing: the inbox follows the cookie.
        async with other.get(url(server, f"/api/inbox?user={user}")) as resp:
            assert (await resp.json())["replies"] == []
        async with http.get(url(server, "/api/inbox")) as resp:
            assert [r["text"] for r in (await resp.json())["replies"]] == ["Nhắc lịch hẹn"]
        async with http.get(url(server, "/api/inbox")) as resp:
            assert (await resp.json())["replies"] == []


async def test_health_and_metrics(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        await chat(http, server, text="trợ giúp")
        async with http.get(url(server, "/healthz")) as resp:
            assert resp.status == 200
            health = await resp.json()
        assert health["status"] == "ok" and health["channels"] == ["web"]
        async with http.get(url(server, "/metrics")) as resp:
            assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = await resp.text()
        assert 'tthc_messages_total{channel="web"} 1' in body
        assert 'tthc_replies_total{channel="web"} 1' in body
        assert 'tthc_handle_seconds_bucket{channel="web",le="+Inf"} 1' in body
        assert "# TYPE tthc_webhook_rejects_total counter" in body


ADMIN_PATHS = (
    "/admin",
    "/admin/status.json",
    "/admin/bookings",
    "/admin/feedback",
    "/admin/feedback.csv",
    "/admin/feedback/groups.png",
)


async def test_admin_pages_are_closed_without_a_configured_token(tmp_path: Path) -> None:
    async with running(bot_config(tmp_path)) as server, web_client() as http:
        for path in ADMIN_PATHS:
            async with http.get(url(server, path), headers={"Authorization": "Bearer "}) as resp:
                assert resp.status == 403, path
        async with http.post(url(server, "/admin/login"), data={"token": ""}) as resp:
            assert resp.status == 403


async def test_admin_pages_need_the_token(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN})
    async with running(cfg) as server, web_client() as http:
        for path in ADMIN_PATHS:
            async with http.get(url(server, path)) as resp:
                assert resp.status == 401, path
        async with http.get(
            url(server, "/admin"), headers={"Authorization": "Bearer nope"}
        ) as resp:
            assert resp.status == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        async with http.get(url(server, "/admin/status.json"), headers=bearer) as resp:
            status = await resp.json()
        assert status["problems"] == [] and status["procedures"] >= 1
        async with http.get(url(server, "/admin"), headers=bearer) as resp:
            assert resp.status == 200
            assert "Danh mục thủ tục" in await resp.text()
        for path in ("/admin/bookings", "/admin/feedback"):
            async with http.get(url(server, path), headers=bearer) as resp:
                assert resp.status == 200, path


async def test_admin_login_form_sets_a_cookie_and_failures_are_limited(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN})
    async with running(cfg) as server:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(url(server, "/admin"), headers={"Accept": "text/html"}) as resp:
                assert resp.status == 401
                assert 'name="token"' in await resp.text()
            async with http.post(
                url(server, "/admin/login"), data={"token": TOKEN}, allow_redirects=False
            ) as resp:
                assert resp.status == 303
            async with http.get(url(server, "/admin")) as resp:
                assert resp.status == 200
        async with web_client() as http:
            statuses = []
            for _ in range(7):
                async with http.post(url(server, "/admin/login"), data={"token": "guess"}) as resp:
                    statuses.append(resp.status)
            assert statuses[:5] == [401] * 5 and statuses[-1] == 429
            async with http.get(
                url(server, "/admin"), headers={"Authorization": f"Bearer {TOKEN}"}
            ) as resp:
                assert resp.status == 429  # even the right token waits until the limit refills


@pytest.mark.parametrize("path", ["/", "/static/chat.js", "/static/chat.css"])
async def test_the_chat_page_is_served(tmp_path: Path, path: str) -> None:
    async with (
        running(bot_config(tmp_path)) as server,
        web_client() as http,
        http.get(url(server, path)) as resp,
    ):
        assert resp.status == 200
        assert len(await resp.read()) > 500
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        if path == "/":
            assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


async def test_admin_shows_bookings_and_feedback_with_downloads(tmp_path: Path) -> None:
    import datetime as dt

    from bot.booking.calendar import TZ, Slot
    from bot.booking.store import BookingStore, Citizen
    from bot.feedback.report import ResponseRow
    from bot.feedback.store import FeedbackStore

    cfg = bot_config(tmp_path, **{"admin.token": TOKEN})
    async with running(cfg) as server, web_client() as http:
        db = server.store.engine  # type: ignore[attr-defined]
        day = dt.date.today() + dt.timedelta(days=3)
        start = dt.datetime.combine(day, dt.time(9, 0), TZ)
        slot = Slot("phuong-test", "sang", start, start + dt.timedelta(minutes=30), 5)
        booked = BookingStore(db).book(Citizen("web", "w-1"), "khai-sinh", slot)
        assert booked.booking is not None
        FeedbackStore(db).add(
            ResponseRow(
                created_at=dt.datetime.now(dt.UTC),
                office="phuong-test",
                procedure="khai-sinh",
                overall=5,
                groups=(5, 4, 5, 4, 5),
            )
        )
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        query = f"?office=phuong-test&day={day.isoformat()}"
        async with http.get(url(server, "/admin/bookings" + query), headers=bearer) as resp:
            assert booked.booking.code in await resp.text()
        async with http.get(url(server, "/admin/bookings.csv" + query), headers=bearer) as resp:
            assert booked.booking.code in (await resp.read()).decode("utf-8-sig")
        async with http.get(url(server, "/admin/feedback"), headers=bearer) as resp:
            assert "Số phản hồi: 1" in await resp.text()
        async with http.get(url(server, "/admin/feedback.csv"), headers=bearer) as resp:
            assert resp.headers["Content-Type"].startswith("text/csv")
            assert "khai-sinh" in (await resp.read()).decode("utf-8-sig")
        async with http.get(url(server, "/admin/feedback/groups.png"), headers=bearer) as resp:
            assert (await resp.read()).startswith(b"\x89PNG")
