"""Test fixtures. The engine comes from DATABASE_URL (set by `python -m tests`); each test
starts from empty tables and an empty Redis DB; nothing is mocked.

Factories live in `tests/factories.py`, with explicit defaults.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
from pathlib import Path

import pytest
import redis as sync_redis

from core.db import is_sqlite, migrate, use_database
from core.redis import EmbeddedRedis
from core.settings import Settings

ENGINE = os.environ.get("PRIZES_TEST_ENGINE", "sqlite" if "postgres" not in os.environ.get("DATABASE_URL", "") else "postgres")


def pytest_configure(config):
    # Under pytest-xdist, worker gwN takes the N-th database, Redis DB and var folder that
    # `python -m tests` prepared (one per line in PRIZES_TEST_<NAME>S), before anything reads them.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        for name in ("DATABASE_URL", "REDIS_URL", "PRIZES_VAR_DIR"):
            values = os.environ.get(f"PRIZES_TEST_{name}S", "").split("\n")
            if len(values) > int(worker[2:]) and values[int(worker[2:])]:
                os.environ[name] = values[int(worker[2:])]
    if not os.environ.get("DATABASE_URL"):
        raise pytest.UsageError("run the suite with `python -m tests` (it sets DATABASE_URL for each engine)")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass)")
    for item in items:
        if "postgres_only" in item.keywords and ENGINE != "postgres":
            item.add_marker(skip_pg)


def make_settings(**overrides) -> Settings:
    """Settings for tests: those of the environment, with cheap password hashing and no
    phase ticker (tests that need one set it)."""
    base = Settings.from_env()
    defaults = dict(argon2_time_cost=1, argon2_memory_cost=1024, argon2_parallelism=1, phase_tick_seconds=0,
                    mail_poll_seconds=0, edition_cache_seconds=0, page_cache_entries=0)
    defaults.update(overrides)
    return base.replace(**defaults)


@pytest.fixture(scope="session")
def embedded_redis():
    """On the embedded pass, the private Redis the app would start, started once and shared
    by every app the tests make (the app finds it alive on its socket and reuses it)."""
    settings = Settings.from_env()
    if settings.redis_url:
        yield None
        return
    server = EmbeddedRedis(settings.var_dir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(embedded_redis) -> str:
    return Settings.from_env().redis_url or embedded_redis.url


@pytest.fixture(scope="session")
async def database():
    settings = Settings.from_env()
    engine = use_database(settings.database_url)
    await migrate(engine)
    return engine


def _table_names() -> list[str]:
    from piccolo.conf.apps import Finder

    return [t._meta.tablename for t in Finder().get_table_classes()]


@pytest.fixture(autouse=True)
async def clean(database, redis_url):
    """Empty every table and the Redis DB before each test."""
    tables = _table_names()
    if is_sqlite(database):
        connection = sqlite3.connect(database.path)
        try:
            connection.execute("PRAGMA foreign_keys = OFF")
            # The audit log refuses DELETE (a trigger): SQLite cannot switch triggers off, so
            # they are dropped and made again around the emptying, in one transaction.
            triggers = connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entry'").fetchall()
            for name, _sql in triggers:
                connection.execute(f'DROP TRIGGER "{name}"')
            for table in tables:
                connection.execute(f'DELETE FROM "{table}"')
            for _name, sql in triggers:
                connection.execute(sql)
            connection.commit()
        finally:
            connection.close()
    else:
        # DELETE with the foreign-key triggers off (the run's role is a superuser): ~1 ms,
        # where TRUNCATE of every table takes ~130 ms — a quarter of the pass's time.
        await database.run_ddl("DO $$ BEGIN PERFORM set_config('session_replication_role', 'replica', true); "
                               + " ".join(f'DELETE FROM "{t}";' for t in tables) + " END $$")
    client = sync_redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    yield


@pytest.fixture
def settings(redis_url) -> Settings:
    return make_settings()


_APPS: dict[bytes, object] = {}


@pytest.fixture
async def app(settings):
    """The app for these settings: made once per distinct settings (making one costs about
    0.3 s: some 275 routes to register) and started afresh by each test's clients — so the
    suite also checks that an app stops and starts again cleanly."""
    from main import bind_process, create_app

    key = pickle.dumps(settings)
    if key not in _APPS:
        _APPS[key] = create_app(settings)
    else:
        bind_process(settings)  # what create_app would have set for the process
    return _APPS[key]


@pytest.fixture
async def client(app):
    from tests.factories import ApiClient

    async with ApiClient.for_app(app) as api:
        yield api


# The two signed-in clients most tests need; a test folder whose addresses matter overrides
# them (tests/judging/conftest.py, tests/prizes/test_publication.py).
@pytest.fixture
async def owner(app, client):
    """A new account without a role, owner@example.org, signed in: it submits the projects."""
    from tests.factories import signed_in

    async with await signed_in(app, "owner@example.org") as api:
        yield api


@pytest.fixture
async def staff(app, client):
    """A new staff account, staff@example.org, signed in."""
    from tests.factories import signed_in

    async with await signed_in(app, "staff@example.org", roles=("staff",)) as api:
        yield api


@pytest.fixture
def var_dir() -> Path:
    return Settings.from_env().var_dir
