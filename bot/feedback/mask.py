"""Hide phone and ID-card numbers a citizen types into a comment, before anything is stored.

Any run of at least `MIN_DIGITS` digits, with up to three spaces, dots, hyphens, dashes,
brackets, slashes, underscores or commas between them, has every digit replaced by `*`: Vietnamese mobiles (0912 345 678, 0912.345.678,
+84 912 345 678, 0912 - 345 - 678), landlines with area code ((024) 3825 1234), CMND (9 digits)
and CCCD (12 digits). Shorter numbers
(dates, amounts, house numbers) stay. Everything else keeps its place, so the comment still reads.
"""

from __future__ import annotations

import re

MIN_DIGITS = 9  # the shortest identifying number: a 9-digit CMND, or a mobile without its 0
MASK = "*"
# Up to 3 separators between digits: spaces, dots, hyphens and dashes, brackets, slashes,
# underscores, commas (0912/345/678, 0912_345_678, 0912,345,678 are all seen in practice).
RUN = re.compile(r"\d(?:[\s.()\-‐-―/_,]{0,3}\d)*")
DIGIT = re.compile(r"\d")


def mask(text: str) -> str:
    """The text with every phone or ID-card-like number's digits replaced by '*'."""
    return RUN.sub(_hide, text)


def _hide(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(DIGIT.findall(run)) < MIN_DIGITS:
        return run
    return DIGIT.sub(MASK, run)
