"""Who is asking: the real client address behind trusted proxies, and whether TLS was used.

`X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the connection comes from an
address listed in `web.trusted_proxies`; anyone else could write them.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
CLIENT = web.RequestKey("client", str)
HTTPS = web.RequestKey("https", bool)
MAX_HOPS = 16


def parse_networks(values: Iterable[str]) -> list[Network]:
    """Addresses or CIDRs; ValueError names a bad one."""
    out: list[Network] = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"web.trusted_proxies: '{value}' is not an address or CIDR") from exc
    return out


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def trusted(addr: object, networks: Sequence[Network]) -> bool:
    return isinstance(addr, ipaddress.IPv4Address | ipaddress.IPv6Address) and any(
        addr in net for net in networks
    )


def client_address(peer: str, forwarded_for: Sequence[str], networks: Sequence[Network]) -> str:
    """The first address, from the right, that is not a trusted proxy (the peer when the peer
    itself is not trusted). Malformed entries stop the walk at the last trusted hop."""
    current = _ip(peer)
    if current is None:
        return peer or "unknown"
    hops = [h for header in forwarded_for for h in header.split(",") if h.strip()]
    for hop in reversed(hops[-MAX_HOPS:]):
        if not trusted(current, networks):
            break
        parsed = _ip(hop)
        if parsed is None:
            break
        current = parsed
    return str(current)


def client_key(client: str) -> str:
    """The key limits count: one IPv6 /64 is one client (a home or a phone gets a whole /64)."""
    addr = _ip(client)
    if isinstance(addr, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return client


def origin_hash(client: str, secret: bytes) -> str:
    """A keyed hash of the client key, stored with bookings instead of the address."""
    return hmac.new(secret, client_key(client).encode(), hashlib.sha256).hexdigest()[:40]


def make_middleware(networks: Sequence[Network]) -> Handler:
    """Put the real client address and the TLS flag on every request."""

    @web.middleware
    async def real_client(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.remote or ""
        from_proxy = trusted(_ip(peer), networks)
        request[CLIENT] = client_address(
            peer, request.headers.getall("X-Forwarded-For", []) if from_proxy else [], networks
        )
        proto = request.headers.get("X-Forwarded-Proto", "") if from_proxy else ""
        request[HTTPS] = request.secure or proto.split(",")[-1].strip().lower() == "https"
        return await handler(request)

    return real_client  # type: ignore[return-value]


def cross_site(request: web.Request) -> bool:
    """A browser request sent by another site's page (its Origin names another host)."""
    origin = request.headers.get("Origin", "")
    if not origin or origin == "null":
        return bool(origin)
    return urlsplit(origin).netloc.lower() != request.host.lower()


def client_of(request: web.Request) -> str:
    """The real client address (set by the middleware)."""
    return request.get(CLIENT) or request.remote or "unknown"


def https_of(request: web.Request) -> bool:
    """Whether the citizen's browser used TLS (directly or at a trusted proxy)."""
    return bool(request.get(HTTPS, request.secure))
