"""Writing to, reading and verifying the audit log. Call `record` inside the same transaction
as the change it describes, so that the change and its record stand or fall together.

The log is one hash chain per installation: each entry stores `prev_hash` (the `hash` of the
entry before it, "" for the first) and `hash` = SHA-256 of `prev_hash` followed by the
entry's canonical content (`canonical`). Entries are appended under a lock — on PostgreSQL
`pg_advisory_xact_lock(AUDIT_LOCK_ID)` inside the writer's transaction, held until it commits;
on SQLite the writer's IMMEDIATE transaction already holds the database's write lock — so two
writers never read the same head and the chain never forks. The database refuses UPDATE and
DELETE on the table (triggers, core migration of 2026-12-01), and `verify` walks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Callable
from uuid import UUID

from core.db import is_sqlite, transaction
from core.tables import AuditEntry

# The advisory lock that serialises appends to the chain (PostgreSQL).
AUDIT_LOCK_ID = 7_202_612


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or the system itself (`id=None`)."""

    id: UUID | None
    email: str

    @classmethod
    def system(cls) -> "Actor":
        return cls(None, "system")


def _instant(at: datetime | str) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _details(details: Any) -> Any:
    if isinstance(details, (str, bytes)):
        details = json.loads(details or "{}")
    return details if details is not None else {}


def canonical(at: datetime | str, actor_id: UUID | str | None, actor_email: str, action: str, subject: str,
              reason: str, details: Any) -> str:
    """The entry's content as one canonical JSON text (sorted keys, no spaces, UTF-8 as is;
    the instant in UTC to the microsecond, which both engines store exactly)."""
    return json.dumps(
        {"at": _instant(at), "actor_id": str(actor_id) if actor_id is not None else None, "actor_email": actor_email,
         "action": action, "subject": subject, "reason": reason, "details": _details(details)},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def entry_hash(row: dict, prev_hash: str) -> str:
    return chain_hash(prev_hash, canonical(row["at"], row["actor_id"], row["actor_email"], row["action"],
                                           row["subject"], row["reason"], row["details"]))


async def _lock_chain() -> None:
    if not is_sqlite():
        await AuditEntry.raw("SELECT pg_advisory_xact_lock({})", AUDIT_LOCK_ID)


async def _head_row() -> dict | None:
    return await AuditEntry.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id, ascending=False).first()


async def record(actor: Actor, action: str, subject: str, reason: str = "", details: dict[str, Any] | None = None) -> None:
    # Microseconds only: what both engines store, so the hash can be recomputed from the row.
    at = datetime.now(timezone.utc)
    text = json.dumps(details or {}, default=str, sort_keys=True)
    # Joins the caller's transaction when there is one (Piccolo nests), else opens its own.
    async with transaction():
        await _lock_chain()
        head = await _head_row()
        prev_hash = head["hash"] if head else ""
        digest = chain_hash(prev_hash, canonical(at, actor.id, actor.email, action, subject, reason, text))
        await AuditEntry.insert(
            AuditEntry(at=at, actor_id=actor.id, actor_email=actor.email, action=action, subject=subject,
                       reason=reason, details=text, prev_hash=prev_hash, hash=digest)
        )


async def head() -> str | None:
    """The hash of the latest entry: it vouches for the whole log before it (None: empty)."""
    row = await _head_row()
    return row["hash"] if row else None


async def entries(subject: str | None = None, action: str | None = None, limit: int = 100) -> list[dict]:
    query = AuditEntry.select().order_by(AuditEntry.at, ascending=False).order_by(AuditEntry.id, ascending=False)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    rows = await query.limit(limit).output(load_json=True)
    return rows


@dataclass(frozen=True)
class Verification:
    count: int
    head: str | None
    bad_id: int | None = None  # the first entry that does not match, if any
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_id is None


async def _rows_in_order(batch: int) -> AsyncIterator[dict]:
    last = 0
    while True:
        rows = await (AuditEntry.select().where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch))
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1]["id"]


async def verify(progress: Callable[[int, int], None] | None = None, batch: int = 2000) -> Verification:
    """Walk the chain from the first entry: each must link to the one before it and its hash
    must be that of its content. `progress(done, total)` is called after every batch."""
    total = await AuditEntry.count()
    prev = ""
    done = 0
    async for row in _rows_in_order(batch):
        if row["prev_hash"] != prev:
            return Verification(done, prev or None, row["id"], "prev_hash does not match the entry before it")
        if entry_hash(row, prev) != row["hash"]:
            return Verification(done, prev or None, row["id"], "hash does not match the entry's content")
        prev = row["hash"]
        done += 1
        if progress and (done % batch == 0 or done == total):
            progress(done, total)
    return Verification(done, prev or None)
