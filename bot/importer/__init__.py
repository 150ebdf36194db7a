"""Importers that turn public records into catalogue entries."""

from bot.importer.dvcqg import LEVELS, SourceError, import_dvcqg
from bot.importer.summary import ImportSummary

__all__ = ["LEVELS", "ImportSummary", "SourceError", "import_dvcqg"]
