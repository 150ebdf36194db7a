"""tthc-bot: an assistant for Vietnamese administrative procedures."""

__version__ = "0.1.0"
