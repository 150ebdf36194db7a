"""Explicit registration: configuration name -> channel class."""

from __future__ import annotations

from bot.channels.base import Channel, ChannelFactory, Services
from bot.channels.telegram import TelegramChannel
from bot.channels.web import WebChannel
from bot.channels.zalo import ZaloChannel
from bot.config import Config

CHANNELS: dict[str, ChannelFactory] = {
    "web": WebChannel,
    "telegram": TelegramChannel,
    "zalo": ZaloChannel,
}


def build_channels(cfg: Config, services: Services) -> dict[str, Channel]:
    """Every channel whose settings switch it on (an empty token means off)."""
    return {
        name: factory.create(cfg, services)
        for name, factory in CHANNELS.items()
        if factory.enabled(cfg)
    }
