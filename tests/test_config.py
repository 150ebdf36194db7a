"""Settings are declared once, documented in config.example.yaml, and checked with FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BY_NAME, SETTINGS, load_config
from bot.content.yamlio import ContentError, LineDict, load_yaml

ROOT = Path(__file__).resolve().parent.parent


def _names(data: LineDict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in data.items():
        name = prefix + key
        if isinstance(value, dict) and name not in BY_NAME:
            out |= _names(value, name + ".")  # type: ignore[arg-type]
        else:
            out.add(name)
    return out


def test_every_setting_is_documented_in_the_example() -> None:
    data, problems = load_yaml(ROOT / "config.example.yaml")
    assert problems == []
    documented = _names(data)
    assert {s.name for s in SETTINGS} - documented == set()
    assert documented - {s.name for s in SETTINGS} == set()


def test_example_loads_and_every_setting_has_a_comment() -> None:
    load_config(ROOT / "config.example.yaml", env={})
    lines = (ROOT / "config.example.yaml").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip() and not line.strip().startswith("#") and not line.rstrip().endswith(":"):
            assert lines[i - 1].strip().startswith("#"), f"line {i + 1} has no comment: {line}"


def test_environment_overrides_file(tmp_path: Path) -> None:
    cfg = load_config(
        ROOT / "config.example.yaml",
        env={"TTHC_TELEGRAM_TOKEN": "123:abc", "TTHC_WEB_PORT": "9000"},
    )
    assert cfg["telegram.token"] == "123:abc"
    assert cfg["web.port"] == 9000


def test_bad_config_reports_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("web:\n  port: many\n  colour: red\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_config(path, env={})
    messages = [str(p) for p in err.value.problems]
    assert f"{path}:2: 'web.port': invalid literal for int() with base 10: 'many'" in messages
    assert f"{path}:3: unknown setting 'web.colour'" in messages


def test_default_database_is_sqlite_under_data_dir(tmp_path: Path) -> None:
    cfg = load_config(None, env={"TTHC_DATA_DIR": str(tmp_path)})
    assert cfg.database_url == f"sqlite:///{tmp_path.resolve() / 'tthc.sqlite3'}"


def test_volunteer_ids_and_trusted_proxies_are_checked_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "volunteers:\n  ids: ['4242', 'telegram:1']\nweb:\n  trusted_proxies: [10.0.0.0/33]\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_config(path, env={})
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "config.yaml:2: volunteers.ids: '4242' must be telegram:<id> or zalo:<id>" in text
    assert "config.yaml:4: web.trusted_proxies: '10.0.0.0/33' is not an address or CIDR" in text
    assert "telegram:1" not in text
