"""Post-visit survey invitations: one per booking, for the booking scheduler's outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.core.flows import Flows
from bot.core.messages import Button, Outgoing, Reply
from bot.core.render import Renderer
from bot.feedback.dialogue import OFFER_COMMAND
from bot.feedback.offices import Offices
from bot.feedback.store import FeedbackStore, Offer


@dataclass(frozen=True)
class Visit:
    """A booking whose day has passed, as the booking scheduler knows it."""

    booking: str
    channel: str
    user: str
    day: date
    office: str | None = None
    procedure: str | None = None
    lang: str = "vi"


def offer_surveys(
    store: FeedbackStore,
    flows: Flows,
    visits: Iterable[Visit],
    *,
    today: date,
    offices: Offices | None = None,
) -> list[Outgoing]:
    """Post-visit survey invitations for visits before `today`; each booking is offered once."""
    offices = offices or Offices({})
    out = []
    for visit in visits:
        if visit.day >= today:
            continue
        offer = Offer(
            visit.booking,
            visit.office,
            visit.procedure,
            store.respondent(visit.channel, visit.user),
        )
        if not store.claim_offer(offer):
            continue
        r = Renderer(flows, visit.lang)
        day = visit.day.strftime("%d/%m/%Y")
        text = (
            r.t("fb_offer", office=offices.name(visit.office), day=day)
            if visit.office
            else r.t("fb_offer_no_office", day=day)
        )
        button = Button(r.t("fb_btn_offer"), f"cmd:{OFFER_COMMAND} {visit.booking}")
        out.append(Outgoing(visit.channel, visit.user, (Reply(text, (button,)),)))
    return out
