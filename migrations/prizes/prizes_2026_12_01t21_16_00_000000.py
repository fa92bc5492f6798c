"""Eligibility appeals: when the owner was mailed the ineligibility decision (the window's
start), and the appeal table, one appeal per project (UNIQUE on `nomination`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import engine_of, is_sqlite

ID = "2026-12-01T21:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "eligibility appeals"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def ddl():
        engine = engine_of()
        stamp = "TIMESTAMPTZ" if is_sqlite(engine) else "TIMESTAMP WITH TIME ZONE"
        await engine.run_ddl(f'ALTER TABLE "nomination" ADD COLUMN "outcome_mailed_at" {stamp} NULL')
        await engine.run_ddl(
            'CREATE TABLE "appeal" ('
            '"id" UUID PRIMARY KEY, '
            '"nomination" UUID NOT NULL REFERENCES "nomination" ("id") ON DELETE RESTRICT ON UPDATE CASCADE, '
            '"text" TEXT NOT NULL DEFAULT \'\', '
            f'"created_at" {stamp} NOT NULL DEFAULT CURRENT_TIMESTAMP, '
            f'"decided_at" {stamp} NULL, '
            '"decided_by" UUID NULL, '
            '"decided_by_email" VARCHAR(320) NOT NULL DEFAULT \'\', '
            '"upheld" BOOLEAN NULL, '
            '"reason" TEXT NOT NULL DEFAULT \'\', '
            'CONSTRAINT "appeal_one_per_project" UNIQUE ("nomination"), '
            'CONSTRAINT "appeal_decided_whole" CHECK ((decided_at IS NULL) = (upheld IS NULL)))'
        )

    manager.add_raw(ddl)
    return manager
