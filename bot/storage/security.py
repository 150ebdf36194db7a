"""Server-side security records: web and admin sessions (hashed), web notices, channel tokens,
per-install secrets. Each has an SQL version (shared by every worker) and a memory version
(a process without a database)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, delete, insert, select, update

from bot.storage.db import dialect_insert, utc_now
from bot.storage.models import (
    AdminSession,
    ChannelToken,
    InstallSecret,
    VolunteerLogin,
    WebNotice,
    WebSession,
)

TOKEN_BYTES = 32  # 256 bits from the OS generator
MAX_NOTICES = 20  # per user; older ones are dropped first


def new_token() -> str:
    """An unguessable cookie value."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored instead of the cookie: a database leak gives no usable session."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_hash(digest: str) -> str:
    """The web user id of a session: derived from the hash, so it reveals nothing usable."""
    return "w-" + hashlib.sha256(("tthc-web-user|" + digest).encode()).hexdigest()[:32]


# ---- web sessions ------------------------------------------------------------------------
@dataclass(frozen=True)
class WebIdentity:
    """Who a session cookie speaks for: a web user, and a volunteer's name when one logged in."""

    user: str
    volunteer: str = ""


class Sessions(Protocol):
    def issue(self) -> tuple[str, str]: ...  # (cookie, user id)
    def lookup(self, token: str) -> WebIdentity | None: ...
    def bind_volunteer(self, token: str, code: str) -> str | None: ...
    def unbind_volunteer(self, token: str) -> None: ...


class SqlSessions:
    """Web-chat sessions in the database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def issue(self) -> tuple[str, str]:
        token = new_token()
        digest = token_hash(token)
        user = user_for_hash(digest)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                insert(WebSession).values(
                    token_hash=digest, user_id=user, created_at=now, seen_at=now
                )
            )
        return token, user

    def lookup(self, token: str) -> WebIdentity | None:
        if not token or len(token) > 128:
            return None
        digest = token_hash(token)
        now = self.clock()
        query = (
            select(WebSession.user_id, WebSession.seen_at, VolunteerLogin.id, VolunteerLogin.name)
            .outerjoin(
                VolunteerLogin,
                (VolunteerLogin.id == WebSession.volunteer_id)
                & VolunteerLogin.revoked_at.is_(None),
            )
            .where(WebSession.token_hash == digest)
        )
        with self.engine.begin() as conn:
            found = conn.execute(query).first()
            if found is None:
                return None
            if now - found.seen_at > timedelta(hours=1):  # one write an hour, not one per turn
                conn.execute(
                    update(WebSession).where(WebSession.token_hash == digest).values(seen_at=now)
                )
        if found.name is not None:  # a volunteer's cases follow their login, on any browser
            return WebIdentity(f"v-{found.id}", str(found.name))
        return WebIdentity(str(found.user_id))

    def user(self, token: str) -> str | None:
        found = self.lookup(token)
        return found.user if found else None

    def bind_volunteer(self, token: str, code: str) -> str | None:
        """Attach a volunteer's personal login to this session; their name, or None."""
        if not code or len(code) > 128:
            return None
        query = select(VolunteerLogin.id, VolunteerLogin.name).where(
            VolunteerLogin.token_hash == token_hash(code), VolunteerLogin.revoked_at.is_(None)
        )
        with self.engine.begin() as conn:
            login = conn.execute(query).first()
            if login is None:
                return None
            conn.execute(
                update(WebSession)
                .where(WebSession.token_hash == token_hash(token))
                .values(volunteer_id=login.id)
            )
        return str(login.name)

    def unbind_volunteer(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(WebSession)
                .where(WebSession.token_hash == token_hash(token))
                .values(volunteer_id=None)
            )

    def purge_older_than(self, seconds: float) -> int:
        cutoff = self.clock() - timedelta(seconds=seconds)
        with self.engine.begin() as conn:
            return conn.execute(delete(WebSession).where(WebSession.seen_at < cutoff)).rowcount


class MemorySessions:
    """Web-chat sessions of one process."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._users: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, str]:
        token = new_token()
        digest = token_hash(token)
        with self._lock:
            self._users[digest] = user_for_hash(digest)
            while len(self._users) > self.size:
                self._users.popitem(last=False)
        return token, self._users.get(digest, user_for_hash(digest))

    def lookup(self, token: str) -> WebIdentity | None:
        if not token or len(token) > 128:
            return None
        with self._lock:
            user = self._users.get(token_hash(token))
        return WebIdentity(user) if user else None

    def user(self, token: str) -> str | None:
        found = self.lookup(token)
        return found.user if found else None

    def bind_volunteer(self, token: str, code: str) -> str | None:
        return None  # volunteer logins need the database

    def unbind_volunteer(self, token: str) -> None:
        return None


# ---- volunteer web logins ----------------------------------------------------------------
class SqlVolunteerLogins:
    """Personal web logins for volunteers, issued and revoked by an admin."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, name: str) -> str:
        """A new login code for `name` (a previous code of that name stops working)."""
        code = new_token()
        values = {"name": name, "token_hash": token_hash(code), "created_at": self.clock()}
        with self.engine.begin() as conn:
            insert = dialect_insert(conn, VolunteerLogin).values(values)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["name"],
                    set_={
                        "token_hash": insert.excluded.token_hash,
                        "created_at": insert.excluded.created_at,
                        "revoked_at": None,
                    },
                )
            )
            self._unbind(conn, name)  # sessions of an earlier code do not come back
        return code

    @staticmethod
    def _unbind(conn: Any, name: str) -> None:
        ids = select(VolunteerLogin.id).where(VolunteerLogin.name == name).scalar_subquery()
        conn.execute(
            update(WebSession).where(WebSession.volunteer_id == ids).values(volunteer_id=None)
        )

    def revoke(self, name: str) -> bool:
        """End the login: every session using it loses volunteer rights at its next request."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(VolunteerLogin)
                .where(VolunteerLogin.name == name, VolunteerLogin.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            ).rowcount
            self._unbind(conn, name)
        return bool(done)

    def list(self) -> list[tuple[str, datetime, datetime | None]]:
        query = select(VolunteerLogin.name, VolunteerLogin.created_at, VolunteerLogin.revoked_at)
        with self.engine.begin() as conn:
            return [tuple(r) for r in conn.execute(query.order_by(VolunteerLogin.name))]  # type: ignore[misc]


# ---- admin sessions ----------------------------------------------------------------------
class AdminSessions(Protocol):
    def issue(self, ttl: timedelta) -> str: ...
    def valid(self, token: str) -> bool: ...
    def revoke(self, token: str) -> None: ...


class SqlAdminSessions:
    """A new random session per admin login; logout deletes it; expiry is checked here."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def issue(self, ttl: timedelta) -> str:
        token = new_token()
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(AdminSession).where(AdminSession.expires_at < now))
            conn.execute(
                insert(AdminSession).values(
                    token_hash=token_hash(token), created_at=now, expires_at=now + ttl
                )
            )
        return token

    def valid(self, token: str) -> bool:
        if not token or len(token) > 128:
            return False
        query = select(AdminSession.expires_at).where(AdminSession.token_hash == token_hash(token))
        with self.engine.begin() as conn:
            expires = conn.execute(query).scalar_one_or_none()
        return expires is not None and expires > self.clock()

    def revoke(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash(token)))

    def revoke_all(self) -> int:
        with self.engine.begin() as conn:
            return conn.execute(delete(AdminSession)).rowcount


class MemoryAdminSessions:
    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.clock = clock
        self._expiry: dict[str, datetime] = {}

    def issue(self, ttl: timedelta) -> str:
        token = new_token()
        now = self.clock()
        self._expiry = {k: v for k, v in self._expiry.items() if v > now}
        self._expiry[token_hash(token)] = now + ttl
        return token

    def valid(self, token: str) -> bool:
        expires = self._expiry.get(token_hash(token)) if token else None
        return expires is not None and expires > self.clock()

    def revoke(self, token: str) -> None:
        self._expiry.pop(token_hash(token), None)


# ---- web notices -------------------------------------------------------------------------
class Notices(Protocol):
    def add(self, user: str, replies: list[dict[str, Any]]) -> None: ...
    def take(self, user: str) -> list[dict[str, Any]]: ...


class SqlNotices:
    """Bot-initiated messages for web users, in the database so any worker can hand them out."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, user: str, replies: list[dict[str, Any]]) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            for reply in replies:
                conn.execute(insert(WebNotice).values(user_id=user, reply=reply, created_at=now))
            ids = (
                conn.execute(
                    select(WebNotice.id)
                    .where(WebNotice.user_id == user)
                    .order_by(WebNotice.id.desc())
                    .offset(MAX_NOTICES)
                )
                .scalars()
                .all()
            )
            if ids:
                conn.execute(delete(WebNotice).where(WebNotice.id.in_(ids)))

    def take(self, user: str) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(WebNotice.id, WebNotice.reply)
                .where(WebNotice.user_id == user)
                .order_by(WebNotice.id)
            ).all()
            if not rows:
                return []
            # Deleting by id: a row another worker already took is not returned twice.
            taken = conn.execute(
                delete(WebNotice)
                .where(WebNotice.id.in_([r.id for r in rows]))
                .returning(WebNotice.id)
            )
            got = set(taken.scalars().all())
        return [dict(r.reply) for r in rows if r.id in got]


class MemoryNotices:
    def __init__(self, max_users: int = 10_000) -> None:
        self.max_users = max_users
        self._mail: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    def add(self, user: str, replies: list[dict[str, Any]]) -> None:
        box = self._mail.setdefault(user, [])
        box.extend(replies)
        del box[:-MAX_NOTICES]
        self._mail.move_to_end(user)
        while len(self._mail) > self.max_users:
            self._mail.popitem(last=False)

    def take(self, user: str) -> list[dict[str, Any]]:
        return self._mail.pop(user, [])


# ---- channel tokens ----------------------------------------------------------------------
class TokenStore(Protocol):
    def get(self, channel: str, account: str) -> dict[str, Any] | None: ...
    def put(self, channel: str, account: str, data: dict[str, Any]) -> None: ...


class SqlTokenStore:
    """Credentials a channel refreshes itself; `purge` never touches this table."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def get(self, channel: str, account: str) -> dict[str, Any] | None:
        query = select(ChannelToken.data).where(
            ChannelToken.channel == channel, ChannelToken.account == account
        )
        with self.engine.begin() as conn:
            return conn.execute(query).scalar_one_or_none()

    def put(self, channel: str, account: str, data: dict[str, Any]) -> None:
        values = {"channel": channel, "account": account, "data": data, "updated_at": self.clock()}
        with self.engine.begin() as conn:
            insert = dialect_insert(conn, ChannelToken).values(values)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["channel", "account"],
                    set_={"data": insert.excluded.data, "updated_at": insert.excluded.updated_at},
                )
            )


class MemoryTokenStore:
    def __init__(self) -> None:
        self._data: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, channel: str, account: str) -> dict[str, Any] | None:
        found = self._data.get((channel, account))
        return dict(found) if found is not None else None

    def put(self, channel: str, account: str, data: dict[str, Any]) -> None:
        self._data[(channel, account)] = dict(data)


# ---- per-install secrets -----------------------------------------------------------------
def install_secret(engine: Engine, name: str) -> bytes:
    """A random key made on first use and kept in the database (the same for every worker)."""
    with engine.begin() as conn:
        insert = dialect_insert(conn, InstallSecret).values(
            name=name, value=secrets.token_hex(32), created_at=utc_now()
        )
        conn.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
        value = conn.execute(
            select(InstallSecret.value).where(InstallSecret.name == name)
        ).scalar_one()
    return bytes.fromhex(value)
