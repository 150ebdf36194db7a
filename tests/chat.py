"""Drive the real engine like a citizen: type text, press buttons by label, read replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.app import build
from bot.config import Config, load_config
from bot.core.engine import Engine, MemoryStore, StateStore
from bot.core.messages import Incoming, Reply

ROOT = Path(__file__).resolve().parent.parent


def make_config(tmp_path: Path, **overrides: object) -> Config:
    """Defaults with the bundled catalogue and flows, data under tmp_path."""
    cfg = load_config(None, env={})
    return cfg.with_overrides(data_dir=str(tmp_path / "data"), **overrides)


def make_engine(cfg: Config, store: StateStore | None = None) -> Engine:
    return build(cfg, store if store is not None else MemoryStore()).engine()


@dataclass
class Chat:
    engine: Engine
    user: str = "citizen-1"
    channel: str = "test"
    last: list[Reply] = field(default_factory=list)

    def say(self, text: str) -> list[Reply]:
        self.last = self.engine.handle(Incoming(self.channel, self.user, text=text))
        return self.last

    def press(self, label_part: str) -> list[Reply]:
        """Press the first button of the last replies whose label contains label_part."""
        for reply in self.last:
            for b in reply.buttons:
                if label_part.lower() in b.label.lower():
                    self.last = self.engine.handle(
                        Incoming(self.channel, self.user, button=b.payload)
                    )
                    return self.last
        raise AssertionError(f"no button with {label_part!r} in {self.labels()}")

    def labels(self) -> list[str]:
        return [b.label for r in self.last for b in r.buttons]

    def payloads(self) -> list[str]:
        return [b.payload for r in self.last for b in r.buttons]

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def answer_all(self, answer: str = "Không", limit: int = 20) -> None:
        """Answer every checklist question the same way until the checklist shows."""
        for _ in range(limit):
            if "Câu hỏi" not in self.text:
                return
            labels = self.labels()
            pick = answer if any(answer.lower() in lab.lower() for lab in labels) else labels[0]
            self.press(pick)
        raise AssertionError("questions never ended")
