"""Console channel: a line-based chat on stdin/stdout; numbered lines stand for buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.core.engine import Engine
from bot.core.messages import Incoming, numbered

PROMPT = "> "


def run_console(
    engine: Engine,
    stdin: TextIO,
    stdout: TextIO,
    user: str = "console",
    on_turn: Callable[[], object] | None = None,
) -> int:
    """Read until end of input; typing a number presses that button."""
    interactive = stdin.isatty()
    for reply in engine.handle(Incoming("console", user, "")):
        print(numbered(reply), file=stdout, end="\n\n")
    while True:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        if on_turn is not None:
            on_turn()
        for reply in engine.handle(Incoming("console", user, text)):
            print(numbered(reply), file=stdout, end="\n\n")
            if reply.attachment is not None:
                print(f"[tệp đính kèm: {reply.attachment.filename}]", file=stdout, end="\n\n")
        stdout.flush()
