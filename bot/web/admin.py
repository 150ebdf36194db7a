"""Admin pages: content status, bookings per office and day, feedback charts and CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from html import escape
from urllib.parse import urlencode

from aiohttp import web

from bot.feedback.export import spreadsheet_safe
from bot.web.auth import COOKIE, COOKIE_MAX_AGE, admin_only, login_ok
from bot.web.clients import cross_site, https_of
from bot.web.pages import login_page, page, para, section, table, unavailable
from bot.web.reports import CHARTS
from bot.web.runtime import RUNTIME, Runtime


def _content_section(rt: Runtime) -> str:
    content = rt.engine.content
    fields: dict[str, int] = {}
    for proc in content.catalog:
        fields[proc.field] = fields.get(proc.field, 0) + 1
    lines = [
        para(
            f"{len(content.catalog)} thủ tục, {len(content.flows.steps)} bước hội thoại. "
            f"Thư mục: {rt.cfg['catalog.dir']} · {rt.cfg['flows.dir']}"
        )
    ]
    lines.append(table(("Lĩnh vực", "Số thủ tục"), sorted(fields.items())))
    problems = rt.reloader.last_problems
    if problems:
        lines.append(
            para(
                f"Lần sửa gần nhất bị từ chối ({len(problems)} lỗi); bot vẫn dùng nội dung cũ:",
                "error",
            )
        )
        lines.append(table(("Tệp", "Dòng", "Lỗi"), ((p.file, p.line, p.message) for p in problems)))
    else:
        lines.append(para("Nội dung và luồng hội thoại hợp lệ.", "ok"))
    return section("Danh mục thủ tục và luồng hội thoại", "".join(lines))


def _channels_section(rt: Runtime) -> str:
    rows = [(name, "đang chạy") for name in rt.channels]
    rows += [(name, f"lỗi: {why}") for name, why in rt.failed.items()]
    return section("Kênh", table(("Kênh", "Trạng thái"), rows))


@admin_only
async def dashboard(request: web.Request) -> web.Response:
    """Content and flow status, channels."""
    rt = request.app[RUNTIME]
    return page("Tình trạng hệ thống", _content_section(rt) + _channels_section(rt))


@admin_only
async def status_json(request: web.Request) -> web.Response:
    """The same status for scripts."""
    rt = request.app[RUNTIME]
    problems = [
        {"file": p.file, "line": p.line, "message": p.message} for p in rt.reloader.last_problems
    ]
    return web.json_response(
        {
            "procedures": len(rt.engine.content.catalog),
            "flow_steps": len(rt.engine.content.flows.steps),
            "problems": problems,
            "channels": sorted(rt.channels),
            "failed_channels": rt.failed,
        }
    )


async def login(request: web.Request) -> web.Response:
    """Check the posted token and set the session cookie. Another site's form is refused before
    anything is counted (it could otherwise spend the admin's own attempts)."""
    if cross_site(request):
        return web.Response(status=403, text="cross-site login refused")
    form = await request.post()
    refusal = login_ok(request, str(form.get("token", "")))
    if refusal is not None:
        if refusal.status == 401:
            return login_page(status=401, message="Mã không đúng.")
        return refusal
    sessions = request.app[RUNTIME].admin_sessions
    session = await asyncio.to_thread(sessions.issue, dt.timedelta(seconds=COOKIE_MAX_AGE))
    response = web.HTTPSeeOther("/admin")
    response.set_cookie(
        COOKIE,
        session,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Strict",
        path="/admin",
        secure=https_of(request),
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the session on the server (the old cookie stops working) and in the browser."""
    if cross_site(request):
        return web.Response(status=403, text="cross-site logout refused")
    cookie = request.cookies.get(COOKIE, "")
    if cookie:
        await asyncio.to_thread(request.app[RUNTIME].admin_sessions.revoke, cookie)
    response = web.HTTPSeeOther("/admin")
    response.del_cookie(COOKIE, path="/admin")
    raise response


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@admin_only
async def bookings(request: web.Request) -> web.Response:
    """Bookings of one office on one day (or all, when not given)."""
    rt = request.app[RUNTIME]
    office = request.query.get("office", "")
    day = _day(request.query.get("day", ""))
    form = (
        '<form method="get" class="filters"><label>Cơ quan <input name="office" value="'
        f'{escape(office)}"></label><label>Ngày <input type="date" name="day" value="'
        f'{day.isoformat() if day else ""}"></label><button>Xem</button></form>'
    )
    result = await asyncio.to_thread(rt.reports.bookings, office, day)
    if result is None:
        return page("Lịch hẹn nộp hồ sơ", form + unavailable("Đặt lịch"))
    query = urlencode({"office": office, "day": day.isoformat() if day else ""})
    link = (
        f'<p><a class="button" href="/admin/bookings.csv?{escape(query)}" download>Tải CSV</a></p>'
    )
    summary = para(f"{len(result.rows)} lịch hẹn.")
    return page("Lịch hẹn nộp hồ sơ", form + summary + table(result.head, result.rows) + link)


@admin_only
async def bookings_csv(request: web.Request) -> web.Response:
    """The same bookings as a CSV download."""
    rt = request.app[RUNTIME]
    day = _day(request.query.get("day", ""))
    result = await asyncio.to_thread(rt.reports.bookings, request.query.get("office", ""), day)
    if result is None:
        raise web.HTTPNotFound()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(result.head)
    writer.writerows([spreadsheet_safe(c) for c in row] for row in result.rows)
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="lich-hen.csv"',
        },
    )


@admin_only
async def feedback(request: web.Request) -> web.Response:
    """The satisfaction report, its charts and the CSV link."""
    rt = request.app[RUNTIME]
    text = await asyncio.to_thread(rt.reports.feedback_text)
    if text is None:
        return page("Góp ý, đánh giá", unavailable("Góp ý"))
    charts = "".join(f'<img src="/admin/feedback/{name}.png" alt="{name}">' for name in CHARTS)
    body = (
        f"<pre>{escape(text)}</pre>{charts}"
        '<p><a class="button" href="/admin/feedback.csv" download>Tải CSV</a></p>'
    )
    return page("Góp ý, đánh giá", body)


@admin_only
async def feedback_chart(request: web.Request) -> web.Response:
    """One chart as PNG."""
    rt = request.app[RUNTIME]
    png = await asyncio.to_thread(rt.reports.feedback_chart, request.match_info["name"])
    if png is None:
        raise web.HTTPNotFound()
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})


@admin_only
async def feedback_csv(request: web.Request) -> web.Response:
    """Every response as a CSV download."""
    rt = request.app[RUNTIME]
    data = await asyncio.to_thread(rt.reports.feedback_csv)
    if data is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=data,
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="gop-y.csv"',
            "Cache-Control": "no-store",
        },
    )


@admin_only
async def fact_reports(request: web.Request) -> web.Response:
    """ "Thông tin này sai?" reports per entry and field, with where the field stands in its file."""
    rt = request.app[RUNTIME]
    counts = await asyncio.to_thread(rt.reports.fact_reports)
    if counts is None:
        return page("Báo thông tin sai", unavailable("Báo thông tin sai"))
    catalog = rt.engine.content.catalog
    rows = []
    for c in counts:
        proc = catalog.get(c.entry)
        block = "documents" if c.field.startswith("document") else c.field
        where = f"{proc.source_file}:{proc.line(block)}" if proc else "(không còn trong danh mục)"
        rows.append(
            (
                c.entry,
                proc.name if proc else "",
                c.field,
                c.count,
                f"{c.last_at:%d/%m/%Y %H:%M}",
                where,
            )
        )
    body = para(
        f"{sum(c.count for c in counts)} lượt báo, {len({c.entry for c in counts})} thủ tục."
    )
    body += table(
        ("Mã mục", "Thủ tục", "Mục bị báo", "Số người báo", "Lần gần nhất", "Tệp:dòng"), rows
    )
    return page("Báo thông tin sai", body)


def register(app: web.Application) -> None:
    """Add the admin routes."""
    app.router.add_get("/admin", dashboard)
    app.router.add_get("/admin/status.json", status_json)
    app.router.add_post("/admin/login", login)
    app.router.add_post("/admin/logout", logout)
    app.router.add_get("/admin/bookings", bookings)
    app.router.add_get("/admin/bookings.csv", bookings_csv)
    app.router.add_get("/admin/feedback", feedback)
    app.router.add_get("/admin/feedback.csv", feedback_csv)
    app.router.add_get("/admin/feedback/{name}.png", feedback_chart)
    app.router.add_get("/admin/fact-reports", fact_reports)
