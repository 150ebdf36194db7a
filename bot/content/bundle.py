"""Everything the core needs from the catalogue folder, loaded and checked together.

Parsing ~5,700 YAML files and building the matcher's index takes seconds, so a checked bundle is
cached as a snapshot (`bot/content/snapshot.py`: JSON + NumPy arrays, never pickle — loading it
cannot run code) in a folder this user owns (0700), keyed by every catalogue file's path, size
and mtime and by the code that builds it: any edit, to content or code, invalidates it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.content import snapshot
from bot.content.catalog import check_catalog
from bot.content.lexicon import MODEL_FILE, load_lexicon, load_models
from bot.content.yamlio import ContentError, Problem
from bot.core.matcher import Matcher
from bot.core.model import Catalog

log = logging.getLogger(__name__)
CACHE_VERSION = 2
CODE_DIRS = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "core")
MAX_CACHE_BYTES = 512 * 1024 * 1024


def _code_fingerprint() -> str:
    """The code and model files that build the bundle, as imported now (a later edit must not
    reuse old caches)."""
    h = hashlib.sha256()
    for f in sorted(
        [
            *(p for d in CODE_DIRS for p in d.glob("*.py")),
            *(p for ext in ("*.json", "*.npz") for p in MODEL_FILE.parent.glob(ext)),
        ]
    ):
        h.update(f.read_bytes())
    return h.hexdigest()


CODE_FINGERPRINT = _code_fingerprint()


@dataclass(frozen=True)
class CatalogBundle:
    catalog: Catalog
    matcher: Matcher


def check_content(root: Path) -> tuple[Catalog, list[Problem]]:
    """Check the catalogue and its lexicon without indexing them (`catalog validate`: the
    matcher's index, a minute to build cold, finds no problem of its own)."""
    catalog, problems = check_catalog(root)
    return catalog, problems + load_lexicon(root)[2]


def check_catalog_dir(root: Path) -> tuple[CatalogBundle | None, list[Problem]]:
    """Load catalogue + lexicon; return (bundle or None, every problem)."""
    catalog, problems = check_catalog(root)
    lexicon, topics, lex_problems = load_lexicon(root)
    problems = problems + lex_problems
    if problems:
        return None, problems
    return CatalogBundle(catalog, Matcher(catalog, lexicon, topics, load_models())), []


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tthc-bot"


def _fingerprint(root: Path) -> str:
    h = hashlib.sha256(f"{CACHE_VERSION}:{CODE_FINGERPRINT}:{root.resolve()}".encode())
    for f in sorted(root.rglob("*.yaml")):
        try:
            st = f.stat()
        except OSError:
            continue
        h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:32]


def _read_cache(path: Path) -> CatalogBundle | None:
    if not snapshot.trusted_file(path):
        return None
    try:
        if path.stat().st_size > MAX_CACHE_BYTES:
            return None
        with path.open("rb") as fh:
            bundle = snapshot.load(fh)
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
        ImportError,
    ) as exc:
        log.warning("catalogue cache %s ignored: %s", path.name, exc)
        return None
    return bundle if isinstance(bundle, CatalogBundle) else None


_WRITERS: list[threading.Thread] = []


def wait_for_cache() -> None:
    """Wait until every snapshot being written in the background is on disk (tests, benches)."""
    while _WRITERS:
        _WRITERS.pop().join()


def _write_cache(folder: Path, name: str, bundle: CatalogBundle) -> None:
    tmp = ""
    try:
        snapshot.owned_dir(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            snapshot.dump(bundle, fh)
        os.replace(tmp, folder / name)
        for old in folder.glob("catalog-*.snap"):
            if old.name != name and old.stat().st_mtime < time.time() - 60:
                old.unlink(missing_ok=True)  # older versions of the catalogue
    except (OSError, snapshot.Unsupported) as exc:  # read-only folder, or a type it cannot hold
        log.warning("catalogue cache not written: %s", exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
    finally:
        _give_back_memory()


def _give_back_memory() -> None:
    """After a cold build, hand freed heap back to the OS (glibc), so a worker's RSS stays near
    what a warm start uses."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def load_catalog_dir(
    root: Path, cache_dir: Path | None = None, use_cache: bool = True, progress: bool = True
) -> CatalogBundle:
    """Load from cache when nothing changed, else load, check, index and cache; or raise ContentError.

    A cold start (no usable cache) says so on the terminal (or in the log when there is none).
    """
    folder = cache_dir or default_cache_dir()
    name = f"catalog-{_fingerprint(root)}.snap" if use_cache else ""
    if use_cache:
        cached = _read_cache(folder / name)
        if cached is not None:
            return cached
    start = time.monotonic()
    if progress:
        _say(f"tthc-bot: reading the catalogue {root} (first start after a change)…")
    with _collector_paused():
        bundle, problems = check_catalog_dir(root)
    if bundle is None:
        raise ContentError(problems)
    if use_cache:  # written in the background: the worker serves as soon as the bundle is built
        writer = threading.Thread(
            target=_write_cache, args=(folder, name, bundle), name="catalog-cache"
        )
        _WRITERS.append(writer)
        writer.start()
    if progress:
        took = time.monotonic() - start
        _say(f"tthc-bot: {len(bundle.catalog)} catalogue entries ready in {took:.1f} s")
    return bundle


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the bundle is built: building makes millions of
    objects and no cycles, and the collector's passes over them took ~2 s of a cold start."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _say(line: str) -> None:
    """A progress line: on the terminal when there is one, else in the log (INFO)."""
    if sys.stderr.isatty():
        print(line, file=sys.stderr, flush=True)
    else:
        log.info(line)
