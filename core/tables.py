"""Tables of `core`: the audit log (who did what, when and why; append-only, no foreign
keys, so an entry outlives anything it mentions; a hash chain the database keeps
append-only) and the queue of outgoing mail."""

from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar
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
    # The hash chain (core/audit.py): the previous entry's hash, and this entry's.
    prev_hash = Varchar(length=64, null=False, default="")
    hash = Varchar(length=64, null=False, default="")


class OutgoingMail(Table, tablename="outgoing_mail"):
    """The durable queue of outgoing mail (`core.mail`). A row is due while `sent_at` is NULL
    and `next_attempt_at` has passed; `next_attempt_at` is NULL once the mail is sent or given
    up (then `last_error` says why)."""

    kind = Varchar(length=40, null=False, default="")
    recipient = Varchar(length=320, null=False)
    subject = Text(null=False, default="")
    body_text = Text(null=False, default="")
    body_html = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    attempts = Integer(null=False, default=0)
    next_attempt_at = Timestamptz(null=True, default=TimestamptzNow(), index=True)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(null=False, default="")
