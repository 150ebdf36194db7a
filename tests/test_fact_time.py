"""Time-bound facts stop being stated after valid_until; the '(*)' footnote is said once per conversation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.cli import main
from bot.content.catalog import load_catalog
from bot.content.flows import load_flows
from bot.core import guide
from bot.core.render import Renderer
from tests.chat import Chat, make_config, make_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    flows, problems = load_flows(ROOT / "flows")
    assert not problems
    return Renderer(flows)


def test_an_expired_fact_is_not_stated(renderer: Renderer) -> None:
    catalog = load_catalog(ROOT / "procedures_catalog")
    cc = catalog.get("cap-the-can-cuoc")
    assert cc is not None and cc.fee.valid_until == "2026-12-31"
    live = dataclasses.replace(cc, fee=dataclasses.replace(cc.fee, valid_until="2999-12-31"))
    assert "50.000 đồng" in renderer.full_card(catalog, live)
    ended = dataclasses.replace(cc, fee=dataclasses.replace(cc.fee, valid_until="2001-01-31"))
    for card in (renderer.full_card(catalog, ended), renderer.card(catalog, ended)):
        assert "50.000 đồng" not in card and "Làm thẻ lần đầu" not in card
        assert "31/01/2001" in card and "hiện hành" in card
    assert guide.stated(cc.fee, "2026-12-31") and not guide.stated(cc.fee, "2027-01-01")


def test_check_warns_thirty_days_ahead(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = load_catalog(ROOT / "procedures_catalog")
    soon = guide.expiring(catalog, 30, on="2026-12-04")
    assert [(p.id, b) for p, b, _ in soon] == [("cap-the-can-cuoc", "fee")]
    assert guide.expiring(catalog, 30, on="2026-11-30") == []
    assert main(["check"]) == 0
    if guide.today() >= "2026-12-01":
        err = capsys.readouterr().err
        assert (
            "cap-the-can-cuoc.yaml:" in err
            and "warning: cap-the-can-cuoc fee" in err
            and "2026-12-31" in err
        )


def test_footnote_is_said_once_per_conversation(tmp_path: Path) -> None:
    engine = make_engine(make_config(tmp_path))
    chat = Chat(engine)
    note = "(*) Dòng có dấu (*)"
    chat.say("người thân vừa mất cần làm gì")
    first = chat.text
    assert "(*)" in first and note in first
    chat.say("/start")
    chat.say("đăng ký tạm trú")
    second = chat.text
    assert "(*)" in second and note not in second
