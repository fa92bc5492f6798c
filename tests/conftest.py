"""Test fixtures. The engine comes from DATABASE_URL (set by `python -m tests`); each test
starts from empty tables and an empty Redis DB; nothing is mocked.

Factories live in `tests/factories.py`, with explicit defaults.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import redis as sync_redis

from core.db import is_sqlite, migrate, use_database
from core.redis import EmbeddedRedis
from core.settings import Settings

ENGINE = os.environ.get("PRIZES_TEST_ENGINE", "sqlite" if "postgres" not in os.environ.get("DATABASE_URL", "") else "postgres")


def pytest_configure(config):
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
                    mail_poll_seconds=0, edition_cache_seconds=0)
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
            for table in tables:
                connection.execute(f'DELETE FROM "{table}"')
            connection.commit()
        finally:
            connection.close()
    else:
        await database.run_ddl("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    client = sync_redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    yield


@pytest.fixture
def settings(redis_url) -> Settings:
    return make_settings()


@pytest.fixture
async def app(settings):
    from main import create_app

    return create_app(settings)


@pytest.fixture
async def client(app):
    from tests.factories import ApiClient

    async with ApiClient.for_app(app) as api:
        yield api


@pytest.fixture
def var_dir() -> Path:
    return Settings.from_env().var_dir
