"""`tthc-bot qr` and `tthc-bot report feedback`: arguments and what they run."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.content.flows import load_flows
from bot.content.yamlio import ContentError
from bot.core.flows import Flows
from bot.core.render import Renderer
from bot.feedback.offices import OFFICE_ID, PAYLOAD_PREFIX, load_offices
from bot.feedback.report import LOCAL


def add_parsers(sub: Any) -> None:
    """Add `qr` and `report feedback` to the top-level subcommands."""
    q = sub.add_parser("qr", help="printable QR codes (PNG, SVG) of an office's feedback links")
    q.add_argument("--office", required=True, metavar="ID")
    q.add_argument(
        "--counter", default="", metavar="CODE", help="counter or officer code (optional)"
    )
    q.add_argument(
        "--bot-username", metavar="NAME", help="Telegram bot (default telegram.bot_username)"
    )
    q.add_argument(
        "--zalo-oa", metavar="OA_ID", help="Zalo Official Account id (link form to verify)"
    )
    q.add_argument("--out", default="qr", metavar="DIR")
    q.add_argument("--config")
    report = sub.add_parser("report", help="reports").add_subparsers(
        dest="report_cmd", required=True
    )
    f = report.add_parser("feedback", help="satisfaction survey report (SIPAS groups)")
    f.add_argument("--office", metavar="ID")
    f.add_argument("--from", dest="date_from", type=date.fromisoformat, metavar="YYYY-MM-DD")
    f.add_argument("--to", dest="date_to", type=date.fromisoformat, metavar="YYYY-MM-DD")
    f.add_argument("--csv", type=Path, metavar="FILE", help="one line per response")
    f.add_argument("--charts", type=Path, metavar="DIR", help="PNG and SVG charts")
    f.add_argument("--config")


def _flows(cfg: Config) -> Flows:
    flows, problems = load_flows(Path(cfg["flows.dir"]))
    if flows is None:
        raise ContentError(problems)
    return flows


def run_qr(args: argparse.Namespace, cfg: Config) -> int:
    """Write <office>[-<counter>]-{telegram,zalo}.{png,svg} into --out."""
    from bot.feedback import qr

    offices = load_offices(cfg["catalog.dir"])
    if not offices.valid(args.office):
        known = ", ".join(sorted(offices.names)) or "(none)"
        print(f"unknown office '{args.office}'; known offices: {known}", file=sys.stderr)
        return 1
    if args.counter and not OFFICE_ID.match(args.counter):
        print("--counter: use a-z, 0-9 and '-'", file=sys.stderr)
        return 2
    bot = args.bot_username or cfg["telegram.bot_username"]
    if not bot and not args.zalo_oa:
        print(
            "give --bot-username (or telegram.bot_username in the config) and/or --zalo-oa",
            file=sys.stderr,
        )
        return 2
    try:
        start = qr.payload(args.office, args.counter)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    r = Renderer(_flows(cfg))
    caption = [offices.name(args.office), r.t("fb_qr_title")]
    if args.counter:
        caption.append(r.t("fb_qr_counter", counter=args.counter))
    links = []
    if bot:
        links.append(("telegram", qr.telegram_link(bot, start), caption))
    if args.zalo_oa:
        links.append(
            (
                "zalo",
                qr.zalo_link(args.zalo_oa, start),
                [*caption, r.t("fb_qr_zalo_hint", code=start)],
            )
        )
    out = Path(args.out)
    for channel, link, lines in links:
        stem = out / f"{start.removeprefix(PAYLOAD_PREFIX)}-{channel}"
        qr.write_png(link, lines, stem.with_suffix(".png"))
        qr.write_svg(link, lines, stem.with_suffix(".svg"))
        print(f"{channel}: {link}\n  {stem}.png\n  {stem}.svg")
    return 0


def local_range(
    date_from: date | None, date_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """Inclusive local dates as [start, end) moments in Việt Nam time."""
    start = datetime.combine(date_from, time.min, LOCAL) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, LOCAL) if date_to else None
    return start, end


def run_report(args: argparse.Namespace, cfg: Config) -> int:
    """Print the report; optionally write the responses as CSV and the charts."""
    from bot.feedback.charts import write_charts
    from bot.feedback.export import render_text, write_csv
    from bot.feedback.report import compute
    from bot.feedback.store import FeedbackStore
    from bot.storage.db import make_engine, migrate

    migrate(cfg.database_url)
    engine = make_engine(cfg.database_url)
    try:
        start, end = local_range(args.date_from, args.date_to)
        rows = FeedbackStore(engine).rows(office=args.office, start=start, end=end)
    finally:
        engine.dispose()
    offices = load_offices(cfg["catalog.dir"])
    report = compute(rows)
    sys.stdout.write(render_text(report, offices.names))
    if args.csv:
        count = write_csv(rows, args.csv)
        print(f"CSV: {args.csv} ({count} dòng)")
    if args.charts:
        for path in write_charts(report, args.charts, offices.names):
            print(f"Biểu đồ: {path}")
    return 0
