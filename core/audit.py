"""Writing to and reading the audit log. Call `record` inside the same transaction as the
change it describes, so that the change and its record stand or fall together."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from core.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or the system itself (`id=None`)."""

    id: UUID | None
    email: str

    @classmethod
    def system(cls) -> "Actor":
        return cls(None, "system")


async def record(actor: Actor, action: str, subject: str, reason: str = "", details: dict[str, Any] | None = None) -> None:
    await AuditEntry.insert(
        AuditEntry(
            at=datetime.now(timezone.utc),
            actor_id=actor.id,
            actor_email=actor.email,
            action=action,
            subject=subject,
            reason=reason,
            details=json.dumps(details or {}, default=str, sort_keys=True),
        )
    )


async def entries(subject: str | None = None, action: str | None = None, limit: int = 100) -> list[dict]:
    query = AuditEntry.select().order_by(AuditEntry.at, ascending=False).order_by(AuditEntry.id, ascending=False)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    rows = await query.limit(limit).output(load_json=True)
    return rows
