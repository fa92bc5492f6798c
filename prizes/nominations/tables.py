"""Projects submitted for a category of an edition, and their photos.

`status` is written only by `prizes.nominations.services` (the moves of
`prizes.nominations.rules.TRANSITIONS`); a test checks that no other module writes it."""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import User
from prizes.editions.tables import Category, Edition, FrameworkGoal


class Nomination(Table, tablename="nomination"):
    """A project submitted for a category of an edition.

    Constraints (made in the migration): status in `prizes.nominations.rules.STATUSES`; one project per
    entity (folded name + country) per category per edition among those that are not
    drafts — a partial unique index on (edition, category, entity_key, country)."""

    id = UUID(primary_key=True)
    edition = ForeignKey(Edition, null=False, on_delete=OnDelete.restrict, index=True)
    category = ForeignKey(Category, null=False, on_delete=OnDelete.restrict, index=True)
    owner = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=20, null=False, default="draft", index=True)
    title = Varchar(length=300, null=False, default="")
    entity_name = Varchar(length=300, null=False, default="")
    # The entity's name folded (case, spacing, punctuation) for the one-project rule.
    entity_key = Varchar(length=300, null=False, default="")
    stakeholder_type = Varchar(length=40, null=False, default="")
    country = Varchar(length=2, null=False, default="")
    region = Varchar(length=20, null=False, default="")
    contact_name = Varchar(length=200, null=False, default="")
    contact_email = Varchar(length=320, null=False, default="")
    website = Varchar(length=500, null=False, default="")
    short_description = Text(null=False, default="")
    sdgs = JSON(null=False, default="[]")
    # The goals of the edition's other frameworks are rows of `NominationGoal` (SDGs are `sdgs`).
    sdg_linkages = Text(null=False, default="")
    impact = Text(null=False, default="")
    partnerships = Text(null=False, default="")
    challenges = Text(null=False, default="")
    project_status = Varchar(length=30, null=False, default="")
    started_on = Date(null=True, default=None)
    owned_by_submitter = Boolean(null=False, default=True)
    declarations = JSON(null=False, default='{"english": false, "accurate": false, "consent": false}')
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    updated_at = Timestamptz(default=TimestamptzNow(), null=False)
    submitted_at = Timestamptz(null=True, default=None)
    eligibility_reason = Text(null=False, default="")
    eligibility_by = UUID(null=True, default=None)
    eligibility_at = Timestamptz(null=True, default=None)
    nominated_at = Timestamptz(null=True, default=None)
    # When the owner was first mailed the ineligibility decision (at the confirmation of the
    # nominated list): the appeal window (`appeal_days`) runs from it.
    outcome_mailed_at = Timestamptz(null=True, default=None)


class NominationGoal(Table, tablename="nomination_goal"):
    """A goal of a framework other than the SDGs that a project chose (SPEC §11). Constraints
    (made in the migration): unique (nomination, goal). The project's rows go with it
    (cascade); a goal someone chose cannot be removed (restrict), nor therefore its framework
    (whose removal would take its goals) — the database refuses, whatever the code checked."""

    nomination = ForeignKey(Nomination, null=False, on_delete=OnDelete.cascade)
    goal = ForeignKey(FrameworkGoal, null=False, on_delete=OnDelete.restrict, index=True)


class NominationImage(Table, tablename="nomination_image"):
    """A photo attached to a project for the book. The file lives under the media folder
    (setting PRIZES_MEDIA_DIR) as `<id>.<ext>`; only its checked type is trusted."""

    id = UUID(primary_key=True)
    nomination = ForeignKey(Nomination, null=False, on_delete=OnDelete.cascade, index=True)
    content_type = Varchar(length=40, null=False)
    size = Integer(null=False)
    credit = Varchar(length=300, null=False, default="")
    caption = Varchar(length=500, null=False, default="")
    uploaded_at = Timestamptz(default=TimestamptzNow(), null=False)


class Appeal(Table, tablename="appeal"):
    """An owner's appeal against an ineligibility decision: one per project (a UNIQUE
    constraint on `nomination`, made in the migration, so concurrent appeals leave one).
    Open while `decided_at` is null; the decision is taken by someone other than the person
    who declared the project ineligible (`prizes.nominations.appeals`)."""

    id = UUID(primary_key=True)
    nomination = ForeignKey(Nomination, null=False, on_delete=OnDelete.restrict, unique=True)
    text = Text(null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = UUID(null=True, default=None)
    decided_by_email = Varchar(length=320, null=False, default="")
    upheld = Boolean(null=True, default=None)
    reason = Text(null=False, default="")
