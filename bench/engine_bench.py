"""Engine benchmark: conversation turns per second and p50/p99 per turn, engine + SQLite state.

    python bench/engine_bench.py [--citizens 200]

Each simulated citizen asks a question, asks a follow-up about it ("lệ phí bao nhiêu?"), opens
the checklist, answers the questions by TYPING them ("dạ có", "không ạ": the understanding step),
ticks a document and asks for the final summary — every turn a real `Engine.handle` with the
state read from and written to a SQLite file (WAL), as in production.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "làm giấy khai sinh cho con",
    "đăng ký tạm trú cho người thuê trọ",
    "đk kết hôn cần gì",
    "xin bản sao giấy khai sinh",
    "làm căn cước cho con 14 tuổi",
    "bố tôi mất cần làm gì",
]


FOLLOW_UPS = ["lệ phí bao nhiêu?", "mất bao lâu", "nộp ở đâu vậy", "làm online được không"]
TYPED = ["dạ có", "không ạ", "ko", "vâng ạ", "chưa có"]


def conversation(engine, user: str, question: str) -> list[float]:  # type: ignore[no-untyped-def]
    from bot.core.messages import Incoming

    times: list[float] = []

    def turn(text: str = "", button: str = "") -> list:  # type: ignore[type-arg]
        t = time.perf_counter()
        replies = engine.handle(Incoming("bench", user, text=text, button=button))
        times.append((time.perf_counter() - t) * 1000)
        return replies

    replies = turn(question)
    replies = turn(FOLLOW_UPS[len(user) % len(FOLLOW_UPS)])
    for n in range(12):
        buttons = [b for r in replies for b in r.buttons]
        if any(b.payload.startswith("answer:") for b in buttons):
            replies = turn(TYPED[n % len(TYPED)])  # typed, read by the understanding step
            continue
        nxt = next(
            (b for b in buttons if b.payload.startswith(("pick:", "answer:", "go:guide.ask"))), None
        )
        if nxt is None:
            nxt = next(
                (b for b in buttons if b.payload.startswith(("have:", "go:guide.final"))), None
            )
        if nxt is None:
            break
        replies = turn(button=nxt.payload)
        if nxt.payload.startswith("go:guide.final"):
            break
    return times


def main() -> int:
    from bot.app import build
    from bot.config import load_config
    from bot.storage.db import make_engine, migrate
    from bot.storage.state import SqlStateStore

    ap = argparse.ArgumentParser()
    ap.add_argument("--citizens", type=int, default=200)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tthc-engine-bench-"))
    url = f"sqlite:///{work / 'bench.db'}"
    migrate(url)
    cfg = load_config(None, env={}).with_overrides(data_dir=str(work), **{"database.url": url})
    engine = build(cfg, SqlStateStore(make_engine(url))).engine()
    times: list[float] = []
    start = time.perf_counter()
    for i in range(args.citizens):
        times += conversation(engine, f"u{i}", QUESTIONS[i % len(QUESTIONS)])
    wall = time.perf_counter() - start
    times.sort()
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "citizens": args.citizens,
        "turns": len(times),
        "turns_per_s": len(times) / wall,
        "p50_ms": times[len(times) // 2],
        "p99_ms": times[int(len(times) * 0.99)],
        "max_rss_mb": rss_mb,
    }
    print(f"{'citizens':>8} {'turns':>6} {'turns/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7}")
    print(
        f"{result['citizens']:>8} {result['turns']:>6} {result['turns_per_s']:>8.0f} "
        f"{result['p50_ms']:>7.2f} {result['p99_ms']:>7.2f} {rss_mb:>7.0f}"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
