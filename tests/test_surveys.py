"""Post-visit survey invitations: offered once, after the visit, through the outbox of `serve`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from booking_helpers import FLOWS, MONDAY, Clock, service, slot_at

from bot.booking.calendar import TZ
from bot.booking.store import Citizen
from bot.content.flows import load_flows
from bot.feedback.offices import Offices
from bot.feedback.store import FeedbackStore
from bot.storage.db import make_engine
from bot.surveys import PostVisitSurveys


def test_an_invitation_once_the_visit_is_over(db_url: str, tmp_path: Path) -> None:
    clock = Clock()
    svc = service(db_url, tmp_path / "offices", clock=clock)
    booked = svc.store.book(Citizen("telegram", "42"), "khai-sinh", slot_at(svc, MONDAY, "08:00"))
    assert booked.booking is not None
    flows, problems = load_flows(FLOWS)
    assert problems == [] and flows is not None
    now = [dt.datetime.combine(MONDAY, dt.time(7, 0), TZ)]
    surveys = PostVisitSurveys(
        svc.store,
        FeedbackStore(make_engine(db_url)),
        lambda: flows,
        Offices({}),
        clock=lambda: now[0],
    )
    assert surveys() == []  # before the visit
    now[0] = dt.datetime.combine(MONDAY, dt.time(12, 0), TZ)
    [invite] = surveys()
    assert (invite.channel, invite.user) == ("telegram", "42")
    assert invite.replies[0].buttons[0].payload.endswith(booked.booking.code)
    assert surveys() == []  # never twice
    svc.db.dispose()
