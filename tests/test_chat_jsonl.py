"""`tthc-bot chat --jsonl`: the conversation contract evaluations use, through the real CLI process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from chat import ROOT


def run_jsonl(tmp_path: Path, lines: list[str]) -> tuple[int, list[dict[str, object]]]:
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--jsonl", "--config", str(config)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    return done.returncode, [json.loads(x) for x in done.stdout.splitlines()]


def test_one_object_per_line_users_apart_state_in_sqlite(tmp_path: Path) -> None:
    lines = [
        json.dumps({"user": "a", "text": "làm giấy khai sinh cho con"}, ensure_ascii=False),
        json.dumps({"user": "b", "text": "/start"}),
        "not json",
        "",
    ]
    code, out = run_jsonl(tmp_path, lines)
    assert code == 0
    assert len(out) == len(lines)
    first = out[0]["replies"]
    assert isinstance(first, list) and first
    assert "Đăng ký khai sinh" in first[0]["text"]
    payload = next(
        b["payload"] for r in first for b in r["buttons"] if "giấy tờ" in b["label"].lower()
    )
    assert "Xin chào" in out[1]["replies"][0]["text"]
    assert out[2]["replies"] == [] and "error" in out[2]
    assert out[3] == {"replies": []}
    # a second process continues user a's conversation from the SQLite store
    code, out = run_jsonl(tmp_path, [json.dumps({"user": "a", "button": payload})])
    assert code == 0 and "Câu hỏi 1/" in out[0]["replies"][-1]["text"]
    assert set(out[0]["replies"][-1]) == {"text", "buttons"}
