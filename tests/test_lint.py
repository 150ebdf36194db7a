"""The code stays ruff-clean (pyproject's rules), so style is enforced by the test suite too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is part of the test extra"
    done = subprocess.run(
        [ruff, "check", "bot", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


FORMATTED = [
    "bot/core/engine.py",
    "bot/core/state.py",
    "bot/core/feature.py",
    "bot/core/understand.py",
    "bot/core/conversation.py",
    "bot/core/answers.py",
    "bot/core/actions.py",
    "bot/core/render.py",
    "bot/core/volunteer.py",
    "bot/app.py",
    "bot/channels/jsonl.py",
    "scripts/make_conversations.py",
    "scripts/conversation_stats.py",
    "tests/test_conversations.py",
    "tests/conversation_runner.py",
    "tests/test_state.py",
    "tests/test_yes_no.py",
    "tests/test_texts.py",
    "tests/test_chat_jsonl.py",
    "tests/test_web_history.py",
    "tests/test_delivery_contract.py",
]


def test_ruff_format_is_applied() -> None:
    """`ruff format` on the parts rewritten for issue 11 (the rest follows as files are touched)."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff
    done = subprocess.run(
        [ruff, "format", "--check", *FORMATTED], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean() -> None:
    """mypy on bot/ (strict on bot/core), configured in pyproject.toml."""
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
