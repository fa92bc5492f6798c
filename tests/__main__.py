"""The test command: `python -m tests [pytest arguments]`.

Runs the suite twice, each run with its own data:
1. on PostgreSQL and Redis (the machine's servers; a database and a Redis DB index of its
   own, dropped and flushed afterwards) — skipped, and said so, when PostgreSQL is not there;
2. on the embedded default: a SQLite file and the private Redis the app starts itself.

Exit status: 0 only if every run passed; a run that collects no test is a failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


async def _pg(sql: str) -> bool:
    import asyncpg

    try:
        connection = await asyncio.wait_for(asyncpg.connect(dsn=ADMIN_URL), timeout=5)
    except Exception as error:  # not installed, not running, refused...
        print(f"PostgreSQL not reachable at {ADMIN_URL}: {error}", file=sys.stderr)
        return False
    try:
        if sql:
            await connection.execute(sql)
        return True
    finally:
        await connection.close()


def _claim_redis_db() -> tuple[object, int] | None:
    """A Redis DB index no other run holds (a lock key on DB 0, released at the end)."""
    import redis

    try:
        client = redis.Redis.from_url(f"{REDIS_BASE}/0", socket_timeout=3)
        client.ping()
    except Exception as error:
        print(f"Redis not reachable at {REDIS_BASE}: {error}", file=sys.stderr)
        return None
    for index in range(1, 16):
        if client.set(f"prizes:test-run-lock:{index}", os.getpid(), nx=True, ex=3 * 3600):
            redis.Redis.from_url(f"{REDIS_BASE}/{index}").flushdb()
            return client, index
    print("every Redis DB index 1-15 is held by another test run", file=sys.stderr)
    return None


def _pytest(env_overrides: dict[str, str], args: list[str], label: str) -> int:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PRIZES_VAR_DIR"}}
    env.update(env_overrides)
    print(f"\n===== {label} =====", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)


def run_postgres(args: list[str]) -> int | None:
    name = f"prizes_test_{os.getpid()}_{secrets.token_hex(3)}"
    if not asyncio.run(_pg(f'CREATE DATABASE "{name}"')):
        return None
    claimed = _claim_redis_db()
    var_dir = Path(tempfile.mkdtemp(prefix="prizes-test-pg-"))
    try:
        env = {
            "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
            "PRIZES_VAR_DIR": str(var_dir),
            "PRIZES_TEST_ENGINE": "postgres",
        }
        if claimed:
            env["REDIS_URL"] = f"{REDIS_BASE}/{claimed[1]}"
        return _pytest(env, args, f"PostgreSQL ({name}) and {'Redis ' + env.get('REDIS_URL', '') if claimed else 'the embedded Redis'}")
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if claimed:
            import redis

            client, index = claimed
            redis.Redis.from_url(f"{REDIS_BASE}/{index}").flushdb()
            client.delete(f"prizes:test-run-lock:{index}")
        shutil.rmtree(var_dir, ignore_errors=True)


def run_embedded(args: list[str]) -> int:
    var_dir = Path(tempfile.mkdtemp(prefix="prizes-test-embedded-"))
    try:
        env = {
            "DATABASE_URL": f"sqlite:///{var_dir / 'prizes.sqlite'}",
            "PRIZES_VAR_DIR": str(var_dir),
            "PRIZES_TEST_ENGINE": "sqlite",
        }
        return _pytest(env, args, "embedded default: SQLite and the private Redis")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def main() -> int:
    args = sys.argv[1:]
    results: dict[str, int | None] = {}
    if os.environ.get("PRIZES_TEST_SKIP_POSTGRES"):
        results["postgres"] = None
    else:
        results["postgres"] = run_postgres(args)
    results["embedded"] = run_embedded(args)

    print("\n===== summary =====")
    failed = False
    for engine, code in results.items():
        if code is None:
            print(f"{engine}: SKIPPED (PostgreSQL is not available on this machine)")
        elif code == 0:
            print(f"{engine}: passed")
        else:
            failed = True
            print(f"{engine}: FAILED (pytest exit {code}{', no tests collected' if code == 5 else ''})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
