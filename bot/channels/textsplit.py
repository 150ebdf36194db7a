"""Split long texts for platforms with a message size limit, preferring line breaks."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a blank line, a line end or a space."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
