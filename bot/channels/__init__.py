"""Channels translate platform updates to `Incoming` and deliver `Reply` lists."""
