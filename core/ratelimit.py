"""Rate limits in Redis: an exact sliding window, applied atomically by one Lua script, so
several processes and machines sharing the Redis never let more through than the limit.

Each key is one sorted set of the attempts in the window (score = the Redis server's clock,
so app machines' clocks do not matter); one key per call keeps every atomic step inside one
Redis Cluster slot.
"""

from __future__ import annotations

import functools
import ipaddress
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from core.errors import RateLimited
from core.batching import Coalescer
from core.redis import run_scripts
from core.settings import RateLimit

# KEYS[1] = the window's key; ARGV = limit, window in ms, a unique member.
# Returns {allowed (1/0), retry_after_ms}.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. now)
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1 then retry = 1 end
return {0, retry}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # whole seconds, at least 1 when refused


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str = "prizes:rl") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_SLIDING_WINDOW)
        # The attempts of the requests that arrive together go in one round trip.
        self._batches: Coalescer[list, list] = Coalescer(self._run_batch, max_batch=100, concurrency=2)

    def _key(self, name: str, subject: str) -> str:
        return f"{self.prefix}:{name}:{{{subject}}}"

    @staticmethod
    def _args(limit: RateLimit) -> list:
        return [limit.count, limit.seconds * 1000, secrets.token_hex(6)]

    @staticmethod
    def _verdict(allowed, retry_ms) -> Verdict:
        return Verdict(bool(int(allowed)), 0 if int(allowed) else max(1, -(-int(retry_ms) // 1000)))

    async def hit(self, name: str, subject: str, limit: RateLimit) -> Verdict:
        """Count one attempt of `name` by `subject` (an address, an account...)."""
        return self._verdict(*await self._script(keys=[self._key(name, subject)], args=self._args(limit)))

    async def hit_many(self, attempts: list[tuple[str, str, RateLimit]]) -> list[Verdict]:
        """Count one attempt against each (name, subject, limit), in one round trip: not a
        transaction — each window is still its own atomic script on its own key (and
        Cluster slot), exactly as `hit` counts it."""
        calls = [([self._key(name, subject)], self._args(limit)) for name, subject, limit in attempts]
        return [self._verdict(*result) for result in await self._batches(calls)]

    async def _run_batch(self, batches: list[list]) -> list[list]:
        results = await run_scripts(self.redis, self._script, [call for calls in batches for call in calls])
        answers, start = [], 0
        for calls in batches:
            answers.append(results[start : start + len(calls)])
            start += len(calls)
        return answers

    async def check(self, name: str, subject: str, limit: RateLimit) -> None:
        """Count one attempt; raise 429 (with Retry-After) when over the limit."""
        verdict = await self.hit(name, subject, limit)
        if not verdict.allowed:
            raise RateLimited(verdict.retry_after)

    async def refuse_if_full(self, name: str, subject: str, limit: RateLimit) -> None:
        """429 when `subject` already has `limit` attempts of `name` in the window, counting
        none: for limits on failures only (`hit` them when one happens)."""
        seconds, micros = await self.redis.time()
        now = int(seconds) * 1000 + int(micros) // 1000
        key = self._key(name, subject)
        recent = await self.redis.zrangebyscore(key, now - limit.seconds * 1000, "+inf", withscores=True)
        if len(recent) >= limit.count:
            oldest = min(score for _member, score in recent)
            raise RateLimited(max(1, -(-(int(oldest) + limit.seconds * 1000 - now) // 1000)))

    async def reset(self, name: str, subject: str) -> None:
        await self.redis.delete(self._key(name, subject))


@functools.lru_cache(maxsize=8192)
def network_block(address: str, ipv6_prefix: int = 48) -> str:
    """The /24 (IPv4) or /48 (IPv6; sign-in and sign-up use /64, one household's or one
    server's allocation) block of an address; an IPv4-mapped IPv6 address is its IPv4 one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def limit_per_client(name: str, setting: str):
    """A route guard: one attempt of `name` per call, counted per client address, with the
    limit read from `settings.<setting>`; 429 with Retry-After beyond it."""
    from core.clientip import client_address

    async def guard(connection, _handler) -> None:
        state = connection.app.state
        settings = state["settings"]
        address = client_address(connection, settings.trusted_proxies)
        await state["limiter"].check(name, address, getattr(settings, setting))

    guard.__name__ = f"limit_{name}_per_client"
    return guard


def limit_per_network(name: str, setting: str, ipv6_prefix: int = 64):
    """A route guard: like `limit_per_client`, counted per network block of the client."""
    from core.clientip import client_address

    async def guard(connection, _handler) -> None:
        state = connection.app.state
        settings = state["settings"]
        block = network_block(client_address(connection, settings.trusted_proxies), ipv6_prefix)
        await state["limiter"].check(name, block, getattr(settings, setting))

    guard.__name__ = f"limit_{name}_per_network"
    return guard


def limit_per_account(name: str, setting: str):
    """A route guard for signed-in routes: attempts of `name` counted per account."""

    async def guard(connection, _handler) -> None:
        user = connection.scope.get("user")
        if user is None:
            return  # the authentication guard before this one answers 401
        state = connection.app.state
        await state["limiter"].check(name, str(user.id), getattr(state["settings"], setting))

    guard.__name__ = f"limit_{name}_per_account"
    return guard
