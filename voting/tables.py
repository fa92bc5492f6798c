"""Votes: the durable record of every accepted vote. Redis tallies are derived from it and
can be rebuilt from it at any time (`voting/tallies.py`).

Constraints and indexes (made in the migration, see core/db.py): unique (voter, category,
edition) — the one-vote rule under any concurrency; indexes on cast_at (the tally sweeper),
voided_at where set, and (edition, category) (rebuilds and counts).
"""

from piccolo.columns import UUID, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from accounts.tables import User
from prizes.editions.tables import Category, Edition
from prizes.nominations.tables import Nomination


class Vote(Table, tablename="vote"):
    id = UUID(primary_key=True)
    edition = ForeignKey(Edition, null=False, on_delete=OnDelete.restrict)
    category = ForeignKey(Category, null=False, on_delete=OnDelete.restrict)
    nomination = ForeignKey(Nomination, null=False, on_delete=OnDelete.restrict)
    voter = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    cast_at = Timestamptz(null=False)
    # Shown to the voter; random, so it proves nothing to anyone who did not get it.
    receipt = Varchar(length=24, null=False, unique=True)
    # What fraud review needs, captured when the vote is cast: the client address, its
    # /24 or /48 block, the voter's e-mail domain and a short hash of the user agent.
    client_address = Varchar(length=64, null=False, default="")
    network = Varchar(length=64, null=False, default="")
    email_domain = Varchar(length=255, null=False, default="")
    agent = Varchar(length=16, null=False, default="")
    # Raw votes are every row; valid votes are those not voided by staff. Only valid votes
    # count in tallies and finalists.
    valid = Boolean(null=False, default=True)
    voided_at = Timestamptz(null=True, default=None)
    voided_by = UUID(null=True, default=None)
    void_reason = Text(null=False, default="")
    # The public category of a void (never the evidence): `voting.rules.VOID_CODES`, '' while
    # valid. A CHECK (voting migration) holds the list.
    void_code = Varchar(length=16, null=False, default="")
    # The campaign source tag of the link the vote came from (`?src=`), null when untagged.
    source = Varchar(length=32, null=True, default=None)
