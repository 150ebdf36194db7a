"""The catalogue cache: a snapshot (JSON + arrays) that cannot run code, in a folder we own."""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import struct
from pathlib import Path

import pytest

from bot.content import snapshot
from bot.content.bundle import _fingerprint, load_catalog_dir, wait_for_cache
from bot.core.model import Fact

ROOT = Path(__file__).resolve().parent.parent


def _said(caplog: pytest.LogCaptureFixture) -> str:
    """Progress lines logged since the last call (no terminal under pytest: they go to the log)."""
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "bot.content.bundle")
    caplog.clear()
    return text


@pytest.fixture(scope="module")
def small_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalog") / "procedures_catalog"
    shutil.copytree(ROOT / "procedures_catalog", root, ignore=shutil.ignore_patterns("imported"))
    return root


def test_round_trip_keeps_types_and_shared_objects() -> None:
    fact = Fact("5 ngày", verify=True)
    value = {"a": (1, "x", (2,), [3, (4,)]), "b": [(), [], fact, fact], 7: {1.5, 2}, "big": 2**70}
    back = snapshot.loads(snapshot.dumps(value))
    assert back == value
    assert back["b"][2] is back["b"][3]
    assert isinstance(back["a"], tuple) and isinstance(back["a"][3], list)


def test_foreign_class_is_refused_on_save_and_on_load() -> None:
    with pytest.raises(snapshot.Unsupported):
        snapshot.dumps({"x": Path("/")})
    data = snapshot.dumps(Fact("a"))
    n_texts, size, count = struct.unpack_from("<QQI", data, len(snapshot.MAGIC))
    start = len(snapshot.MAGIC) + struct.calcsize("<QQI")
    texts = data[start : start + n_texts].decode().split("\x00")
    planted = [t.replace("bot.core.model:Fact", "subprocess:Popen") for t in texts]
    blob = "\x00".join(planted).encode()
    forged = (
        snapshot.MAGIC
        + struct.pack("<QQI", len(blob), size, count)
        + blob
        + data[start + n_texts :]
    )
    with pytest.raises(ValueError, match="outside bot"):
        snapshot.loads(forged)


def test_warm_start_reuses_the_snapshot_and_an_edit_invalidates_it(
    small_catalog: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.content.bundle")
    cache = tmp_path / "cache"
    cold = load_catalog_dir(small_catalog, cache_dir=cache)
    wait_for_cache()
    assert "catalogue entries ready" in _said(caplog)
    files = list(cache.glob("catalog-*.snap"))
    assert len(files) == 1 and (cache.stat().st_mode & 0o077) == 0
    warm = load_catalog_dir(small_catalog, cache_dir=cache)
    assert _said(caplog) == ""
    assert warm.catalog == cold.catalog
    question = "làm giấy khai sinh cho con"
    assert warm.matcher.match(question, 3) == cold.matcher.match(question, 3)
    entry = small_catalog / "ho-tich" / "khai-sinh.yaml"
    entry.write_text(entry.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    load_catalog_dir(small_catalog, cache_dir=cache)
    assert "catalogue entries ready" in _said(caplog)


def test_planted_pickle_or_foreign_writable_file_is_never_read(
    small_catalog: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.content.bundle")
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    name = f"catalog-{_fingerprint(small_catalog)}.snap"
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    (cache / name).write_bytes(pickle.dumps(Evil()))
    bundle = load_catalog_dir(small_catalog, cache_dir=cache)
    wait_for_cache()
    assert not marker.exists() and len(bundle.catalog) > 0
    assert "catalogue entries ready" in _said(caplog)
    path = cache / name
    path.chmod(0o666)  # writable by others: not trusted even when well formed
    load_catalog_dir(small_catalog, cache_dir=cache)
    assert "catalogue entries ready" in _said(caplog)


def test_snapshot_has_no_code_only_data(small_catalog: Path, tmp_path: Path) -> None:
    load_catalog_dir(small_catalog, cache_dir=tmp_path, progress=False)
    wait_for_cache()
    data = next(tmp_path.glob("catalog-*.snap")).read_bytes()
    n_texts, size, _ = struct.unpack_from("<QQI", data, len(snapshot.MAGIC))
    start = len(snapshot.MAGIC) + struct.calcsize("<QQI")
    doc = json.loads(data[start + n_texts : start + n_texts + size])
    texts = data[start : start + n_texts].decode().split("\x00")
    classes = {texts[path] for path, *_ in doc["classes"]}
    assert classes and all(c.startswith("bot.") for c in classes)


def test_lists_starting_with_false_or_zero_are_not_tuples() -> None:
    value = [[False, True], [0.0, 1.5], [0, 1], (), (False,)]
    back = snapshot.loads(snapshot.dumps(value))
    assert back == value and [type(v) for v in back] == [list, list, list, tuple, tuple]


def test_fields_left_at_their_default_come_back_in_field_order() -> None:
    facts = [Fact("a"), Fact("b", verify=True, note="n"), Fact("", valid_until="2030-01-01")]
    back = snapshot.loads(snapshot.dumps(facts))
    assert back == facts
    assert [vars(f) for f in back] == [vars(f) for f in facts]
    assert [list(vars(f)) for f in back] == [list(vars(f)) for f in facts]


def test_a_left_out_attribute_must_have_a_default() -> None:
    data = snapshot.dumps(Fact("a"))
    n_texts, size, count = struct.unpack_from("<QQI", data, len(snapshot.MAGIC))
    start = len(snapshot.MAGIC) + struct.calcsize("<QQI")
    doc = json.loads(data[start + n_texts : start + n_texts + size])
    path, names, omitted = doc["classes"][0]
    doc["classes"][0] = [path, names, names]  # `text` has no default
    body = json.dumps(doc, separators=(",", ":")).encode()
    forged = (
        snapshot.MAGIC
        + struct.pack("<QQI", n_texts, len(body), count)
        + data[start : start + n_texts]
        + body
        + data[start + n_texts + size :]
    )
    with pytest.raises(ValueError, match="no default"):
        snapshot.loads(forged)
