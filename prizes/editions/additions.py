"""Adding a category or a goal framework to an edition: both are ordered lists of the edition
with a unique code, so an addition takes the next position and, in the same public
transaction, writes its audit entry; a unique violation (the same code added meanwhile by
someone else) becomes the caller's 409."""

from __future__ import annotations

from typing import Awaitable, Callable

from core import audit
from core.audit import Actor
from core.db import is_unique_violation, transaction
from core.errors import Conflict
from prizes.editions import queries
from prizes.editions.rules import EditionState
from prizes.editions.tables import Category, Framework


async def append_to_edition(year: int, table: type[Category] | type[Framework],
                            insert: Callable[[int, int], Awaitable[object]], *, actor: Actor, action: str,
                            reason: str | None, details: dict, clash: Conflict) -> EditionState:
    """Call `insert(edition_id, position)` with the position after the edition's rows of
    `table`, record `action` with `details`, and return the edition as it now is."""
    row = await queries.edition_row(year)
    try:
        async with transaction(public=True):
            position = len(await table.select(table.id).where(table.edition == row["id"]))
            await insert(row["id"], position)
            await audit.record(actor, action, f"edition:{year}", reason or "", details)
    except Exception as error:
        if is_unique_violation(error):
            raise clash
        raise
    queries.forget()
    return await queries.get_edition(year)
