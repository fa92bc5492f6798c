"""Publication request constraints: the state enumeration, the approver is never the
requester (four eyes), and at most one live (awaiting or approved) request per edition."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db import create_check, create_unique_index

ID = "2026-12-01T20:14:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "publication request constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="prizes", description=DESCRIPTION)

    async def constraints():
        await create_check("publication_request_state_valid", "publication_request",
                           "state IN ('awaiting', 'approved', 'cancelled')")
        await create_check("publication_request_four_eyes", "publication_request",
                           "approved_by IS NULL OR requested_by IS NULL OR approved_by <> requested_by")
        await create_unique_index("publication_request_one_live", "publication_request", ["edition"],
                                  where="state <> 'cancelled'")

    manager.add_raw(constraints)
    return manager
