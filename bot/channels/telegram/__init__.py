"""Telegram through python-telegram-bot: polling or webhook, inline keyboards, our own state."""

from bot.channels.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel"]
