"""Chart files (PNG and SVG) of a feedback report, drawn off-screen with matplotlib's Agg."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.feedback.export import GROUP_LABELS, UNKNOWN
from bot.feedback.report import Report

FORMATS = ("png", "svg")
MONTHLY = "monthly-index"
GROUPS = "groups"
NO_DATA = "Chưa có dữ liệu"
RC: Any = {"svg.hashsalt": "tthc-bot", "font.size": 10}  # matplotlib types the keys as a Literal


def write_charts(
    report: Report, out_dir: Path, office_names: Mapping[str, str] | None = None
) -> list[Path]:
    """Write monthly-index.{png,svg} and groups.{png,svg}; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(RC):
        for name, figure in (
            (MONTHLY, monthly_figure(report, office_names or {})),
            (GROUPS, groups_figure(report)),
        ):
            for fmt in FORMATS:
                path = out_dir / f"{name}.{fmt}"
                figure.savefig(path, format=fmt, dpi=150, metadata=_metadata(fmt))
                written.append(path)
    return written


def _metadata(fmt: str) -> dict[str, str | None]:
    return {"Date": None} if fmt == "svg" else {}


def _figure() -> Figure:
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def monthly_figure(report: Report, office_names: Mapping[str, str]) -> Figure:
    """Share of satisfied (4-5) overall answers per month, one line per office."""
    figure = _figure()
    ax = figure.add_subplot()
    ax.set_title("Chỉ số hài lòng theo tháng (% đánh giá 4–5 điểm)")
    months = sorted(report.by_month)
    for office, by_month in report.by_office_month.items():
        shares = [by_month[m].overall.share if m in by_month else None for m in months]
        values = [math.nan if s is None else 100 * s for s in shares]
        ax.plot(months, values, marker="o", label=office_names.get(office, office or UNKNOWN))
    _axis_0_100(ax, "%")
    if report.by_office_month:
        ax.legend(loc="lower left", fontsize=8)
    else:
        _no_data(ax)
    return figure


def groups_figure(report: Report) -> Figure:
    """Share satisfied and mean rating for each SIPAS group."""
    figure = _figure()
    ax = figure.add_subplot()
    ax.set_title("Hài lòng theo 5 nhóm SIPAS (% đánh giá 4–5 điểm)")
    stats = report.total.groups
    shares = [100 * s.share if s.share is not None else 0.0 for s in stats]
    bars = ax.barh(list(GROUP_LABELS)[::-1], shares[::-1], color="#2a7ab9")
    for bar, stat in zip(bars, stats[::-1], strict=True):
        text = (
            "—"
            if stat.mean is None
            else f"{bar.get_width():.0f}% · TB {stat.mean:.2f} · n={stat.count}"
        )
        ax.annotate(
            text,
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, 130)
    ax.set_xlabel("%")
    if not any(s.count for s in stats):
        _no_data(ax)
    return figure


def _axis_0_100(ax: Axes, label: str) -> None:
    ax.set_ylim(0, 105)
    ax.set_ylabel(label)
    ax.grid(True, alpha=0.3)


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, NO_DATA, transform=ax.transAxes, ha="center", va="center")
