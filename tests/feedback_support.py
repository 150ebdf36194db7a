"""Shared pieces of the feedback tests: a fixed data set and a chat driven through the real engine."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import delete

from bot.core.engine import Engine
from bot.core.messages import Incoming, Reply
from bot.feedback.models import FeedbackOffer, FeedbackQuota, FeedbackResponse
from bot.feedback.report import ResponseRow
from bot.storage.db import migrate

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh migrated database for a module- or session-scoped fixture parametrized by BACKENDS."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('feedback') / 'tthc.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create_database(f"feedback_{os.getpid()}_{uuid.uuid4().hex[:8]}")
    migrate(url)
    return url


def clear_feedback(engine: SqlEngine) -> None:
    """Delete every feedback row (between tests sharing one database)."""
    with engine.begin() as conn:
        for table in (FeedbackResponse, FeedbackOffer, FeedbackQuota):
            conn.execute(delete(table))


def at(day: str, hour: int = 3) -> datetime:
    """A UTC moment on `day` (YYYY-MM-DD) at `hour`."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


NONE5: tuple[int | None, ...] = (None,) * 5
# Eight responses over two offices, two procedures and two (local) months. Row 4 is sent at
# 18:00 UTC on 31 January, which is already 1 February in Việt Nam.
ROWS = [
    ResponseRow(at("2025-01-05"), "phuong-a", "khai-sinh", 5, (5, 4, 5, 5, None)),
    ResponseRow(at("2025-01-10"), "phuong-a", "khai-sinh", 4, (4, 4, None, 3, 2), "Chờ hơi lâu"),
    ResponseRow(at("2025-01-20"), "phuong-b", "ket-hon", 2, NONE5, "Cán bộ trả lời cộc lốc"),
    ResponseRow(at("2025-01-31", 18), "phuong-b", None, 3, (3, 3, 3, 3, 3)),
    ResponseRow(at("2025-02-03"), "phuong-a", "ket-hon", 5, (5, 5, 5, 5, 5)),
    ResponseRow(at("2025-02-14"), None, None, None, NONE5, "Nên có thêm ghế chờ"),
    ResponseRow(at("2025-02-20"), "phuong-b", "khai-sinh", 1, (1, 2, None, None, None)),
    ResponseRow(at("2025-02-25"), "phuong-a", None, 4, (None, None, 4, None, None)),
]


@dataclass
class Chat:
    """One citizen talking to the engine: type text or press a button by its text key."""

    engine: Engine
    user: str = "citizen-1"
    channel: str = "telegram"
    replies: list[Reply] = field(default_factory=list)

    def send(self, text: str) -> list[Reply]:
        """Type a message."""
        self.replies = self.engine.handle(Incoming(self.channel, self.user, text=text))
        return self.replies

    def press(self, key: str, **kw: object) -> list[Reply]:
        """Press the button whose label is the text `key` (as rendered from texts.yaml)."""
        label = self.engine.content.flows.text(key).format(**kw)
        return self.press_label(label)

    def press_label(self, label: str) -> list[Reply]:
        """Press a button shown in the last replies by its label."""
        buttons = [b for r in self.replies for b in r.buttons if b.label == label]
        assert buttons, (
            f"no button {label!r} in {[b.label for r in self.replies for b in r.buttons]}"
        )
        self.replies = self.engine.handle(
            Incoming(self.channel, self.user, button=buttons[0].payload)
        )
        return self.replies

    def rate(self, value: int) -> list[Reply]:
        """Tap the 1-5 button."""
        return self.press(f"fb_scale_{value}")

    def text(self) -> str:
        """All reply texts of the last turn."""
        return "\n".join(r.text for r in self.replies)

    def says(self, key: str, **kw: object) -> bool:
        """Whether the last turn contains the text `key`."""
        return self.engine.content.flows.text(key).format(**kw) in self.text()
