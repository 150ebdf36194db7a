"""The small parts behind the channels: ordering, limits, text splitting, metrics, parsing."""

from __future__ import annotations

import asyncio

from bot.channels.hub import MemoryInbox
from bot.channels.limits import KeyedBuckets
from bot.channels.metrics import Metrics
from bot.channels.ordered import KeyedQueue
from bot.channels.telegram.convert import start_payload
from bot.channels.telegram.keyboard import markup
from bot.channels.textsplit import split_text
from bot.channels.zalo.events import parse
from bot.core.messages import Button


async def test_keyed_queue_keeps_order_per_key_and_runs_keys_concurrently() -> None:
    queue = KeyedQueue()
    done: list[str] = []

    def job(name: str, pause: float) -> object:
        async def run() -> None:
            await asyncio.sleep(pause)
            done.append(name)

        return run

    queue.submit("a", job("a1", 0.05))  # type: ignore[arg-type]
    queue.submit("a", job("a2", 0.0))  # type: ignore[arg-type]
    queue.submit("b", job("b1", 0.0))  # type: ignore[arg-type]
    assert await queue.join(2)
    assert done == ["b1", "a1", "a2"]
    assert queue.pending == 0


async def test_keyed_queue_survives_a_failing_job_and_refuses_when_full() -> None:
    queue = KeyedQueue(limit=2)
    done: list[int] = []

    async def boom() -> None:
        raise RuntimeError("x")

    async def ok() -> None:
        done.append(1)

    assert queue.submit("k", boom)
    assert queue.submit("k", ok)
    assert not queue.submit("k", ok)
    assert await queue.join(2)
    assert done == [1]


def test_buckets_allow_a_burst_then_about_one_per_second() -> None:
    now = [0.0]
    buckets = KeyedBuckets(1.0, 3, clock=lambda: now[0])
    assert [buckets.delay("chat") for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert buckets.delay("other") == 0.0
    now[0] = 10.0
    assert buckets.delay("chat") == 0.0
    assert buckets.try_take("chat") and buckets.try_take("chat") and not buckets.try_take("chat")


def test_split_text_prefers_line_breaks_and_keeps_everything() -> None:
    text = "\n".join(f"dòng số {i} " + "x" * 30 for i in range(200))
    pieces = split_text(text, 2000)
    assert all(len(p) <= 2000 for p in pieces)
    assert "".join(p.replace("\n", "") for p in pieces) == text.replace("\n", "")
    assert split_text("ngắn", 10) == ["ngắn"]
    assert all(len(p) <= 10 for p in split_text("x" * 35, 10))


def test_metrics_render_counters_and_histograms() -> None:
    metrics = Metrics()
    metrics.inc("tthc_messages_total", channel="zalo")
    metrics.inc("tthc_webhook_rejects_total", channel="zalo", reason="signature")
    metrics.observe("tthc_handle_seconds", 0.02, channel="zalo")
    body = metrics.render()
    assert 'tthc_messages_total{channel="zalo"} 1\n' in body
    assert 'tthc_webhook_rejects_total{channel="zalo",reason="signature"} 1\n' in body
    assert 'tthc_handle_seconds_bucket{channel="zalo",le="0.01"} 0\n' in body
    assert 'tthc_handle_seconds_bucket{channel="zalo",le="0.025"} 1\n' in body
    assert 'tthc_handle_seconds_count{channel="zalo"} 1\n' in body


def test_memory_inbox_remembers_recent_keys() -> None:
    inbox = MemoryInbox(size=2)
    assert inbox.first_time("telegram", "1") and not inbox.first_time("telegram", "1")
    assert inbox.first_time("zalo", "1")
    inbox.first_time("zalo", "2")
    assert inbox.first_time("telegram", "1")  # forgotten: only the two newest are kept


def test_start_payloads() -> None:
    assert start_payload("/start") == (True, "")
    assert start_payload("/start fb-phuong-1") == (True, "fb-phuong-1")
    assert start_payload("/start@tthc_bot case-ABC123") == (True, "case-ABC123")
    assert start_payload("bắt đầu") == (False, "")


def test_short_labels_share_keyboard_rows() -> None:
    buttons = [Button(f"Đã có: {n}", f"have:{n}") for n in range(1, 5)] + [
        Button("Xong, xem bản tóm tắt", "go:x")
    ]
    rows = markup(buttons, [b.payload for b in buttons]).inline_keyboard
    assert [len(r) for r in rows] == [3, 1, 1]


def test_zalo_events() -> None:
    text = {
        "event_name": "user_send_text",
        "sender": {"id": "u1"},
        "message": {"msg_id": "m1", "text": "hi"},
    }
    assert parse(text, b"") is not None and parse(text, b"").text == "hi"  # type: ignore[union-attr]
    sticker = {
        "event_name": "user_send_sticker",
        "sender": {"id": "u1"},
        "message": {"msg_id": "m2"},
    }
    assert parse(sticker, b"").kind == "not_text"  # type: ignore[union-attr]
    assert parse({"event_name": "follow", "follower": {"id": "u1"}}, b"") is None
    assert parse({"event_name": "oa_send_text", "sender": {"id": "oa"}}, b"") is None
    assert parse({"event_name": "user_send_text", "message": {"text": "no sender"}}, b"") is None
