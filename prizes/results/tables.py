"""What the end of an edition adds to its projects: the finalists' extended descriptions."""

from piccolo.columns import ForeignKey, Text, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from prizes.nominations.tables import Nomination


class ExtendedDescription(Table, tablename="extended_description"):
    """A finalist's extended description for the Success Stories book, one per project.
    The row is made when its owner is first asked (`requested_at`); `submitted_at` says
    whether, and when, they answered."""

    nomination = ForeignKey(Nomination, null=False, unique=True, on_delete=OnDelete.cascade)
    text = Text(null=False, default="")
    requested_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
