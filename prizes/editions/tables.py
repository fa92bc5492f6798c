"""Editions, their phases and their categories."""

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Edition(Table, tablename="edition"):
    """Constraint (made in the migration): phase in `prizes.editions.rules.PHASES`."""

    year = Integer(null=False, unique=True)
    # The stored phase decides what is accepted; `phase_changed_at` is when it last moved,
    # so the app moves it on only at a closing instant that comes after that move.
    phase = Varchar(length=20, null=False, default="submission")
    phase_changed_at = Timestamptz(default=TimestamptzNow(), null=False)
    time_zone = Varchar(length=64, null=False, default="Europe/Zurich")
    settings = JSON(default="{}", null=False)
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    # Results (prizes/results/): when staff published the winners, champions and book
    # (null: not yet — nothing about them is public), the book's foreword, and the
    # deadline the finalists have for their extended descriptions (null: none set yet).
    published_at = Timestamptz(null=True, default=None)
    foreword = Text(null=False, default="")
    extended_deadline = Timestamptz(null=True, default=None)
    # The counting rules as frozen when the edition first entered the voting phase: their
    # canonical JSON text, whose SHA-256 is the public fingerprint (null: not frozen yet).
    rules_json = Text(null=True, default=None)
    rules_frozen_at = Timestamptz(null=True, default=None)


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
    # The title in each language, {language: title} (`en` equals `title`); shown through
    # `prizes.editions.rules.category_title`, English when a language is missing.
    titles = JSON(default="{}", null=False)
    position = Integer(null=False, default=0)


class Framework(Table, tablename="goal_framework"):
    """A goal framework of an edition (the SDGs, others staff add). Constraints (made in the
    migration): unique (edition, code)."""

    edition = ForeignKey(Edition, null=False, on_delete=OnDelete.restrict)
    code = Varchar(length=16, null=False)
    title = Varchar(length=300, null=False)
    # {language: title} (`en` equals `title`), as for categories.
    titles = JSON(default="{}", null=False)
    position = Integer(null=False, default=0)


class FrameworkGoal(Table, tablename="framework_goal"):
    """One goal of a framework. Constraints (made in the migration): unique (framework,
    number); number >= 1. Removing a framework removes its goals (cascade)."""

    framework = ForeignKey(Framework, null=False, on_delete=OnDelete.cascade)
    number = Integer(null=False)
    title = Varchar(length=300, null=False)
    titles = JSON(default="{}", null=False)
