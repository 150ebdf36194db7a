"""Conversation tests as data (tests/conversations/*.yaml) through the real engine and a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat import ROOT
from conversation_runner import run

from bot.app import build
from bot.config import load_config
from bot.core.engine import Engine

FOLDER = ROOT / "tests" / "conversations"
FILES = sorted(FOLDER.glob("*.yaml"))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    tmp = tmp_path_factory.mktemp("conversations")
    cfg = load_config(None, env={}).with_overrides(data_dir=str(tmp / "data"))
    return build(cfg).engine()  # the SQLite state store, as every channel


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_conversation(engine: Engine, path: Path) -> None:
    result = run(engine, path)
    assert not result.failures, "\n".join(result.failures)


def test_there_are_enough_conversations() -> None:
    assert len(FILES) >= 200, "the issue asks for at least 200 conversations"
