"""Judging: panels (judges assigned to categories), the rubric and settings of each round,
declared conflicts of interest, and score sheets.

Deleting a project, a category or an account never wipes judging records: every foreign key
restricts. Constraints Piccolo cannot add on SQLite are made in the migrations (see each
table's docstring)."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import User
from prizes.editions.tables import Category, Edition
from prizes.nominations.tables import Nomination


class JudgeAssignment(Table, tablename="judge_assignment"):
    """A judge on the panel of a category (of one edition, through the category).

    Constraint (made in the migration): unique (judge, category)."""

    judge = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    category = ForeignKey(Category, null=False, on_delete=OnDelete.restrict, index=True)
    assigned_at = Timestamptz(default=TimestamptzNow(), null=False)
    assigned_by = UUID(null=True, default=None)


class JudgingRound(Table, tablename="judging_round"):
    """The rubric and the settings of one round of an edition. Made on first write (until
    then the rubric is the previous edition's, or the default).

    `rubric_frozen_at` is set by the first submitted sheet of the round; from then on the
    criteria never change (a later edit is refused). `blind` hides who submitted the projects
    from judges (as does the edition's `blind_judging`); `share_scores` lets the judges of a
    project see each other's sheets for it.

    Constraints (made in the migration): unique (edition, round); round in ROUNDS."""

    edition = ForeignKey(Edition, null=False, on_delete=OnDelete.restrict)
    round = Varchar(length=20, null=False)
    criteria = JSON(null=False, default="[]")
    guidance = Text(null=False, default="")
    blind = Boolean(null=False, default=False)
    share_scores = Boolean(null=False, default=False)
    rubric_frozen_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow(), null=False)


class DeclaredConflict(Table, tablename="judge_conflict"):
    """A conflict of interest a judge declared on a project (the automatic ones are computed,
    see `judging.rules.automatic_conflict`). It holds for every round while its `status` is
"standing"; "pending" (declared after one of the judge's sheets on the project was submitted)
waits for staff, who accept it (standing) or refuse it ("refused": the sheet stays).

    Constraint (made in the migration): unique (judge, nomination)."""

    judge = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    nomination = ForeignKey(Nomination, null=False, on_delete=OnDelete.restrict, index=True)
    reason = Text(null=False, default="")
    declared_at = Timestamptz(default=TimestamptzNow(), null=False)
    status = Varchar(length=20, null=False, default="standing")
    decided_by = UUID(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)


class LiftedConflict(Table, tablename="judge_conflict_lift"):
    """An automatic conflict (see `judging.rules.automatic_conflict`) staff found wrong and
    lifted, with their reason: the judge sees and scores the project again.

    Constraint (made in the migration): unique (judge, nomination)."""

    judge = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    nomination = ForeignKey(Nomination, null=False, on_delete=OnDelete.restrict, index=True)
    reason = Text(null=False, default="")
    lifted_by = UUID(null=True, default=None)
    lifted_at = Timestamptz(default=TimestamptzNow(), null=False)


class ScoreSheet(Table, tablename="score_sheet"):
    """A judge's scores for a project in a round: `scores` maps criterion keys to whole
    numbers. A draft is editable; a submitted sheet is locked until staff reopen it.

    Constraints (made in the migration): unique (nomination, judge, round) — one sheet per
    judge per project per round; status in SHEET_STATUSES; round in ROUNDS."""

    id = UUID(primary_key=True)
    nomination = ForeignKey(Nomination, null=False, on_delete=OnDelete.restrict, index=True)
    judge = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    round = Varchar(length=20, null=False)
    status = Varchar(length=20, null=False, default="draft")
    scores = JSON(null=False, default="{}")
    comment = Text(null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    updated_at = Timestamptz(default=TimestamptzNow(), null=False)
    submitted_at = Timestamptz(null=True, default=None)
