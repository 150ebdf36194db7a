"""`tthc-bot qr` and `tthc-bot report feedback` run as the admin runs them, in a subprocess."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from feedback_support import ROWS

from bot.config import ROOT
from bot.feedback import qr
from bot.feedback.store import FeedbackStore
from bot.storage.db import make_engine

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
OFFICE_NAME = "Bộ phận Một cửa xã Thử Nghiệm & Cộng sự"


def tthc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A configuration whose catalogue folder has one office file (the flows are the real ones)."""
    catalog = tmp_path / "catalog"
    (catalog / "offices").mkdir(parents=True)
    (catalog / "offices" / "xa-thu-nghiem.yaml").write_text(
        f"id: xa-thu-nghiem\nname: {OFFICE_NAME}\n", encoding="utf-8"
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        f"catalog:\n  dir: {catalog}\nflows:\n  dir: {ROOT / 'flows'}\n"
        f"telegram:\n  bot_username: tthc_test_bot\n",
        encoding="utf-8",
    )
    return path


def test_qr_writes_png_and_svg_for_telegram_and_zalo(tmp_path: Path, config: Path) -> None:
    done = tthc(
        "qr",
        "--office",
        "xa-thu-nghiem",
        "--counter",
        "quay-2",
        "--zalo-oa",
        "1234567890",
        "--out",
        "codes",
        "--config",
        str(config),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    telegram = "https://t.me/tthc_test_bot?start=fb-xa-thu-nghiem-quay-2"
    assert (
        telegram in done.stdout
        and "https://zalo.me/1234567890?start=fb-xa-thu-nghiem-quay-2" in done.stdout
    )
    names = sorted(p.name for p in (tmp_path / "codes").iterdir())
    assert names == [
        f"xa-thu-nghiem-quay-2-{c}.{x}" for c in ("telegram", "zalo") for x in ("png", "svg")
    ]
    png = tmp_path / "codes" / "xa-thu-nghiem-quay-2-telegram.png"
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert_png_modules(png, qr.matrix(telegram))
    root = ET.parse(tmp_path / "codes" / "xa-thu-nghiem-quay-2-telegram.svg").getroot()
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["Bộ phận Một cửa xã Thử Nghiệm &", "Cộng sự"]
    assert root.find(f"{SVG}path") is not None


def assert_png_modules(path: Path, modules: np.ndarray) -> None:
    """Every module of the code sits pixel-exact in the top of the image."""
    image = matplotlib.image.imread(path)[..., :3].mean(axis=2)
    px = qr.PNG_MODULE_PX
    centres = image[px // 2 : modules.shape[0] * px : px, px // 2 : modules.shape[1] * px : px]
    assert np.array_equal(centres < 0.5, modules.astype(bool))


def test_qr_refuses_an_unknown_office_and_a_missing_bot(tmp_path: Path, config: Path) -> None:
    unknown = tthc("qr", "--office", "khong-co", "--config", str(config), cwd=tmp_path)
    assert (unknown.returncode, "xa-thu-nghiem" in unknown.stderr) == (1, True)
    bare = tmp_path / "bare.yaml"
    bare.write_text(
        config.read_text(encoding="utf-8").replace("tthc_test_bot", "''"), encoding="utf-8"
    )
    missing = tthc("qr", "--office", "xa-thu-nghiem", "--config", str(bare), cwd=tmp_path)
    assert missing.returncode == 2 and "--bot-username" in missing.stderr


def test_report_feedback(tmp_path: Path, config: Path, db_url: str) -> None:
    engine = make_engine(db_url)
    store = FeedbackStore(engine)
    for row in ROWS:
        store.add(row)
    engine.dispose()
    config.write_text(
        config.read_text(encoding="utf-8") + f"database:\n  url: {db_url}\n", encoding="utf-8"
    )
    done = tthc(
        "report",
        "feedback",
        "--config",
        str(config),
        "--csv",
        "out/all.csv",
        "--charts",
        "charts",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Số phản hồi: 8\nHài lòng chung: TB 3.43/5 · hài lòng 57.1% (4/7)\n" in done.stdout
    assert "  2025-01: 3 phản hồi · TB 3.67/5 · hài lòng 66.7% (2/3)" in done.stdout
    with (tmp_path / "out" / "all.csv").open(encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.DictReader(f))) == 8
    charts = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert charts == ["groups.png", "groups.svg", "monthly-index.png", "monthly-index.svg"]
    february = tthc(
        "report",
        "feedback",
        "--config",
        str(config),
        "--office",
        "phuong-a",
        "--from",
        "2025-02-01",
        "--to",
        "2025-02-28",
        cwd=tmp_path,
    )
    assert "Số phản hồi: 2\nHài lòng chung: TB 4.50/5 · hài lòng 100.0% (2/2)\n" in february.stdout
