"""Running the real server (granian, the same command as production) from tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# Cheap password hashing; no edition cache nor page cache, since tests change the database directly.
CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": "1", "EDITION_CACHE_SECONDS": "0",
         "PAGE_CACHE_ENTRIES": "0",
         "PRIZES_INSTALL_FONTS": "0"}


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CHEAP)
    env.update(extra)
    return env


def _main(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, env=env or _env(), input=stdin, capture_output=True,
        text=True, timeout=120,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, *, kill: bool = False, wait: float = 30) -> None:
    """Stop a server started by `serving`: SIGINT (granian stops its workers and the private
    Redis), then SIGKILL to its whole process group if it has not stopped within `wait`
    seconds; `kill=True` kills the group at once, as a crash of the machine would."""
    if process.poll() is None and not kill:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
    try:  # the workers too, whatever state they are in
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


@contextmanager
def serving(*args: str, env: dict[str, str], port: int | None = None, ready_path: str = "/api/editions/current",
            log_path: Path | None = None, timeout: float = 60, kill: bool = False):
    """`python main.py serve --port P *args` (granian, the production command) in a process
    group of its own, waited for until `ready_path` answers 200; yields (base URL, process)
    and stops it afterwards (see `stop`). The one way tests and benchmarks start the server.
    Its output goes to `log_path` (kept) or a temporary file, and is shown if it fails."""
    port = port or free_port()
    log = log_path.open("w+") if log_path else tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port), *args], cwd=ROOT, env=env,
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def output() -> str:
        log.flush()
        log.seek(0)
        return "\n".join(log.read().splitlines()[-60:])

    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited with {process.returncode}: {output()}")
            try:
                if httpx.get(f"{base}{ready_path}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not answer on {base} within {timeout:.0f} s: {output()}")
            time.sleep(0.1)
        yield base, process
    finally:
        stop(process, kill=kill)
        log.close()
