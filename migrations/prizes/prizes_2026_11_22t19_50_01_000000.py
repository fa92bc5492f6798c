"""Constraints Piccolo cannot add on SQLite: unique indexes and CHECKs (see core/db.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_check, create_unique_index

ID = "2026-11-22T19:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def constraints():
        phases = "('submission', 'nomination', 'voting', 'selection', 'announcement')"
        await create_check("edition_phase_valid", "edition", f"phase IN {phases}")
        await create_unique_index("edition_phase_edition_name", "edition_phase", ["edition", "name"])
        await create_check("edition_phase_name_valid", "edition_phase", f"name IN {phases}")
        await create_check("edition_phase_order", "edition_phase", "opens_at < closes_at")
        await create_unique_index("category_edition_code", "category", ["edition", "code"])

    manager.add_raw(constraints)

    return manager
