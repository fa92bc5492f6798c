"""Vote constraints and indexes: one vote per voter per category per edition (the guarantee
under concurrency), and the indexes the tally sweeper, rebuilds and counts read by."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_unique_index, engine_of

ID = "2026-11-22T20:33:24:000000"
VERSION = "1.38.0"
DESCRIPTION = "vote constraints and indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="voting", description=DESCRIPTION)

    async def constraints():
        await create_unique_index("vote_one_per_voter_category", "vote", ["voter", "category", "edition"])
        engine = engine_of()
        await engine.run_ddl('CREATE INDEX IF NOT EXISTS "vote_cast_at" ON "vote" ("cast_at")')
        await engine.run_ddl('CREATE INDEX IF NOT EXISTS "vote_edition_category" ON "vote" ("edition", "category")')
        await engine.run_ddl(
            'CREATE INDEX IF NOT EXISTS "vote_voided_at" ON "vote" ("voided_at") WHERE "voided_at" IS NOT NULL'
        )

    manager.add_raw(constraints)
    return manager
