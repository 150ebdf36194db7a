"""Feedback storage on SQLite and PostgreSQL: one answer per booking and the quota, in the database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from feedback_support import ROWS
from sqlalchemy import Engine, func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from bot.feedback.commands import local_range
from bot.feedback.models import FeedbackQuota, FeedbackResponse
from bot.feedback.report import compute
from bot.feedback.store import Entry, FeedbackStore, Offer, Refused
from bot.storage.db import Base, alembic_config, migrate

TABLES = {"feedback_response", "feedback_offer", "feedback_quota"}


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_feedback_tables_match_the_migration(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if TABLES & set(str(d).split("'"))] == []
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_downgrade_drops_only_feedback(db_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config(db_url), "0002")
    engine.dispose()
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate(db_url)
    engine.dispose()
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_one_response_per_booking_without_charging_the_quota(engine: Engine) -> None:
    store = FeedbackStore(engine, max_per_hour=5)
    store.create(Entry("telegram", "booking", booking="BK-1"), "r")
    with pytest.raises(Refused) as refused:
        store.create(Entry("telegram", "booking", booking="BK-1"), "r")
    assert refused.value.reason == "answered"
    assert store.answered("BK-1") and not store.answered("BK-2")
    with engine.begin() as conn:
        assert conn.execute(select(FeedbackQuota.used)).scalar_one() == 1


def test_quota_per_respondent_and_hour(engine: Engine) -> None:
    clock = Clock()
    store = FeedbackStore(engine, max_per_hour=2, clock=clock)
    for _ in range(2):
        store.create(Entry("zalo", "qr"), "r1")
    assert not store.can_start("r1") and store.can_start("r2")
    with pytest.raises(Refused) as refused:
        store.create(Entry("zalo", "qr"), "r1")
    assert refused.value.reason == "limited"
    assert len(store.rows()) == 2  # the refused insert was rolled back
    clock.now += timedelta(hours=1)
    store.create(Entry("zalo", "qr"), "r1")
    clock.now += timedelta(hours=2)
    store.create(Entry("zalo", "qr"), "r2")
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(FeedbackQuota)).scalar_one() == 1


def test_quota_holds_under_concurrent_writers(engine: Engine) -> None:
    store = FeedbackStore(engine, max_per_hour=5)

    def attempt(_: int) -> str:
        try:
            store.create(Entry("telegram", "qr", office="phuong-a"), "spammer")
        except Refused as refused:
            return refused.reason
        return "created"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(24)))
    assert (outcomes.count("created"), outcomes.count("limited")) == (5, 19)
    assert len(store.rows()) == 5


def test_database_refuses_bad_ratings_and_contact_without_consent(engine: Engine) -> None:
    store = FeedbackStore(engine)
    response = store.create(Entry("web", "menu"), "r")
    with pytest.raises(ValueError):
        store.rate(response, "staff", 6)
    for values in ({"g_staff": 6}, {"overall": 0}, {"contact": "0912345678"}):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                update(FeedbackResponse).where(FeedbackResponse.id == response).values(values)
            )


def test_answers_comment_and_contact(engine: Engine) -> None:
    store = FeedbackStore(engine)
    response = store.create(Entry("telegram", "qr", office="phuong-a", counter="quay-2"), "r")
    store.rate(response, "overall", 4)
    store.rate(response, "handling", 2)
    assert store.comment(response, "  SĐT 0912 345 678  ") == "SĐT **** *** ***"
    store.contact(response, "Anh Minh 0987.654.321")
    [row] = store.rows()
    assert (row.overall, row.groups, row.comment, row.contact, row.counter) == (
        4,
        (None, None, None, None, 2),
        "SĐT **** *** ***",
        "Anh Minh 0987.654.321",
        "quay-2",
    )


def test_offers_are_claimed_once(engine: Engine) -> None:
    store = FeedbackStore(engine)
    offer = Offer("BK-9", "phuong-a", "khai-sinh", "r")
    assert store.claim_offer(offer) and not store.claim_offer(offer)
    assert store.offer("BK-9") == offer and store.offer("BK-0") is None


def test_rows_round_trip_and_filters(engine: Engine) -> None:
    store = FeedbackStore(engine)
    for row in ROWS:
        store.add(row)
    assert compute(store.rows()) == compute(ROWS)
    start, end = local_range(date(2025, 2, 1), date(2025, 2, 14))
    assert [r.created_at for r in store.rows(start=start, end=end)] == [
        r.created_at for r in ROWS[3:6]
    ]
    assert len(store.rows(office="phuong-b")) == 3
