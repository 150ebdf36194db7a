"""Contract tests of SqlStateStore, run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.storage.db import make_engine
from bot.storage.state import SqlStateStore

STATE = {"flow": "khai-sinh", "step": 2, "answers": {"co-giay-chung-sinh": "yes"}, "note": "Hà Nội"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_get_unknown_user_is_none(engine: Engine) -> None:
    assert SqlStateStore(engine).get("telegram", "42") is None


def test_put_then_get_returns_the_state(engine: Engine) -> None:
    store = SqlStateStore(engine)
    store.put("telegram", "42", STATE)
    assert store.get("telegram", "42") == STATE


def test_get_returns_a_copy(engine: Engine) -> None:
    store = SqlStateStore(engine)
    store.put("telegram", "42", STATE)
    copy = store.get("telegram", "42") or {}
    copy["step"] = 99
    assert store.get("telegram", "42") == STATE


def test_put_overwrites(engine: Engine) -> None:
    store = SqlStateStore(engine)
    store.put("telegram", "42", STATE)
    store.put("telegram", "42", {"flow": "ket-hon"})
    assert store.get("telegram", "42") == {"flow": "ket-hon"}


def test_users_and_channels_are_separate(engine: Engine) -> None:
    store = SqlStateStore(engine)
    store.put("telegram", "42", {"who": "telegram 42"})
    store.put("zalo", "42", {"who": "zalo 42"})
    store.put("telegram", "43", {"who": "telegram 43"})
    actual = [store.get(*key) for key in [("telegram", "42"), ("zalo", "42"), ("telegram", "43")]]
    assert actual == [{"who": "telegram 42"}, {"who": "zalo 42"}, {"who": "telegram 43"}]


def test_delete(engine: Engine) -> None:
    store = SqlStateStore(engine)
    store.put("telegram", "42", STATE)
    store.put("telegram", "43", STATE)
    store.delete("telegram", "42")
    store.delete("telegram", "404")
    assert (store.get("telegram", "42"), store.get("telegram", "43")) == (None, STATE)


def test_purge_older_than_drops_only_idle_states(engine: Engine) -> None:
    clock = Clock()
    store = SqlStateStore(engine, clock=clock)
    store.put("telegram", "old", STATE)
    store.put("telegram", "touched", STATE)
    clock.now += timedelta(minutes=90)
    store.put("telegram", "touched", {"step": 3})
    store.put("zalo", "new", STATE)
    clock.now += timedelta(minutes=60)
    purged = store.purge_older_than(120 * 60)
    remaining = [
        store.get(*key) for key in [("telegram", "old"), ("telegram", "touched"), ("zalo", "new")]
    ]
    assert (purged, remaining) == (1, [None, {"step": 3}, STATE])


def test_state_survives_a_new_engine(db_url: str) -> None:
    first = make_engine(db_url)
    SqlStateStore(first).put("zalo", "u1", STATE)
    first.dispose()
    second = make_engine(db_url)
    try:
        assert SqlStateStore(second).get("zalo", "u1") == STATE
    finally:
        second.dispose()


def test_user_lock_serialises_turns_across_workers(engine: Engine) -> None:
    """Two stores (two workers) never hold one user's lock at once; other users are not blocked."""
    import threading
    import time

    a, b = SqlStateStore(engine), SqlStateStore(engine)
    inside: list[str] = []
    overlap: list[bool] = []

    def worker(store: SqlStateStore, name: str) -> None:
        for _ in range(5):
            with store.lock("zalo", "same-user"):
                inside.append(name)
                overlap.append(len(inside) > 1)
                time.sleep(0.01)
                inside.remove(name)

    threads = [threading.Thread(target=worker, args=(s, n)) for s, n in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    with a.lock("zalo", "other-user"):
        pass
    for t in threads:
        t.join()
    assert overlap == [False] * 10


def test_a_state_over_64_kb_is_refused_and_the_previous_kept(engine: Engine) -> None:
    import pytest as _pytest

    from bot.storage.state import MAX_STATE_BYTES, StateTooLarge

    store = SqlStateStore(engine)
    store.put("web", "u", {"step": "main.welcome"})
    with _pytest.raises(StateTooLarge):
        store.put(
            "web", "u", {"step": "guide.checklist", "have": ["x" * 512] * (MAX_STATE_BYTES // 500)}
        )
    assert store.get("web", "u") == {"step": "main.welcome"}
