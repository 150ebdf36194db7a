"""Everything the core needs from the catalogue folder, loaded and checked together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content.catalog import check_catalog
from bot.content.lexicon import load_lexicon
from bot.content.yamlio import ContentError, Problem
from bot.core.matcher import Matcher
from bot.core.model import Catalog


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
    return CatalogBundle(catalog, Matcher(catalog, lexicon, topics)), []


def load_catalog_dir(root: Path) -> CatalogBundle:
    """Load or raise ContentError."""
    bundle, problems = check_catalog_dir(root)
    if bundle is None:
        raise ContentError(problems)
    return bundle
