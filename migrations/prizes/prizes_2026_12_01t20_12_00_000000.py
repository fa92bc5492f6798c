"""Frozen counting rules: the canonical JSON of an edition's rules, written once when the
edition first enters the voting phase, and when (see `prizes.editions.rules.frozen_rules`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import engine_of, is_sqlite

ID = "2026-12-01T20:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "edition rules frozen at the opening of the vote"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def columns():
        engine = engine_of()
        stamp = "TIMESTAMPTZ" if is_sqlite(engine) else "TIMESTAMP WITH TIME ZONE"
        await engine.run_ddl('ALTER TABLE "edition" ADD COLUMN "rules_json" TEXT NULL')
        await engine.run_ddl(f'ALTER TABLE "edition" ADD COLUMN "rules_frozen_at" {stamp} NULL')

    manager.add_raw(columns)
    return manager
