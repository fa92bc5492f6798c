"""The test command: `python -m tests [pytest arguments]`.

Runs the suite twice, each run with its own data:
1. on PostgreSQL and Redis (the machine's servers; a database and a Redis DB index of its
   own, dropped and flushed afterwards) — skipped, and said so, when PostgreSQL is not there;
2. on the embedded default: a SQLite file and the private Redis the app starts itself.

Each run spreads its tests over PRIZES_TEST_WORKERS processes (pytest-xdist; default: one per
core, at most 4), and each worker has data of its own: its own database, Redis DB index and
var folder (hence its own SQLite file and private Redis). PRIZES_TEST_WORKERS=1 runs in one
process.

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


def _workers() -> int:
    try:
        return max(1, int(os.environ.get("PRIZES_TEST_WORKERS") or min(os.cpu_count() or 1, 4)))
    except ValueError:
        raise SystemExit("PRIZES_TEST_WORKERS must be a whole number") from None


def _claim_redis_dbs(count: int) -> tuple[object, list[int]] | None:
    """`count` Redis DB indexes no other run holds (lock keys on DB 0, released at the end)."""
    import redis

    try:
        client = redis.Redis.from_url(f"{REDIS_BASE}/0", socket_timeout=3)
        client.ping()
    except Exception as error:
        print(f"Redis not reachable at {REDIS_BASE}: {error}", file=sys.stderr)
        return None
    claimed: list[int] = []
    for index in range(1, 16):
        if len(claimed) == count:
            break
        if client.set(f"prizes:test-run-lock:{index}", os.getpid(), nx=True, ex=3 * 3600):
            redis.Redis.from_url(f"{REDIS_BASE}/{index}").flushdb()
            claimed.append(index)
    if len(claimed) < count:
        _release_redis_dbs((client, claimed))
        print(f"fewer than {count} free Redis DB indexes in 1-15 (other test runs hold them)", file=sys.stderr)
        return None
    return client, claimed


def _release_redis_dbs(claimed: tuple[object, list[int]]) -> None:
    import redis

    client, indexes = claimed
    for index in indexes:
        redis.Redis.from_url(f"{REDIS_BASE}/{index}").flushdb()
        client.delete(f"prizes:test-run-lock:{index}")


def _pytest(per_worker: dict[str, list[str]], env_overrides: dict[str, str], args: list[str], label: str) -> int:
    """pytest over len(lists) workers: worker i reads the i-th value of each list (see
    tests/conftest.py); with one worker, no xdist."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PRIZES_VAR_DIR"}}
    env.update(env_overrides)
    for name, values in per_worker.items():
        env[name] = values[0]  # what a single process (or xdist's controller) reads
        env[f"PRIZES_TEST_{name}S"] = "\n".join(values)
    workers = len(next(iter(per_worker.values())))
    print(f"\n===== {label} ({workers} worker{'s' if workers > 1 else ''}) =====", flush=True)
    spread = ["-n", str(workers), "--dist", "load"] if workers > 1 else []
    return subprocess.call([sys.executable, "-m", "pytest", *spread, *args], cwd=ROOT, env=env)


def run_postgres(args: list[str], workers: int) -> int | None:
    prefix = f"prizes_test_{os.getpid()}_{secrets.token_hex(3)}"
    names = [f"{prefix}_{i}" for i in range(workers)]
    if not asyncio.run(_pg("")):
        return None
    claimed = _claim_redis_dbs(workers)
    var_dirs = [Path(tempfile.mkdtemp(prefix=f"prizes-test-pg-{i}-")) for i in range(workers)]
    try:
        for name in names:
            # Commits need not wait for the disk: these databases are thrown away.
            asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
            asyncio.run(_pg(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        per_worker = {
            "DATABASE_URL": [ADMIN_URL.rsplit("/", 1)[0] + f"/{name}" for name in names],
            "PRIZES_VAR_DIR": [str(d) for d in var_dirs],
        }
        if claimed:
            per_worker["REDIS_URL"] = [f"{REDIS_BASE}/{index}" for index in claimed[1]]
        where = f"Redis {REDIS_BASE} DB {', '.join(map(str, claimed[1]))}" if claimed else "the embedded Redis"
        return _pytest(per_worker, {"PRIZES_TEST_ENGINE": "postgres"}, args, f"PostgreSQL ({prefix}_*) and {where}")
    finally:
        for name in names:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if claimed:
            _release_redis_dbs(claimed)
        for var_dir in var_dirs:
            shutil.rmtree(var_dir, ignore_errors=True)


def run_embedded(args: list[str], workers: int) -> int:
    var_dirs = [Path(tempfile.mkdtemp(prefix=f"prizes-test-embedded-{i}-")) for i in range(workers)]
    try:
        per_worker = {
            "DATABASE_URL": [f"sqlite:///{d / 'prizes.sqlite'}" for d in var_dirs],
            "PRIZES_VAR_DIR": [str(d) for d in var_dirs],
        }
        return _pytest(per_worker, {"PRIZES_TEST_ENGINE": "sqlite"}, args, "embedded default: SQLite and the private Redis")
    finally:
        for var_dir in var_dirs:
            shutil.rmtree(var_dir, ignore_errors=True)


def main() -> int:
    args = sys.argv[1:]
    workers = _workers()
    results: dict[str, int | None] = {}
    if os.environ.get("PRIZES_TEST_SKIP_POSTGRES"):
        results["postgres"] = None
    else:
        results["postgres"] = run_postgres(args, workers)
    results["embedded"] = run_embedded(args, workers)

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
