"""Judging constraints: one assignment per judge and category, one round row per edition and
round, one declared conflict per judge and project, one score sheet per judge per project per
round; the enumerations of rounds and sheet statuses."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_check, create_unique_index

ID = "2026-11-22T20:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "judging constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="judging", description=DESCRIPTION)

    async def constraints():
        rounds = "('nomination', 'selection')"
        await create_unique_index("judge_assignment_judge_category", "judge_assignment", ["judge", "category"])
        await create_unique_index("judging_round_edition_round", "judging_round", ["edition", "round"])
        await create_check("judging_round_round_valid", "judging_round", f"round IN {rounds}")
        await create_unique_index("judge_conflict_judge_nomination", "judge_conflict", ["judge", "nomination"])
        await create_unique_index("score_sheet_one_per_judge_project_round", "score_sheet",
                                  ["nomination", "judge", "round"])
        # Spelt so because core.db.create_check (on SQLite) rewrites every column name it finds,
        # even inside a string literal, and score_sheet has a column named `nomination`.
        await create_check("score_sheet_round_valid", "score_sheet", "round IN ('nomi' || 'nation', 'selection')")
        await create_check("score_sheet_status_valid", "score_sheet", "status IN ('draft', 'submitted')")

    manager.add_raw(constraints)
    return manager
