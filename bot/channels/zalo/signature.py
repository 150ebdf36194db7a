"""The X-ZEvent-Signature check: "mac=" + sha256(app_id + raw body + timestamp + OA secret key)."""

from __future__ import annotations

import hashlib
import secrets

HEADER = "X-ZEvent-Signature"


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """The header value Zalo sends for this body."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret_key.encode())
    return "mac=" + digest.hexdigest()


def valid(given: str, app_id: str, body: bytes, timestamp: str, secret_key: str) -> bool:
    """Constant-time comparison with the expected signature."""
    expected = signature(app_id, body, timestamp, secret_key)
    return secrets.compare_digest(given.strip().encode(), expected.encode())
