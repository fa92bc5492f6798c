"""Verifiable votes: the public reason category of a void (a CHECK on its codes) and the
campaign source tag a vote came with (null: untagged)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_check, engine_of

ID = "2026-12-01T20:12:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "vote void category and source"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="voting", description=DESCRIPTION)

    async def columns():
        engine = engine_of()
        await engine.run_ddl('ALTER TABLE "vote" ADD COLUMN "void_code" VARCHAR(16) NOT NULL DEFAULT \'\'')
        await engine.run_ddl('ALTER TABLE "vote" ADD COLUMN "source" VARCHAR(32) NULL')
        codes = "('', 'burst', 'network', 'disposable', 'quick', 'alias', 'domain', 'manual')"
        await create_check("vote_void_code_valid", "vote", f"void_code IN {codes}")

    manager.add_raw(columns)
    return manager
