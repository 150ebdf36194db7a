"""Conversation tests as data (tests/conversations/*.yaml) through the real engine and a real SQLite store.

`tests/conversations/blind/` holds conversations written blind by other writers (copied unchanged);
those listed in its `known_failing.yaml` are expected to fail, each with its first failure
(`scripts/conversation_stats.py tests/conversations/blind` shows which pass now).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from chat import ROOT
from conversation_runner import run

from bot.app import build
from bot.config import load_config
from bot.core.engine import Engine

FOLDER = ROOT / "tests" / "conversations"
FILES = sorted(FOLDER.glob("*.yaml"))
BLIND = sorted((FOLDER / "blind").glob("*.yaml"))
KNOWN = FOLDER / "blind" / "known_failing.yaml"
KNOWN_FAILING: dict[str, str] = (
    yaml.safe_load(KNOWN.read_text(encoding="utf-8")) or {} if KNOWN.exists() else {}
)
BLIND = [p for p in BLIND if p.name != KNOWN.name]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    tmp = tmp_path_factory.mktemp("conversations")
    cfg = load_config(None, env={}).with_overrides(data_dir=str(tmp / "data"))
    return build(cfg).engine()  # the SQLite state store, as every channel


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_conversation(engine: Engine, path: Path) -> None:
    result = run(engine, path)
    assert not result.failures, "\n".join(result.failures)


@pytest.mark.parametrize("path", BLIND, ids=[p.stem for p in BLIND])
def test_blind_conversation(engine: Engine, path: Path) -> None:
    result = run(engine, path, prefix="blind:")
    if result.failures and path.name.startswith("booking-"):  # free slots depend on today's date
        pytest.xfail(
            KNOWN_FAILING.get(path.name, "booking dialogue (issue 15): " + result.failures[0])
        )
    if path.name in KNOWN_FAILING and result.failures:
        pytest.xfail(KNOWN_FAILING[path.name])
    assert not result.failures, "\n".join(result.failures)


def test_there_are_enough_conversations() -> None:
    assert len(FILES) >= 200, "the issue asks for at least 200 conversations"
