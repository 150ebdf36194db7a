"""Zalo Official Account (API v3) bridge: signed webhook events in, text messages out."""

from bot.channels.zalo.channel import ZaloChannel

__all__ = ["ZaloChannel"]
