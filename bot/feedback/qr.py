"""Printable QR codes for an office's survey links, with a caption under the code (PNG and SVG)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import segno
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.feedback.offices import PAYLOAD_PREFIX

START_PARAM = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what Telegram allows in ?start=
BORDER = 4  # quiet zone, in modules
PNG_MODULE_PX = 16
SVG_MODULE = 10
LINE_CHARS = 34
FONT = "DejaVu Sans, Arial, sans-serif"
BOLD = ' font-weight="bold"'


def payload(office: str, counter: str = "") -> str:
    """'fb-<office>' or 'fb-<office>-<counter>'; ValueError when Telegram would refuse it."""
    value = f"{PAYLOAD_PREFIX}{office}" + (f"-{counter}" if counter else "")
    if not START_PARAM.match(value):
        raise ValueError(
            f"'{value}' is not a valid start parameter (A-Z, a-z, 0-9, _ and -, at most 64)"
        )
    return value


def telegram_link(bot_username: str, start: str) -> str:
    """https://t.me/<bot>?start=<payload>"""
    return f"https://t.me/{bot_username.lstrip('@')}?start={start}"


def zalo_link(oa_id: str, start: str) -> str:
    """https://zalo.me/<OA id>?start=<payload> (to verify: see the feedback README)."""
    return f"https://zalo.me/{oa_id}?start={start}"


def matrix(link: str) -> np.ndarray:
    """The QR modules (1 = dark) with the quiet zone around them."""
    code = segno.make(link, error="m", micro=False)
    core = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    return np.pad(core, BORDER)


def caption_lines(lines: Sequence[str]) -> list[tuple[str, bool]]:
    """Caption lines wrapped to fit under the code, each with whether it is bold (the first)."""
    return [
        (part, n == 0) for n, line in enumerate(lines) for part in textwrap.wrap(line, LINE_CHARS)
    ]


def write_png(link: str, caption: Sequence[str], path: Path) -> Path:
    """The code pixel-exact (no resampling) with the caption drawn under it."""
    modules = matrix(link)
    image = np.kron(modules, np.ones((PNG_MODULE_PX, PNG_MODULE_PX), dtype=np.uint8))
    lines = caption_lines(caption)
    width = image.shape[1]
    line_px = int(width * 0.065)
    height = image.shape[0] + line_px * len(lines)
    figure = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor="white")
    FigureCanvasAgg(figure)
    figure.figimage(
        1 - image.astype(float),
        xo=0,
        yo=height - image.shape[0],
        cmap="gray",
        vmin=0,
        vmax=1,
        origin="upper",
    )
    for n, (line, bold) in enumerate(lines):
        y = (line_px * (len(lines) - n - 0.5)) / height
        figure.text(
            0.5,
            y,
            line,
            ha="center",
            va="center",
            fontsize=line_px * 0.5 * 72 / 100,
            weight="bold" if bold else "normal",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path


def svg(link: str, caption: Sequence[str]) -> str:
    """The code as vector squares, the caption as text under it."""
    modules = matrix(link)
    size = modules.shape[0] * SVG_MODULE
    lines = caption_lines(caption)
    line_h = size * 0.065
    height = size + line_h * (len(lines) + 0.5)
    texts = [
        f'<text x="{size / 2:g}" y="{size + line_h * (n + 0.6):g}" font-size="{line_h * 0.62:g}" '
        f'text-anchor="middle"{BOLD if bold else ""}>{escape(line)}</text>'
        for n, (line, bold) in enumerate(lines)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {height:g}" '
        f'width="{size / SVG_MODULE * 2:g}mm" height="{height / SVG_MODULE * 2:g}mm">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f'<path fill="#000" d="{_path(modules)}"/>'
        f'<g font-family="{FONT}" fill="#000">{"".join(texts)}</g></svg>\n'
    )


def _path(modules: np.ndarray) -> str:
    parts = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                run = (x - start) * SVG_MODULE
                parts.append(f"M{start * SVG_MODULE} {y * SVG_MODULE}h{run}v{SVG_MODULE}h-{run}z")
            else:
                x += 1
    return "".join(parts)


def write_svg(link: str, caption: Sequence[str], path: Path) -> Path:
    """Write `svg(link, caption)` to a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg(link, caption), encoding="utf-8")
    return path
