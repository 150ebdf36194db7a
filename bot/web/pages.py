"""Small server-rendered HTML pages for staff; every value is escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from aiohttp import web

HEAD = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/admin.css"></head><body>
<header><a href="/admin">tthc-bot · quản trị</a>
<nav><a href="/admin">Nội dung</a><a href="/admin/bookings">Lịch hẹn</a>
<a href="/admin/feedback">Góp ý</a><a href="/admin/fact-reports">Báo sai</a></nav></header><main><h1>{title}</h1>"""
TAIL = "</main></body></html>"


def page(title: str, body: str, status: int = 200) -> web.Response:
    """A whole admin page around an already-escaped body."""
    html = HEAD.format(title=escape(title)) + body + TAIL
    return web.Response(
        text=html,
        content_type="text/html",
        status=status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


def table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An HTML table."""
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def section(title: str, inner: str) -> str:
    """A titled block."""
    return f"<section><h2>{escape(title)}</h2>{inner}</section>"


def para(text: str, cls: str = "") -> str:
    """An escaped paragraph."""
    attr = f' class="{escape(cls)}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


def unavailable(what: str) -> str:
    """The notice for a feature this installation does not have."""
    return para(f"{what}: not available (chức năng chưa được cài đặt).", "muted")


def login_page(status: int = 401, message: str = "") -> web.Response:
    """The token form; the token is posted once and a session cookie kept."""
    note = para(message, "error") if message else ""
    form = (
        '<form method="post" action="/admin/login" class="login">'
        '<label>Mã quản trị (admin.token) <input type="password" name="token" '
        'autocomplete="current-password" required autofocus></label>'
        '<button type="submit">Đăng nhập</button></form>'
    )
    return page("Đăng nhập quản trị", note + form, status=status)
