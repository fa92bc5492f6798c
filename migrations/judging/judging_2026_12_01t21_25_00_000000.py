"""Judging constraints of conflict decisions: one lift per judge and project; the statuses of
a declared conflict."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_check, create_unique_index

ID = "2026-12-01T21:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "conflict lift and status constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="judging", description=DESCRIPTION)

    async def constraints():
        await create_unique_index("judge_conflict_lift_judge_nomination", "judge_conflict_lift",
                                  ["judge", "nomination"])
        await create_check("judge_conflict_status_valid", "judge_conflict",
                           "status IN ('standing', 'pending', 'refused')")

    manager.add_raw(constraints)
    return manager
