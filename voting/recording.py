"""The durable record of a vote: one row of the `vote` table, written in a group commit with
the votes of the same moment (`core.batching`), before Redis and before the answer (see
`voting.services.cast_vote`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from core.batching import Coalescer
from core.errors import Conflict, FieldError
from core.i18n import gettext as _
from core.ratelimit import network_block
from voting import queries
from voting.queries import Target
from voting.rules import agent_hash, email_domain, new_receipt
from voting.tables import Vote

if TYPE_CHECKING:
    from accounts.services import CurrentUser
    from voting.services import Origin


def already_voted(code: str) -> Conflict:
    return Conflict(_("You have already voted in category %(category)s; a vote is final.", category=code),
                    [FieldError("nomination_id", _("Already voted in category %(category)s.", category=code))])


_INSERT_COLUMNS = ("id", "edition", "category", "nomination", "voter", "cast_at", "receipt", "client_address", "network",
                   "email_domain", "agent", "valid", "void_reason", "source")
# Written out rather than built by Piccolo: this is on the path of every vote (the builder
# costs about a millisecond of CPU a vote). A row that breaks a unique constraint (a second
# vote in the category, a receipt drawn twice) is skipped, not an error: it is simply not
# among the rows the statement returns.
_INSERT = 'INSERT INTO "vote" (' + ", ".join(f'"{c}"' for c in _INSERT_COLUMNS) + ") VALUES "
_ROW = "(" + ", ".join("{}" for _ in _INSERT_COLUMNS) + ")"
_SKIPPED = ' ON CONFLICT DO NOTHING RETURNING "id"'
_NOT_INSERTED = object()


async def _insert_rows(rows: list[tuple]) -> list[object]:
    """The votes of one moment in one statement, hence one commit (group commit): for each
    row its receipt, or `_NOT_INSERTED`. Should the statement fail as a whole (say a project
    deleted meanwhile), each row is tried on its own, so that only the faulty one fails."""
    try:
        inserted = await Vote.raw(_INSERT + ", ".join(_ROW for _ in rows) + _SKIPPED,
                                  *(value for row in rows for value in row))
    except Exception:
        if len(rows) == 1:
            raise
        answers: list[object] = []
        for row in rows:
            try:
                answers.extend(await _insert_rows([row]))
            except Exception as error:  # noqa: BLE001 — that vote's caller gets it
                answers.append(error)
        return answers
    ids = {str(row["id"]) for row in inserted}
    return [row[6] if str(row[0]) in ids else _NOT_INSERTED for row in rows]


_vote_rows: Coalescer[tuple, object] = Coalescer(_insert_rows, max_batch=200)


async def insert(user: CurrentUser, target: Target, origin: Origin, now: datetime) -> str:
    """Record the vote (committed when it returns, batched with the votes of the same
    moment); its receipt."""
    for _attempt in range(3):
        receipt = await _vote_rows((
            uuid4(), target.edition.id, target.category_id, target.nomination_id, user.id, now, new_receipt(),
            origin.address[:64], network_block(origin.address)[:64], email_domain(user.email)[:255],
            agent_hash(origin.user_agent), True, "", origin.source,
        ))
        if receipt is not _NOT_INSERTED:
            return receipt  # type: ignore[return-value]
        if await queries.vote_in_category(user.id, target.category_id):
            raise already_voted(target.category_code) from None
        # a receipt collision (80 random bits): draw another
    raise RuntimeError("could not draw a unique receipt")
