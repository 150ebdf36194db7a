""" "Thông tin này sai?": one tap stores a report against the exact entry and field; admins list them.

The store runs on a real SQLite file and a real PostgreSQL server; the button is pressed through the
web chat API of a real server on 127.0.0.1, and the admin page is read over HTTP.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import aiohttp
from channel_support import bot_config, running, web_client
from sqlalchemy import Engine

from bot.reports.store import FactReportStore, reporter_key
from bot.web.server import Server

TOKEN = "admin-token-for-fact-reports"


def test_one_report_per_citizen_entry_and_field(engine: Engine) -> None:
    clock = iter(dt.datetime(2026, 12, 4, h, tzinfo=dt.UTC) for h in range(8, 20))
    store = FactReportStore(engine, clock=lambda: next(clock))
    assert store.add("khai-sinh", "fee", "telegram", "u1", "2026-11-21")
    assert not store.add("khai-sinh", "fee", "telegram", "u1", "2026-11-21")  # a repeated tap
    assert store.add(
        "khai-sinh", "fee", "zalo", "u1", "2026-11-21"
    )  # another person (channel + user)
    assert store.add("khai-sinh", "where", "telegram", "u1", "2026-11-21")
    assert store.add("khai-tu", "documents", "web", "u2", "2026-11-21")
    counts = [(c.entry, c.field, c.count) for c in store.counts()]
    assert counts == [
        ("khai-sinh", "fee", 2),
        ("khai-sinh", "where", 1),
        ("khai-tu", "documents", 1),
    ]
    assert [(c.field, c.count) for c in store.counts("khai-tu")] == [("documents", 1)]
    assert store.counts()[0].last_at.hour == 10


def test_reporter_key_is_one_way() -> None:
    key = reporter_key("telegram", "123456789")
    assert "123456789" not in key and len(key) == 64


def _url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def _chat(http: aiohttp.ClientSession, server: Server, **body: str) -> list[dict[str, Any]]:
    async with http.post(_url(server, "/api/chat"), json=body) as resp:
        assert resp.status == 200, await resp.text()
        return list((await resp.json())["replies"])


def _press(replies: list[dict[str, Any]], label: str) -> str:
    buttons = {b["label"]: b["payload"] for r in replies for b in r["buttons"]}
    assert label in buttons, f"{label!r} not in {list(buttons)}"
    return buttons[label]


async def test_citizen_reports_a_wrong_fee_and_admin_sees_it(tmp_path: Path) -> None:
    cfg = bot_config(tmp_path, **{"admin.token": TOKEN})
    async with running(cfg) as server, web_client() as http:
        await _chat(http, server, text="")
        replies = await _chat(http, server, text="làm thẻ bhyt cho bé")
        replies = await _chat(http, server, button=_press(replies, "⚠️ Thông tin này sai?"))
        assert "Dòng nào chưa đúng?" in replies[-1]["text"]
        replies = await _chat(http, server, button=_press(replies, "Lệ phí"))
        assert "Đã ghi nhận: mục “Lệ phí”" in replies[-1]["text"]
        assert "Xem giấy tờ cần chuẩn bị" in {
            b["label"] for b in replies[-1]["buttons"]
        }  # back on the card
        replies = await _chat(http, server, button=_press(replies, "⚠️ Thông tin này sai?"))
        replies = await _chat(http, server, button=_press(replies, "Lệ phí"))
        assert "đã báo mục “Lệ phí” này rồi" in replies[-1]["text"]
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        async with http.get(_url(server, "/admin/fact-reports"), headers=bearer) as resp:
            assert resp.status == 200
            page = await resp.text()
        assert "1 lượt báo, 1 thủ tục." in page
        assert "bhyt-tre-duoi-6-tuoi" in page and "<td>fee</td>" in page
        assert "bao-hiem-y-te/bhyt-tre-duoi-6-tuoi.yaml:" in page  # where the editor fixes it
        async with http.get(_url(server, "/admin/fact-reports")) as resp:
            assert resp.status == 401
