"""Constraints Piccolo cannot add on SQLite: unique indexes and CHECKs (see core/db.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_check, create_unique_index

ID = "2026-11-22T19:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def constraints():
        await create_unique_index("account_role_user_role", "account_role", ["user", "role"])
        await create_check("account_role_role_valid", "account_role", "role IN ('staff', 'judge')")

    manager.add_raw(constraints)

    return manager
