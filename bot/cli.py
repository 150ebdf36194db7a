"""Command line: `tthc-bot <command>`; problems print as FILE:LINE: message, never a traceback."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Config, load_config
from bot.content.bundle import check_content, load_catalog_dir
from bot.content.yamlio import ContentError
from bot.core.matcher import Analysis
from bot.importer import SourceError, import_dvcqg

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return register


def _config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None))


def _refuse_weak_secrets(cfg: Config) -> None:
    """`check` and `serve` stop on a guessable admin token or webhook secret."""
    from bot.config import weak_secrets

    problems = weak_secrets(cfg)
    if problems:
        raise ContentError(problems)


def _catalog_dir(args: argparse.Namespace) -> Path:
    explicit = getattr(args, "catalog", None) or getattr(args, "dir", None)
    return Path(explicit) if explicit else Path(_config(args)["catalog.dir"])


@command("catalog validate")
def cmd_validate(args: argparse.Namespace) -> int:
    root = _catalog_dir(args)
    catalog, problems = check_content(root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    print(f"OK: {len(catalog)} entries in {root}")
    return 0


@command("catalog import-dvcqg")
def cmd_import_dvcqg(args: argparse.Namespace) -> int:
    try:
        summary = import_dvcqg(
            [Path(s) for s in args.src], Path(args.out), level=args.level, enrich=args.enrich
        )
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(summary.format())
    return 0


@command("catalog audit")
def cmd_audit(args: argparse.Namespace) -> int:
    from bot.importer.audit import audit

    reference = Path(args.reference)
    if not reference.is_dir():
        print(f"{reference}: not a folder", file=sys.stderr)
        return 2
    report = audit(_catalog_dir(args), reference)
    print(report.format(limit=args.show))
    return 0 if report.rate <= args.max_rate else 1


@command("match")
def cmd_match(args: argparse.Namespace) -> int:
    matcher = load_catalog_dir(_catalog_dir(args)).matcher
    top = max(1, args.top)
    if args.text:
        text = " ".join(args.text)
        analysis = matcher.analyse(text, top)
        matches = list(analysis.matches)
        if args.json:
            print(json.dumps(_match_obj(text, analysis), ensure_ascii=False))
        elif not matches:
            print(
                "(không khớp thủ tục nào"
                + ("; câu hỏi về thủ tục hành chính)" if analysis.administrative else ")")
            )
        else:
            for i, m in enumerate(matches, 1):
                print(f"{i}. {m.name} [{m.id} {m.code}] {m.score:.3f}")
        return 0
    for line in sys.stdin:
        text = _stdin_question(line)
        print(
            json.dumps(_match_obj(text, matcher.analyse(text, top)), ensure_ascii=False), flush=True
        )
    return 0


@command("check")
def cmd_check(args: argparse.Namespace) -> int:
    from bot.app import build
    from bot.core.engine import MemoryStore

    cfg = _config(args)
    _refuse_weak_secrets(cfg)
    app = build(cfg, MemoryStore())
    engine = app.engine()  # checks content; keeps no conversation
    print(
        f"OK: {len(engine.content.catalog)} catalogue entries, "
        f"{len(engine.content.flows.steps)} flow steps, config {cfg.path or '(defaults)'}"
    )
    _warn_expiring(engine.content.catalog)
    from bot.booking.calendar import TZ

    if warning := app.booking.calendar_warning(dt.datetime.now(TZ).date()):
        print(warning, file=sys.stderr)
    return 0


EXPIRY_WARNING_DAYS = 30


def _warn_expiring(catalog) -> None:  # type: ignore[no-untyped-def]
    """Time-bound facts that end within 30 days (or have ended): FILE:LINE: warning, on stderr."""
    from bot.core.guide import expiring, today

    for proc, block, until in expiring(catalog, EXPIRY_WARNING_DAYS):
        state = "ended" if until < today() else "ends"
        print(
            f"{proc.source_file}:{proc.line(block)}: warning: {proc.id} {block} {state} on {until} "
            f"(valid_until): review it; after that day the bot tells citizens to check",
            file=sys.stderr,
        )


@command("chat")
def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import Paths, Reloader, build
    from bot.channels.console import run_console

    cfg = _config(args)
    engine = build(cfg).engine()
    if args.jsonl:
        from bot.channels.jsonl import run_jsonl

        return run_jsonl(engine, sys.stdin, sys.stdout, user=args.user)
    reloader = Reloader(engine, Paths.from_config(cfg))
    return run_console(engine, sys.stdin, sys.stdout, user=args.user, on_turn=reloader.poll)


@command("serve")
def cmd_serve(args: argparse.Namespace) -> int:
    """Web chat, admin pages and every configured channel in one process."""
    import asyncio

    from bot.app import build
    from bot.web.logs import setup_logging
    from bot.web.server import Server, run

    cfg = _config(args)
    _refuse_weak_secrets(cfg)
    setup_logging(str(cfg["log.level"]))
    app = build(cfg)
    server = Server(cfg, app.store, app.features, outbox=app.outbox())
    return asyncio.run(run(server))


@command("bookings list")
def cmd_bookings_list(args: argparse.Namespace) -> int:
    from bot.booking import admin

    return admin.list_bookings(
        admin.service(_config(args)), args.office, args.date, args.csv, sys.stdout
    )


@command("bookings mark")
def cmd_bookings_mark(args: argparse.Namespace) -> int:
    from bot.booking import admin

    return admin.mark(admin.service(_config(args)), args.code, args.status, sys.stdout)


@command("bookings cancel-session")
def cmd_bookings_cancel_session(args: argparse.Namespace) -> int:
    from bot.booking import admin

    svc = admin.service(_config(args))
    return admin.cancel_session(svc, args.office, args.date, args.session, args.reason, sys.stdout)


@command("qr")
def cmd_qr(args: argparse.Namespace) -> int:
    from bot.feedback.commands import run_qr

    return run_qr(args, _config(args))


@command("report feedback")
def cmd_report_feedback(args: argparse.Namespace) -> int:
    from bot.feedback.commands import run_report

    return run_report(args, _config(args))


@command("purge")
def cmd_purge(args: argparse.Namespace) -> int:
    """Retention: delete conversations, dedup keys, old bookings; erase old feedback comments."""
    from bot.retention import parse_age, purge
    from bot.storage.db import make_engine, migrate

    try:
        age = parse_age(args.older_than)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    cfg = _config(args)
    migrate(cfg.database_url)
    engine = make_engine(cfg.database_url)
    try:
        counts = purge(engine, age)
    finally:
        engine.dispose()
    for kind, n in counts.items():
        print(f"{kind}: {n}")
    return 0


@command("catalog drift")
def cmd_drift(args: argparse.Namespace) -> int:
    """Facts whose cited record changed since review, or whose numbers the record does not hold."""
    from bot.content.catalog import catalog_files, load_catalog
    from bot.content.drift import Reference, check, fact_counts, stamp_file

    root = _catalog_dir(args)
    ref_dir = (
        Path(args.reference) / "dvcqg-api"
        if (Path(args.reference) / "dvcqg-api").is_dir()
        else Path(args.reference)
    )
    if not ref_dir.is_dir():
        print(f"{ref_dir}: reference folder not found", file=sys.stderr)
        return 2
    ref = Reference(ref_dir)
    if args.stamp:
        n = sum(stamp_file(p, ref) for p in catalog_files(root) if "imported" not in p.parts)
        print(f"stamped {n} source hash(es)")
    catalog = load_catalog(root)
    drifts = check(catalog, ref)
    for d in drifts:
        print(d)
    total, flagged, sourced = fact_counts(catalog)
    print(
        f"{len(drifts)} drift(s); {sourced}/{total} curated facts cite a source; "
        f"{flagged}/{total} ({100 * flagged / max(total, 1):.1f} %) marked (*)"
    )
    return 1 if drifts else 0


def _stdin_question(line: str) -> str:
    """One stdin line of `match`: a JSON object with "q" (or "query", "text"), a JSON string, or
    plain text. A line that is not one of these JSON forms is read as the question itself."""
    raw = line.rstrip("\r\n")
    if raw.lstrip().startswith(("{", '"')):
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            for key in ("q", "query", "text"):
                if isinstance(value.get(key), str):
                    return str(value[key])
    return raw


def _match_obj(text: str, analysis: Analysis) -> dict[str, object]:
    """The `match` contract: query, matches (id, name, score, national code) and whether the message
    is administrative (true with no match: the bot says so and points to the national portal)."""
    return {
        "query": text,
        "matches": [
            {"id": m.id, "name": m.name, "score": m.score, "code": m.code} for m in analysis.matches
        ],
        "administrative": analysis.administrative,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tthc-bot", description="Trợ lý thủ tục hành chính")
    sub = parser.add_subparsers(dest="cmd", required=True)
    cat = sub.add_parser("catalog", help="catalogue tools").add_subparsers(
        dest="catalog_cmd", required=True
    )
    v = cat.add_parser("validate", help="check every catalogue file")
    v.add_argument("dir", nargs="?")
    v.add_argument("--config")
    imp = cat.add_parser("import-dvcqg", help="import national-portal records as catalogue YAML")
    imp.add_argument(
        "src",
        metavar="SRC_DIR",
        nargs="+",
        help="record folders, in order of authority (dvcqg-api first, then dvcqg)",
    )
    imp.add_argument("--out", required=True, metavar="DIR")
    imp.add_argument("--level", choices=["xa", "tinh", "bo", "all"], default="xa")
    imp.add_argument("--enrich", action="store_true")
    au = cat.add_parser("audit", help="check imported entries against their portal API records")
    au.add_argument("dir", nargs="?")
    au.add_argument("--config")
    au.add_argument(
        "--reference",
        required=True,
        metavar="DIR",
        help="folder holding dvcqg-api/ (or the dvcqg-api folder itself)",
    )
    au.add_argument(
        "--max-rate", type=float, default=1.0, help="percent of entries allowed a defect"
    )
    au.add_argument("--show", type=int, default=30, help="defective entries to list")
    dr = cat.add_parser("drift", help="facts whose source record changed or disagrees in a number")
    dr.add_argument("dir", nargs="?")
    dr.add_argument("--reference", default="../shared/reference", metavar="DIR")
    dr.add_argument(
        "--stamp",
        action="store_true",
        help="write the hash of cited records into facts lacking one",
    )
    dr.add_argument("--config")
    m = sub.add_parser(
        "match", help="rank procedures for a question (stdin: one JSON line per question)"
    )
    m.add_argument("--catalog")
    m.add_argument("--config")
    m.add_argument("--top", type=int, default=3)
    m.add_argument("--json", action="store_true")
    m.add_argument("text", nargs="*")
    c = sub.add_parser("check", help="validate catalogue + flows + config together")
    c.add_argument("--config")
    ch = sub.add_parser("chat", help="chat with the bot in the terminal")
    ch.add_argument("--config")
    ch.add_argument("--user", default="console")
    ch.add_argument(
        "--jsonl", action="store_true", help="JSON lines in and out (the evaluation contract)"
    )
    sv = sub.add_parser("serve", help="run the web chat, admin pages, Telegram and Zalo")
    sv.add_argument("--config")
    pg = sub.add_parser("purge", help="retention: delete data older than an age (e.g. 180d)")
    pg.add_argument("--older-than", required=True, metavar="AGE")
    pg.add_argument("--config")
    from bot.booking.admin import add_parser as add_booking_parser

    add_booking_parser(sub)
    from bot.feedback.commands import add_parsers as add_feedback_parsers

    add_feedback_parsers(sub)
    from bot.web.volunteer_admin import add_parser as add_volunteer_parser

    add_volunteer_parser(sub, command)
    return parser


def _key(args: argparse.Namespace) -> str:
    for attr in ("catalog_cmd", "bookings_cmd", "report_cmd", "volunteers_cmd"):
        sub = getattr(args, attr, None)
        if sub:
            return f"{args.cmd} {sub}"
    return str(args.cmd)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[_key(args)](args)
    except ContentError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
