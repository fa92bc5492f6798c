"""The audit log: who did what, when and why. Append-only; no foreign keys, so an entry
outlives anything it mentions."""

from piccolo.columns import JSON, UUID, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    at = Timestamptz(default=TimestamptzNow(), null=False, index=True)
    actor_id = UUID(null=True, default=None)
    actor_email = Varchar(length=320, null=False, default="system")
    action = Varchar(length=80, null=False, index=True)
    subject = Varchar(length=120, null=False, default="", index=True)
    reason = Text(null=False, default="")
    details = JSON(default="{}")
