"""The database engine, chosen by DATABASE_URL, and the few helpers every domain shares.

Piccolo tables find their engine through `piccolo_conf.DB`; `use_database` builds the engine
for a settings object and binds every registered table (and Piccolo's own migration table)
to it, so the app, the CLI and the migrations always agree.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import sys
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

# A lock id for pg_advisory_lock: migrations and seeding run once even when several
# processes start together.
MIGRATION_LOCK_ID = 7_202_611


_IDLE: dict[str, list] = {}


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, keeping the connections of queries run outside a transaction
    open (Piccolo opens one — a thread and a file — per query). Each kept connection serves
    one query at a time, checked out and given back, never shared by two tasks at once; up to
    `pool_size` are kept, more are opened and closed as before. Transactions keep a
    connection of their own, as before (BEGIN IMMEDIATE: writes queue on the write lock). The
    database is in WAL mode (readers and the writer do not block each other) and every
    connection waits `timeout` seconds for a lock (SQLite's busy timeout)."""

    def __init__(self, path: str, pool_size: int = 4, **kwargs) -> None:
        super().__init__(path=path, **kwargs)
        self.pool_size = pool_size
        # Shared by every engine of this file in the process: an engine made again for the same
        # database (each app binds its own) takes over the connections, none is left to the GC.
        self._idle: list = _IDLE.setdefault(str(path), [])
        self._wal = False

    async def _checkout(self):
        if self._idle:
            return self._idle.pop()
        import aiosqlite
        from piccolo.engine.sqlite import dict_factory

        pending = aiosqlite.connect(**self.connection_kwargs)
        pending._thread.daemon = True  # a kept connection never holds the process open at exit
        connection = await pending
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        if not self._wal:
            await connection.execute("PRAGMA journal_mode = WAL")  # kept in the file
            self._wal = True
        return connection

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        connection = await self._checkout()
        healthy = False
        try:
            async with connection.execute(query, args or []) as cursor:
                if query_type == "insert" and self.get_version_sync() < 3.35:
                    assert table is not None
                    pk = await self._get_inserted_pk(cursor, table)
                    result = [{table._meta.primary_key._meta.db_column_name: pk}]
                else:
                    result = await cursor.fetchall()
            healthy = not connection.in_transaction
            return result
        finally:
            if healthy and len(self._idle) < self.pool_size:
                self._idle.append(connection)
            else:
                await connection.close()

    async def close_idle(self) -> None:
        idle = list(self._idle)
        self._idle.clear()
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.close()


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        # `timeout` waits for a lock instead of failing with "database is locked".
        return PooledSQLiteEngine(path=str(path), timeout=30)
    dsn = database_url.replace("postgres://", "postgresql://", 1)
    return PostgresEngine(config={"dsn": dsn}, log_queries=False)


def use_database(database_url: str) -> Engine:
    """Make `database_url` the engine of every table. Returns the engine."""
    import piccolo_conf
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    engine = make_engine(database_url)
    piccolo_conf.DB = engine
    for table in Finder().get_table_classes():
        table._meta.db = engine
    Migration._meta.db = engine
    return engine


def engine_of(table=None) -> Engine:
    import piccolo_conf

    return piccolo_conf.DB if table is None else table._meta.db


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or engine_of(), SQLiteEngine)


def transaction(engine: Engine | None = None, *, public: bool = False) -> "Transaction":
    """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so
    concurrent read-then-write transactions queue instead of failing.

    `public=True` says the transaction changes what public pages show: once it commits, the
    public version is bumped (core/freshness.py), which every process's page cache follows.
    A transaction inside another joins it: its after-commit steps run when the outer one
    commits, and not at all if it rolls back."""
    engine = engine or engine_of()
    if isinstance(engine, SQLiteEngine):
        inner = engine.transaction(transaction_type=TransactionType.immediate)
    else:
        inner = engine.transaction()
    return Transaction(inner, public)


_after_commit: contextvars.ContextVar[list | None] = contextvars.ContextVar("after_commit", default=None)


def after_commit(step: Callable[[], Awaitable[object]]) -> None:
    """Run `step` once the current transaction commits (each distinct step once)."""
    steps = _after_commit.get()
    if steps is None:
        raise RuntimeError("after_commit outside core.db.transaction()")
    if step not in steps:
        steps.append(step)


class Transaction:
    """Piccolo's transaction, with after-commit steps."""

    def __init__(self, inner, public: bool) -> None:
        self.inner = inner
        self.public = public
        self._token = None
        self._steps: list | None = None

    async def __aenter__(self):
        entered = await self.inner.__aenter__()
        if _after_commit.get() is None:
            self._steps = []
            self._token = _after_commit.set(self._steps)
        if self.public:
            from core.freshness import public_changed

            after_commit(public_changed)
        return entered

    async def __aexit__(self, exception_type, exception, traceback):
        try:
            result = await self.inner.__aexit__(exception_type, exception, traceback)
        finally:
            if self._token is not None:
                _after_commit.reset(self._token)
        if self._steps and exception_type is None:
            for step in self._steps:
                await step()
        return result


def is_unique_violation(error: BaseException) -> bool:
    """True for a unique-constraint failure on either engine."""
    name = type(error).__name__
    text = str(error)
    return name == "UniqueViolationError" or (name == "IntegrityError" and "UNIQUE" in text)


def is_foreign_key_violation(error: BaseException) -> bool:
    """True for a foreign-key failure on either engine (a row still referenced, or a
    reference to a row that is gone)."""
    name = type(error).__name__
    return name == "ForeignKeyViolationError" or (name == "IntegrityError" and "FOREIGN KEY" in str(error))


def _pool_connection_class():
    import asyncpg

    class PooledConnection(asyncpg.Connection):
        """A pooled connection given back without asyncpg's reset query (advisory unlock,
        CLOSE ALL, UNLISTEN, RESET ALL): one more round trip after every query, for state the
        app never leaves on a pooled connection — no session settings, LISTEN, cursors outside
        transactions or advisory locks (the migration lock has a connection of its own). An
        open transaction is still rolled back on release."""

        def get_reset_query(self) -> str:
            return ""

    return PooledConnection


async def start_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=20, connection_class=_pool_connection_class())


async def close_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_idle()


@contextlib.asynccontextmanager
async def migration_lock(engine: Engine) -> AsyncIterator[None]:
    """Serialise migrations and seeding across processes (PostgreSQL advisory lock).
    SQLite needs none: its writes already serialise."""
    if not isinstance(engine, PostgresEngine):
        yield
        return
    import asyncpg

    connection = await asyncpg.connect(dsn=engine.config["dsn"])
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        yield
    finally:
        try:
            await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
        finally:
            await connection.close()


async def migrate(engine: Engine, verbose: bool = False) -> None:
    """Apply every pending Piccolo migration of every app, once."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    async with migration_lock(engine):
        # Piccolo prints its progress; keep it out of our output unless asked for.
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            response = await run_forwards(app_name="all", fake=False)
        if verbose:
            print(printed.getvalue(), file=sys.stderr)
        if not response.success:
            raise RuntimeError(f"migrations failed: {response.message}")


# --- Constraints in migrations -------------------------------------------------------------
# Piccolo adds composite constraints with ALTER TABLE ... ADD CONSTRAINT, which SQLite cannot
# do. Migrations call these instead: a unique index works on both engines; a CHECK becomes a
# table constraint on PostgreSQL and a pair of triggers on SQLite.


async def create_unique_index(name: str, table: str, columns: list[str], where: str | None = None) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({cols})'
    if where:
        sql += f" WHERE {where}"
    await engine_of().run_ddl(sql)


async def create_check(name: str, table: str, condition: str) -> None:
    """`condition` refers to columns by name; on SQLite each is read from NEW."""
    engine = engine_of()
    if is_sqlite(engine):
        import re

        columns = await engine.run_ddl(f'PRAGMA table_info("{table}")')
        names = sorted((row["name"] for row in columns), key=len, reverse=True)
        # columns are named outside string literals only ('network' stays a value)
        parts = re.split(r"('(?:[^']|'')*')", condition)
        for column in names:
            parts = [part if part.startswith("'") else
                     re.sub(rf'(?<![\w."])"?{re.escape(column)}"?(?![\w"])', f'NEW."{column}"', part)
                     for part in parts]
        new_condition = "".join(parts)
        for event in ("INSERT", "UPDATE"):
            await engine.run_ddl(
                f'CREATE TRIGGER IF NOT EXISTS "{name}_{event.lower()}" BEFORE {event} ON "{table}" '
                f"WHEN NOT ({new_condition}) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
            )
    else:
        await engine.run_ddl(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ({condition})')
