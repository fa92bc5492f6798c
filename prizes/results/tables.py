"""What the end of an edition adds: the finalists' extended descriptions, and the requests
to publish the results."""

from piccolo.columns import UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from prizes.editions.tables import Edition
from prizes.nominations.tables import Nomination


class ExtendedDescription(Table, tablename="extended_description"):
    """A finalist's extended description for the Success Stories book, one per project.
    The row is made when its owner is first asked (`requested_at`); `submitted_at` says
    whether, and when, they answered."""

    nomination = ForeignKey(Nomination, null=False, unique=True, on_delete=OnDelete.cascade)
    text = Text(null=False, default="")
    requested_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)


class PublicationRequest(Table, tablename="publication_request"):
    """A request to publish an edition's results (four-eyes publication, see
    `prizes.results.services`). `state`: `awaiting` (a second staff member must approve),
    `approved` (the edition's `published_at` is set to `release_at`; public from that instant;
    `mailed_at` says when the laureates' mails were queued, once) or `cancelled`.
    Constraints (made in the migration): state valid; approver never the requester; at most
    one live (awaiting or approved) request per edition."""

    edition = ForeignKey(Edition, null=False, on_delete=OnDelete.restrict)
    state = Varchar(length=20, null=False, default="awaiting")
    requested_by = UUID(null=True, default=None)
    requested_by_email = Varchar(length=320, null=False, default="")
    requested_at = Timestamptz(null=False)
    release_at = Timestamptz(null=True, default=None)  # asked for; null: at approval
    approved_by = UUID(null=True, default=None)
    approved_by_email = Varchar(length=320, null=False, default="")
    approved_at = Timestamptz(null=True, default=None)
    mailed_at = Timestamptz(null=True, default=None)
    cancelled_by_email = Varchar(length=320, null=False, default="")
    cancelled_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(null=False, default="")
