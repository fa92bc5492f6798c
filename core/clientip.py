"""The client's address: the socket peer, or — only when that peer is a trusted proxy — the
nearest address in X-Forwarded-For that is not itself a trusted proxy."""

from __future__ import annotations

import functools
import ipaddress
from typing import Iterable

from litestar.connection import ASGIConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str):
    """An address, with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) read as the IPv4 one
    (a dual-stack socket reports IPv4 clients so; they must share their IPv4 limits)."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    return address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address


def _trusted(address, proxies: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(connection: ASGIConnection, proxies: tuple[Network, ...]) -> str:
    peer = connection.client.host if connection.client else "unknown"
    if not proxies:
        return _resolve(peer, "", proxies)
    # Every header line, in order: a proxy that adds its own line (rather than appending to
    # the client's) must not let the client's line decide.
    return _resolve(peer, ",".join(connection.headers.getall("x-forwarded-for", [])), proxies)


@functools.lru_cache(maxsize=8192)  # a pure function of the socket's peer and the header
def _resolve(peer: str, forwarded: str, proxies: tuple[Network, ...]) -> str:
    peer_ip = _ip(peer)
    peer = str(peer_ip) if peer_ip is not None else peer
    if not proxies or not _trusted(peer_ip, proxies):
        return peer
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _ip(hop)
        if address is None:
            return peer  # a malformed chain: believe only the socket
        if not _trusted(address, proxies):
            return str(address)
    return peer
