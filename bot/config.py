"""Settings, declared once: dotted name, type, default, environment variable."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.yamlio import ContentError, LineDict, Problem, load_yaml

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    env: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", str, "data", "TTHC_DATA_DIR"),
    Setting("database.url", str, "", "TTHC_DATABASE_URL"),
    Setting("catalog.dir", str, str(ROOT / "procedures_catalog"), "TTHC_CATALOG_DIR"),
    Setting("flows.dir", str, str(ROOT / "flows"), "TTHC_FLOWS_DIR"),
    Setting("conversation.idle_minutes", int, 120),
    Setting("volunteers.ids", list, []),
    Setting("booking.max_active_per_user", int, 2),
    Setting("booking.max_per_client_day", int, 4),
    Setting("feedback.max_per_hour", int, 10),
    Setting("feedback.max_per_client_hour", int, 20),
    Setting("web.host", str, "127.0.0.1", "TTHC_WEB_HOST"),
    Setting("web.port", int, 8080, "TTHC_WEB_PORT"),
    Setting("web.trusted_proxies", list, [], "TTHC_WEB_TRUSTED_PROXIES"),
    Setting("web.header_timeout_seconds", int, 30),
    Setting("web.body_timeout_seconds", int, 30),
    Setting("web.max_connections_per_client", int, 32),
    Setting("admin.token", str, "", "TTHC_ADMIN_TOKEN"),
    Setting("telegram.token", str, "", "TTHC_TELEGRAM_TOKEN"),
    Setting("telegram.mode", str, "polling"),
    Setting("telegram.base_url", str, "https://api.telegram.org/bot", "TTHC_TELEGRAM_BASE_URL"),
    Setting("telegram.bot_username", str, ""),
    Setting("telegram.webhook.url", str, ""),
    Setting("telegram.webhook.path", str, "/telegram/webhook"),
    Setting("telegram.webhook.secret_token", str, "", "TTHC_TELEGRAM_WEBHOOK_SECRET"),
    Setting("zalo.oa.app_id", str, "", "TTHC_ZALO_APP_ID"),
    Setting("zalo.oa.secret_key", str, "", "TTHC_ZALO_SECRET_KEY"),
    Setting("zalo.oa.access_token", str, "", "TTHC_ZALO_ACCESS_TOKEN"),
    Setting("zalo.oa.refresh_token", str, "", "TTHC_ZALO_REFRESH_TOKEN"),
    Setting("zalo.oa.api_base_url", str, "https://openapi.zalo.me", "TTHC_ZALO_API_BASE_URL"),
    Setting("zalo.oa.oauth_url", str, "https://oauth.zaloapp.com/v4/oa/access_token"),
    Setting("zalo.webhook.path", str, "/zalo/webhook"),
    Setting("zalo.webhook.max_body_bytes", int, 65536),
    Setting("log.level", str, "INFO", "TTHC_LOG_LEVEL"),
)
BY_NAME = {s.name: s for s in SETTINGS}


class Config:
    """Typed, read-only settings; `cfg["web.port"]` or `cfg.get("web.port")`."""

    def __init__(self, values: dict[str, Any], path: str = "") -> None:
        self._values = values
        self.path = path

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    @property
    def database_url(self) -> str:
        url = self["database.url"]
        if url:
            return str(url)
        return f"sqlite:///{Path(self['data_dir']).resolve() / 'tthc.sqlite3'}"

    def with_overrides(self, **kv: Any) -> Config:
        values = dict(self._values)
        values.update({k.replace("__", "."): v for k, v in kv.items()})
        return Config(values, self.path)


def _flatten(data: LineDict, prefix: str = "") -> dict[str, tuple[Any, int]]:
    out: dict[str, tuple[Any, int]] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name not in BY_NAME:
            out.update(_flatten(value, name + "."))  # type: ignore[arg-type]
        else:
            out[name] = (value, data.line_of(key))
    return out


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None:
        return setting.default
    if setting.type is list:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            return [str(v) for v in value]
        raise ValueError("must be a list")
    if setting.type is int:
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        return int(value)
    return str(value)


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Defaults, then the YAML file, then environment variables; raise ContentError on problems."""
    env = dict(os.environ) if env is None else env
    values = {s.name: s.default for s in SETTINGS}
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    if path:
        data, probs = load_yaml(Path(path))
        problems.extend(probs)
        if isinstance(data, LineDict):
            for name, (value, line) in _flatten(data).items():
                lines[name] = line
                setting = BY_NAME.get(name)
                if setting is None:
                    problems.append(Problem(str(path), line, f"unknown setting '{name}'"))
                    continue
                try:
                    values[name] = _coerce(setting, value)
                except (ValueError, TypeError) as exc:
                    problems.append(Problem(str(path), line, f"'{name}': {exc}"))
        elif data is not None:
            problems.append(Problem(str(path), 1, "the configuration must be a mapping"))
    for s in SETTINGS:
        if s.env and env.get(s.env):
            try:
                values[s.name] = _coerce(s, env[s.env])
            except ValueError as exc:
                problems.append(Problem(s.env, 0, f"environment variable: {exc}"))
    if values["telegram.mode"] not in ("polling", "webhook"):
        problems.append(
            Problem(str(path or "config"), 0, "telegram.mode must be 'polling' or 'webhook'")
        )
    problems.extend(_identity_problems(values, str(path or "config"), lines))
    if problems:
        raise ContentError(problems)
    return Config(values, str(path or ""))


def _identity_problems(values: dict[str, Any], where: str, lines: dict[str, int]) -> list[Problem]:
    """Volunteer ids must name a verified channel; trusted proxies must parse."""
    out = []
    for value in values["volunteers.ids"]:
        channel, _, user = str(value).partition(":")
        if channel not in ("telegram", "zalo") or not user:
            out.append(
                Problem(
                    where,
                    lines.get("volunteers.ids", 0),
                    f"volunteers.ids: '{value}' must be telegram:<id> or zalo:<id>",
                )
            )
    for value in values["web.trusted_proxies"]:
        try:
            ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            out.append(
                Problem(
                    where,
                    lines.get("web.trusted_proxies", 0),
                    f"web.trusted_proxies: '{value}' is not an address or CIDR",
                )
            )
    return out


MIN_SECRET = {"admin.token": 24, "telegram.webhook.secret_token": 16}


def weak_secrets(cfg: Config) -> list[Problem]:
    """Secrets that are set but too short to resist guessing (`check` and `serve` refuse them)."""
    out = []
    for name, least in MIN_SECRET.items():
        value = str(cfg.get(name) or "")
        if value and len(value) < least:
            out.append(
                Problem(
                    cfg.path or "config",
                    0,
                    f"'{name}' is {len(value)} characters; use at least {least} random ones",
                )
            )
    return out
