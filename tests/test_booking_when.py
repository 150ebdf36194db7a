"""Typed days and times in Vietnamese (bot/booking/when.py), relative to a fixed today."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.booking.when import When, parse_when

FRIDAY = dt.date(2026, 12, 4)  # Friday 4/12/2026


def d(day: int, month: int = 12, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


@pytest.mark.parametrize(
    ("text", "day", "part"),
    [
        ("mai", d(5), None),
        ("ngày mai", d(5), None),
        ("sáng mai", d(5), "sang"),
        ("sang mai", d(5), "sang"),
        ("chiều mai nhé", d(5), "chieu"),
        ("ngày kia", d(6), None),
        ("ngay mot", d(6), None),
        ("mốt", d(6), None),
        ("hôm nay", d(4), None),
        ("chiều nay", d(4), "chieu"),
        ("thứ 4 tuần sau", d(9), None),
        ("thu tu tuan sau", d(9), None),
        ("thứ hai tuần tới", d(7), None),
        ("t2", d(7), None),
        ("thứ ba", d(8), None),
        ("chiều thứ sáu", d(4), "chieu"),
        ("thứ sáu tuần sau", d(11), None),
        ("chủ nhật", d(6), None),
        ("15/12", d(15), None),
        ("15-12", d(15), None),
        ("ngày 15/12/2026", d(15), None),
        ("15 tháng 12", d(15), None),
        ("5/1", d(5, 1, 2027), None),
        ("ngày 20", d(20), None),
        ("ngày 2", d(2, 1, 2027), None),
        ("tối thứ 2", d(7), "toi"),
    ],
)
def test_days(text: str, day: dt.date, part: str | None) -> None:
    found = parse_when(text, FRIDAY)
    assert found is not None and (found.day, found.part) == (day, part)


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("17h45", dt.time(17, 45)),
        ("6h tối", dt.time(18, 0)),
        ("5 giờ 30 chiều", dt.time(17, 30)),
        ("8g30", dt.time(8, 30)),
        ("18:00", dt.time(18, 0)),
        ("thứ 4 tuần sau lúc 17h30", dt.time(17, 30)),
    ],
)
def test_times(text: str, time: dt.time) -> None:
    found = parse_when(text, FRIDAY)
    assert found is not None and found.time == time


@pytest.mark.parametrize("text", ["việt hưng", "khai sinh", "quay lại", "31/2", "ok"])
def test_no_day_or_time_is_none(text: str) -> None:
    assert parse_when(text, FRIDAY) is None


def test_fits_by_part_and_time() -> None:
    assert When(part="sang").fits(dt.time(8, 0)) and not When(part="sang").fits(dt.time(14, 0))
    assert When(part="toi").fits(dt.time(17, 30)) and When(part="chieu").fits(dt.time(17, 30))
    assert When(time=dt.time(17, 45)).fits(dt.time(17, 45))
    assert not When(time=dt.time(17, 45)).fits(dt.time(18, 0))


def test_the_pronoun_toi_is_not_the_evening() -> None:
    """ "tôi" folds to "toi" like "tối": typed with its marks it is "I", not a part of the day."""
    assert parse_when("thôi, tôi hỏi đăng ký kết hôn", FRIDAY) is None
    when = parse_when("mai tôi đi làm căn cước", FRIDAY)
    assert when is not None and when.part is None
    evening = parse_when("tối thứ 6", FRIDAY)
    assert evening is not None and evening.part == "toi"


@pytest.mark.parametrize(
    ("text", "day", "part", "time"),
    [
        ("next Wednesday at 9 am", dt.date(2026, 12, 9), "sang", dt.time(9, 0)),
        ("tomorrow afternoon", dt.date(2026, 12, 5), "chieu", None),
        ("Friday 3:30 pm", dt.date(2026, 12, 4), "chieu", dt.time(15, 30)),
    ],
)
def test_english_days_and_times(
    text: str, day: dt.date, part: str | None, time: dt.time | None
) -> None:
    assert parse_when(text, FRIDAY) == When(day, part, time)
