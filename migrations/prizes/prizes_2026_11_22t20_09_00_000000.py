"""Nomination constraints: the status enumeration, and one submitted project per entity per
category per edition (drafts aside) as a partial unique index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_check, create_unique_index

ID = "2026-11-22T20:09:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "nomination constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def constraints():
        statuses = "('draft', 'submitted', 'eligible', 'ineligible', 'nominated', 'finalist', 'winner', 'champion')"
        await create_check("nomination_status_valid", "nomination", f"status IN {statuses}")
        await create_unique_index(
            "nomination_one_per_entity_category",
            "nomination",
            ["edition", "category", "entity_key", "country"],
            where="status <> 'draft'",
        )

    manager.add_raw(constraints)
    return manager
