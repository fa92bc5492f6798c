"""Editions, their phases and their categories."""

from piccolo.columns import JSON, UUID, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import User

PHASES = ("submission", "nomination", "voting", "selection", "announcement")


class Edition(Table, tablename="edition"):
    """Constraint (made in the migration): phase in PHASES."""

    year = Integer(null=False, unique=True)
    # The stored phase decides what is accepted; `phase_changed_at` is when it last moved,
    # so the app moves it on only at a closing instant that comes after that move.
    phase = Varchar(length=20, null=False, default="submission")
    phase_changed_at = Timestamptz(default=TimestamptzNow(), null=False)
    time_zone = Varchar(length=64, null=False, default="Europe/Zurich")
    settings = JSON(default="{}", null=False)
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    # Results (prizes/results.py): when staff published the winners, champions and book
    # (null: not yet — nothing about them is public), the book's foreword, and the
    # deadline the finalists have for their extended descriptions (null: none set yet).
    published_at = Timestamptz(null=True, default=None)
    foreword = Text(null=False, default="")
    extended_deadline = Timestamptz(null=True, default=None)


class EditionPhase(Table, tablename="edition_phase"):
    """Constraints (made in the migration): unique (edition, name); name in PHASES;
    opens_at < closes_at."""

    edition = ForeignKey(Edition, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=20, null=False)
    opens_at = Timestamptz(null=False)
    closes_at = Timestamptz(null=False)


class Category(Table, tablename="category"):
    """Constraint (made in the migration): unique (edition, code)."""

    edition = ForeignKey(Edition, null=False, on_delete=OnDelete.restrict)
    code = Varchar(length=16, null=False)
    title = Varchar(length=300, null=False)
    position = Integer(null=False, default=0)


NOMINATION_STATUSES = ("draft", "submitted", "eligible", "ineligible", "nominated", "finalist", "winner", "champion")
# A project that reached the public list keeps counting as nominated whatever it became.
NOMINATED_STATUSES = ("nominated", "finalist", "winner", "champion")


class Nomination(Table, tablename="nomination"):
    """A project submitted for a category of an edition.

    Constraints (made in the migration): status in NOMINATION_STATUSES; one project per
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


class ExtendedDescription(Table, tablename="extended_description"):
    """A finalist's extended description for the Success Stories book, one per project.
    The row is made when its owner is first asked (`requested_at`); `submitted_at` says
    whether, and when, they answered."""

    nomination = ForeignKey(Nomination, null=False, unique=True, on_delete=OnDelete.cascade)
    text = Text(null=False, default="")
    requested_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
