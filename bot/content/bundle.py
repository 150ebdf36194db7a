"""Everything the core needs from the catalogue folder, loaded and checked together.

Parsing thousands of YAML files and building the index takes seconds, so a checked bundle
is cached (pickle) under the user's cache folder, keyed by every file's size and mtime and
by the code that builds it: any edit, to content or code, invalidates it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.content.catalog import check_catalog
from bot.content.lexicon import MODEL_FILE, load_lexicon, load_models
from bot.content.yamlio import ContentError, Problem
from bot.core.matcher import Matcher
from bot.core.model import Catalog

log = logging.getLogger(__name__)
CACHE_VERSION = 1
CODE_DIRS = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "core")


def _code_fingerprint() -> str:
    """The code that builds the bundle, as imported now (a later edit must not reuse old pickles)."""
    h = hashlib.sha256()
    for f in sorted([*(p for d in CODE_DIRS for p in d.glob("*.py")), *MODEL_FILE.parent.glob("*.json")]):
        h.update(f.read_bytes())
    return h.hexdigest()


CODE_FINGERPRINT = _code_fingerprint()


@dataclass(frozen=True)
class CatalogBundle:
    catalog: Catalog
    matcher: Matcher


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
    return h.hexdigest()[:24]


def _read_cache(path: Path) -> CatalogBundle | None:
    try:
        with path.open("rb") as fh:
            bundle = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return bundle if isinstance(bundle, CatalogBundle) else None


def _write_cache(folder: Path, name: str, bundle: CatalogBundle) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(bundle, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / name)
    except OSError as exc:  # a read-only home must not stop the bot
        log.warning("catalogue cache not written: %s", exc)


def load_catalog_dir(
    root: Path, cache_dir: Path | None = None, use_cache: bool = True
) -> CatalogBundle:
    """Load from cache when nothing changed, else load, check, index and cache; or raise ContentError."""
    folder = cache_dir or default_cache_dir()
    name = f"catalog-{_fingerprint(root)}.pickle" if use_cache else ""
    if use_cache:
        cached = _read_cache(folder / name)
        if cached is not None:
            return cached
    bundle, problems = check_catalog_dir(root)
    if bundle is None:
        raise ContentError(problems)
    if use_cache:
        _write_cache(folder, name, bundle)
    return bundle
