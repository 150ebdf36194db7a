"""Deep-link payloads, office codes and the QR files themselves."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.feedback import qr
from bot.feedback.offices import Offices, load_offices


def test_payloads_and_links() -> None:
    assert qr.payload("phuong-a") == "fb-phuong-a"
    assert qr.payload("phuong-a", "quay-3") == "fb-phuong-a-quay-3"
    assert qr.telegram_link("@tthc_bot", "fb-phuong-a") == "https://t.me/tthc_bot?start=fb-phuong-a"
    assert (
        qr.zalo_link("579745863508352884", "fb-x")
        == "https://zalo.me/579745863508352884?start=fb-x"
    )


@pytest.mark.parametrize(("office", "counter"), [("a" * 62, ""), ("phường", ""), ("a", "quầy 1")])
def test_payloads_telegram_would_refuse(office: str, counter: str) -> None:
    with pytest.raises(ValueError):
        qr.payload(office, counter)


def test_office_codes_split_on_the_longest_known_office() -> None:
    offices = Offices({"phuong-viet-hung": "P", "cong-an-phuong-viet-hung": "CA"})
    assert offices.split("phuong-viet-hung") == ("phuong-viet-hung", "")
    assert offices.split("phuong-viet-hung-quay-2") == ("phuong-viet-hung", "quay-2")
    assert offices.split("cong-an-phuong-viet-hung-cb-07") == ("cong-an-phuong-viet-hung", "cb-07")
    assert offices.split("phuong-khac") is None
    assert Offices({}).split("bat-ky-ma-nao") == ("bat-ky-ma-nao", "")
    assert Offices({}).valid("xa-a") and not Offices({}).valid("Xã A")


def test_office_files_in_any_simple_shape(tmp_path: Path) -> None:
    folder = tmp_path / "offices"
    folder.mkdir()
    (folder / "one.yaml").write_text("id: xa-a\nname: Xã A\nsessions: []\n", encoding="utf-8")
    (folder / "many.yaml").write_text(
        "offices:\n  - {id: xa-b, name: Xã B}\n  - {id: xa-c}\n", encoding="utf-8"
    )
    (folder / "calendar.yaml").write_text("closures: []\n", encoding="utf-8")
    (folder / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    assert load_offices(tmp_path).names == {"xa-a": "Xã A", "xa-b": "Xã B", "xa-c": "xa-c"}
    assert load_offices(tmp_path / "nowhere").names == {}


def test_svg_is_well_formed_and_escapes_the_caption() -> None:
    root = ET.fromstring(qr.svg("https://t.me/b?start=fb-a", ["A & B <C>", "Quét mã"]))
    assert [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")] == [
        "A & B <C>",
        "Quét mã",
    ]


def test_png_has_the_signature(tmp_path: Path) -> None:
    path = qr.write_png("https://t.me/b?start=fb-a", ["Xã A"], tmp_path / "a.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
