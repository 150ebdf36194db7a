"""Post-visit survey invitations: after a booking's slot has passed, offer the SIPAS survey once.

An outbox source for `serve`: each call looks at bookings whose slot ended in the last week and
returns an invitation for each one not offered yet (the offer is recorded in the database first,
so several workers never invite twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.booking.calendar import TZ
from bot.booking.store import BookingStore
from bot.core.flows import Flows
from bot.core.messages import Outgoing
from bot.feedback.offer import Visit, offer_surveys
from bot.feedback.offices import Offices
from bot.feedback.store import FeedbackStore

LOOK_BACK = dt.timedelta(days=7)


class PostVisitSurveys:
    """Callable outbox source: invitations for visits that are over."""

    def __init__(
        self,
        bookings: BookingStore,
        feedback: FeedbackStore,
        flows: Callable[[], Flows],
        offices: Offices,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.bookings = bookings
        self.feedback = feedback
        self.flows = flows
        self.offices = offices
        self.clock = clock or (lambda: dt.datetime.now(TZ))

    def __call__(self) -> list[Outgoing]:
        now = self.clock().astimezone(TZ)
        visits = [
            Visit(
                b.code,
                b.channel,
                b.user_id,
                b.start.astimezone(TZ).date(),
                b.office_id,
                b.procedure_id,
            )
            for b in self.bookings.visited(now - LOOK_BACK, now)
        ]
        return offer_surveys(
            self.feedback,
            self.flows(),
            visits,
            today=now.date() + dt.timedelta(days=1),
            offices=self.offices,
        )
