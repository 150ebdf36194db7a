"""`tthc-bot check` on flows: unknown or unreachable steps, missing texts, dead ends, silent loops."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from chat import ROOT


def _check(tmp_path: Path, edit: dict[str, str]) -> subprocess.CompletedProcess[str]:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    for name, text in edit.items():
        (flows / name).write_text(text, encoding="utf-8")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"flows:\n  dir: {flows}\ndata_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_shipped_flows_pass(tmp_path: Path) -> None:
    done = _check(tmp_path, {})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK:")


BROKEN = """id: extra
start: a
steps:
  a:
    say: welcome
    next: b
  b:
    action: show_choices
    on:
      shown: ghost
  c:
    say: no_such_text
    wait: true
  d:
    say: help
  e:
    next: f
  f:
    next: e
"""


def test_broken_flow_reports_every_problem_with_file_and_line(tmp_path: Path) -> None:
    done = _check(tmp_path, {"extra.yaml": BROKEN})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()

    def has(pattern: str) -> bool:
        return any(re.search(pattern, line) for line in lines)

    assert has(r"extra\.yaml:10: step 'extra\.b' goes to unknown step 'extra\.ghost'")
    assert has(r"extra\.yaml:12: step 'extra\.c': missing text key 'no_such_text'")
    assert has(r"extra\.yaml:14: step 'extra\.d' is a dead end")
    assert has(r"extra\.yaml:11: step 'extra\.c' is unreachable")
    assert has(r"extra\.yaml:\d+: loop without a waiting step: extra\.[ef] -> extra\.[ef]")


def test_flow_yaml_syntax_error(tmp_path: Path) -> None:
    done = _check(tmp_path, {"extra.yaml": "id: extra\nsteps: [\n"})
    assert done.returncode == 1
    assert re.search(r"extra\.yaml:\d+: YAML syntax error", done.stderr)
