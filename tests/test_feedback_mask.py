"""Masking phone and ID-card numbers in comments: examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.feedback.mask import MIN_DIGITS, mask

SEPARATORS = " \t\n\r\x0b\x0c.-()"  # what may sit between the digits of one number
NO_DIGITS = st.text(st.characters(blacklist_categories=("Nd",)), max_size=30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Số tôi 0912345678 nhé", "Số tôi ********** nhé"),
        ("gọi 0912 345 678.", "gọi **** *** ***."),
        ("gọi 0912.345.678", "gọi ****.***.***"),
        ("gọi 091-234-5678", "gọi ***-***-****"),
        ("+84 912 345 678", "+** *** *** ***"),
        ("(+84)912345678", "(+**)*********"),
        ("(024) 3825 1234", "(***) **** ****"),
        ("0912 - 345 - 678", "**** - *** - ***"),
        ("máy bàn 024 3825 1234", "máy bàn *** **** ****"),
        ("CMND 123456789", "CMND *********"),
        ("CCCD: 001203004567, cảm ơn", "CCCD: ************, cảm ơn"),
        ("CCCD 0012 0300 4567", "CCCD **** **** ****"),
        ("sđt0912345678", "sđt**********"),
        (
            "ngày 12/05/2024 chờ 3 tiếng, lệ phí 50.000 đồng",
            "ngày 12/05/2024 chờ 3 tiếng, lệ phí 50.000 đồng",
        ),
        ("số nhà 12345678", "số nhà 12345678"),
        ("", ""),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert mask(text) == expected


def longest_run(text: str) -> int:
    """Digits in the longest run, where up to three separators may sit between digits."""
    best = digits = gap = 0
    for ch in text:
        if ch.isdecimal():
            digits = digits + 1 if gap <= 3 else 1
            gap = 0
            best = max(best, digits)
        elif (ch in SEPARATORS or ch.isspace()) and digits:
            gap += 1
            if gap > 3:
                digits = 0
        else:
            digits = gap = 0
    return best


def mobile() -> st.SearchStrategy[str]:
    """Vietnamese mobile numbers as people type them."""
    body = st.builds(
        lambda p, rest: p + rest,
        st.sampled_from("35789"),
        st.text("0123456789", min_size=8, max_size=8),
    )
    sep = st.sampled_from(["", " ", ".", "-", " - "])
    return st.builds(
        lambda prefix, b, s, split: prefix + s.join(_groups(b, split)),
        st.sampled_from(["0", "+84", "+84 ", "84", "(+84) ", "(+84)"]),
        body,
        sep,
        st.sampled_from([(9,), (3, 3, 3), (2, 3, 4), (3, 2, 2, 2)]),
    )


def id_card() -> st.SearchStrategy[str]:
    """CMND (9 digits) and CCCD (12 digits), plain or in groups."""
    digits = st.one_of(
        st.text("0123456789", min_size=9, max_size=9),
        st.text("0123456789", min_size=12, max_size=12),
    )
    return st.builds(
        lambda d, s: s.join(d[i : i + 3] for i in range(0, len(d), 3)),
        digits,
        st.sampled_from(["", " ", "."]),
    )


def _groups(body: str, sizes: tuple[int, ...]) -> list[str]:
    out, start = [], 0
    for size in sizes:
        out.append(body[start : start + size])
        start += size
    return out


@given(NO_DIGITS, st.one_of(mobile(), id_card()), NO_DIGITS)
@example("Gọi ", "0912 345 678", " giúp tôi")
def test_numbers_in_any_format_lose_every_digit(before: str, number: str, after: str) -> None:
    masked = mask(before + number + after)
    assert not any(ch.isdecimal() for ch in masked)
    assert len(masked) == len(before + number + after)


@given(st.text())
def test_properties_on_any_text(text: str) -> None:
    masked = mask(text)
    assert len(masked) == len(text)
    assert all(m == t or (t.isdecimal() and m == "*") for m, t in zip(masked, text, strict=True))
    assert longest_run(masked) < MIN_DIGITS
    assert mask(masked) == masked


@given(
    st.lists(
        st.one_of(
            st.text("0123456789", min_size=1, max_size=MIN_DIGITS - 1),
            st.text("abcđêơư ", min_size=1, max_size=8),
        ),
        max_size=12,
    )
)
def test_short_numbers_are_kept(parts: list[str]) -> None:
    text = " và ".join(parts)
    assert longest_run(text) < MIN_DIGITS
    assert mask(text) == text


@pytest.mark.parametrize(
    "typed",
    [
        "0912/345/678",
        "0912_345_678",
        "0912,345,678",
        "0912–345–678",
        "001/099/012/345",
        "0912 / 345 / 678",
    ],
)
def test_numbers_with_slashes_underscores_commas_and_dashes_are_masked(typed: str) -> None:
    masked = mask(f"sdt {typed} nhe")
    assert not any(ch.isdigit() for ch in masked), masked
