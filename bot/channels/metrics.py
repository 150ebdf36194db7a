"""Counters and a latency histogram, rendered in the Prometheus text exposition format."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

Labels = tuple[tuple[str, str], ...]
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Family:
    name: str
    kind: str  # counter | histogram
    help: str


FAMILIES = (
    Family("tthc_messages_total", "counter", "Messages received from citizens, per channel."),
    Family("tthc_replies_total", "counter", "Replies produced by the engine, per channel."),
    Family("tthc_errors_total", "counter", "Failures while handling or delivering, per channel."),
    Family(
        "tthc_webhook_rejects_total", "counter", "Webhook requests refused, per channel and reason."
    ),
    Family("tthc_duplicates_total", "counter", "Redelivered updates ignored, per channel."),
    Family(
        "tthc_outgoing_total", "counter", "Messages the bot sent on its own (reminders, notices)."
    ),
    Family(
        "tthc_handle_seconds", "histogram", "Time the engine took for one message, per channel."
    ),
)


def _labels(kv: dict[str, str]) -> Labels:
    return tuple(sorted((k, str(v)) for k, v in kv.items()))


def _fmt(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = [*labels, *extra]
    if not pairs:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    """A small, thread-safe metrics registry; `render()` gives the /metrics body."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._hist: dict[str, dict[Labels, list[float]]] = defaultdict(dict)

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        """Add to a counter."""
        key = _labels(labels)
        with self._lock:
            series = self._counters[name]
            series[key] = series.get(key, 0) + amount

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        """Record one observation in a histogram."""
        key = _labels(labels)
        with self._lock:
            row = self._hist[name].setdefault(key, [0.0] * (len(BUCKETS) + 2))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    row[i] += 1
            row[-2] += 1
            row[-1] += seconds

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (0 when never incremented)."""
        with self._lock:
            return self._counters.get(name, {}).get(_labels(labels), 0)

    def render(self) -> str:
        """The Prometheus text format, version 0.0.4."""
        lines: list[str] = []
        with self._lock:
            for fam in FAMILIES:
                lines += [f"# HELP {fam.name} {fam.help}", f"# TYPE {fam.name} {fam.kind}"]
                if fam.kind == "counter":
                    for labels, v in sorted(self._counters.get(fam.name, {}).items()):
                        lines.append(f"{fam.name}{_fmt(labels)} {v:g}")
                else:
                    lines += self._render_hist(fam.name)
        return "\n".join(lines) + "\n"

    def _render_hist(self, name: str) -> list[str]:
        out = []
        for labels, row in sorted(self._hist.get(name, {}).items()):
            for bound, count in zip(BUCKETS, row, strict=False):
                out.append(f"{name}_bucket{_fmt(labels, (('le', f'{bound:g}'),))} {count:g}")
            out.append(f"{name}_bucket{_fmt(labels, (('le', '+Inf'),))} {row[-2]:g}")
            out.append(f"{name}_count{_fmt(labels)} {row[-2]:g}")
            out.append(f"{name}_sum{_fmt(labels)} {row[-1]:.6f}")
        return out
