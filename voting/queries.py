"""Reads behind voting: what a vote is for, a voter's votes, the nominated projects of an
edition, and the durable record of votes as the tallies are rebuilt and checked from it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import AsyncIterator
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from prizes.editions.queries import state_of
from prizes.editions.rules import EditionState, PhaseWindow, category_title, titles_of
from prizes.editions.tables import Category, Edition, EditionPhase
from prizes.nominations.rules import NOMINATED_STATUSES
from prizes.nominations.tables import Nomination
from voting.keys import redis_id
from voting.rules import COUNT_COMPLETE
from voting.tables import Vote


def parse_uuid(value: object) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


@dataclass(frozen=True)
class EditionCategories:
    """An edition's categories in their order: (id, code) pairs. Codes never change once an
    edition exists, so this is read once per process."""

    edition_id: int
    items: tuple[tuple[int, str], ...]

    @property
    def codes(self) -> list[str]:
        return [code for _id, code in self.items]

    def code_of(self, category_id: int) -> str:
        return next(code for cid, code in self.items if cid == category_id)


_categories_cache: dict[int, EditionCategories] = {}


async def edition_categories(edition_id: int) -> EditionCategories:
    cached = _categories_cache.get(edition_id)
    if cached is not None:
        return cached
    rows = await Category.select(Category.id, Category.code).where(Category.edition == edition_id).order_by(
        Category.position
    ).order_by(Category.id)
    found = EditionCategories(edition_id, tuple((r["id"], r["code"]) for r in rows))
    if found.items:
        _categories_cache[edition_id] = found
    return found


async def _state(edition: dict, categories: EditionCategories) -> EditionState:
    windows = await EditionPhase.select(EditionPhase.name, EditionPhase.opens_at, EditionPhase.closes_at).where(
        EditionPhase.edition == edition["id"]
    )
    return state_of(edition, (PhaseWindow(w["name"], w["opens_at"], w["closes_at"]) for w in windows),
                    ((code, code) for code in categories.codes))  # codes only: titles are not needed here


@dataclass(frozen=True)
class VotingEdition:
    """An edition as voting needs it: its row id, its state (phase rule, settings) and its
    categories."""

    id: int
    state: EditionState
    categories: EditionCategories

    @property
    def year(self) -> int:
        return self.state.year


async def edition_by_id(edition_id: int) -> VotingEdition:
    row = await Edition.select().where(Edition.id == edition_id).first()
    categories = await edition_categories(edition_id)
    return VotingEdition(edition_id, await _state(row, categories), categories)


async def edition_by_year(year: int) -> VotingEdition | None:
    row = await Edition.select().where(Edition.year == year).first()
    if row is None:
        return None
    categories = await edition_categories(row["id"])
    return VotingEdition(row["id"], await _state(row, categories), categories)


@dataclass(frozen=True)
class Target:
    """The project a vote is for."""

    nomination_id: UUID
    status: str
    title: str
    category_id: int
    category_code: str
    submitted_at: datetime | None
    owner_id: UUID
    edition: VotingEdition

    @property
    def is_nominated(self) -> bool:
        return self.status in NOMINATED_STATUSES


_TARGET_SQL = (
    'SELECT n."id", n."status", n."title", n."category", c."code", n."submitted_at", n."owner", '
    'e."id" AS "edition_id", e."year", e."phase", e."phase_changed_at", e."time_zone", e."settings", e."rules_json", '
    'p."name" AS "window", p."opens_at", p."closes_at" '
    'FROM "nomination" n JOIN "category" c ON c."id" = n."category" JOIN "edition" e ON e."id" = n."edition" '
    'LEFT JOIN "edition_phase" p ON p."edition" = e."id" WHERE n."id" = {}'
)


def _instant(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_targets: dict[UUID, tuple[float, Target]] = {}


def forget_targets() -> None:
    """Called when the public data changed (core/freshness.py): read the targets again."""
    _targets.clear()


async def vote_target(nomination_id: object, max_age: float = 0.0) -> Target | None:
    """The project and its edition with its phases (None for an unknown or malformed id), in
    one query: this is on the path of every vote. With `max_age`, what this process read
    less than `max_age` seconds ago is reused (as the edition cache does, EDITION_CACHE_SECONDS:
    the phase rule still runs at each vote on the phases read, so a deadline stays exact; a
    move by staff reaches the other processes within `max_age`)."""
    key = parse_uuid(nomination_id)
    if key is None:
        return None
    if max_age > 0:
        cached = _targets.get(key)
        if cached and time.monotonic() - cached[0] < max_age:
            return cached[1]
    target = await _read_target(key)
    if max_age > 0 and target is not None:
        if len(_targets) > 10_000:
            _targets.clear()
        _targets[key] = (time.monotonic(), target)
    return target


async def _read_target(key: UUID) -> Target | None:
    rows = await Nomination.raw(_TARGET_SQL, key)
    if not rows:
        return None
    row = rows[0]
    categories = await edition_categories(row["edition_id"])
    windows = (PhaseWindow(r["window"], _instant(r["opens_at"]), _instant(r["closes_at"])) for r in rows if r["window"])
    state = state_of({**row, "phase_changed_at": _instant(row["phase_changed_at"])}, windows,
                     ((code, code) for code in categories.codes))
    return Target(
        nomination_id=parse_uuid(row["id"]),
        status=row["status"],
        title=row["title"],
        category_id=row["category"],
        category_code=row["code"],
        submitted_at=_instant(row["submitted_at"]),
        owner_id=parse_uuid(row["owner"]),
        edition=VotingEdition(row["edition_id"], state, categories),
    )


@dataclass(frozen=True)
class Project:
    nomination_id: str
    category: str
    title: str
    status: str
    submitted_at: datetime | None


async def nominated_projects(edition_id: int) -> list[Project]:
    """Every project that reached the public list, in category order, then by title."""
    rows = await Nomination.select(
        Nomination.id, Nomination.category.code, Nomination.title, Nomination.status, Nomination.submitted_at
    ).where(
        (Nomination.edition == edition_id) & Nomination.status.is_in(list(NOMINATED_STATUSES))
    ).order_by(Nomination.category.position).order_by(Nomination.title).order_by(Nomination.id)
    return [Project(str(r["id"]), r["category.code"], r["title"], r["status"], r["submitted_at"]) for r in rows]


async def my_votes(voter_id: UUID, edition_id: int) -> list[dict]:
    rows = await Vote.select(
        Vote.category.code, Vote.nomination, Vote.nomination.title, Vote.cast_at, Vote.receipt
    ).where((Vote.voter == voter_id) & (Vote.edition == edition_id)).order_by(Vote.category.position)
    return [
        {
            "category": r["category.code"],
            "nomination_id": str(r["nomination"]),
            "title": r["nomination.title"],
            "cast_at": r["cast_at"],
            "receipt": r["receipt"],
        }
        for r in rows
    ]


async def vote_in_category(voter_id: UUID, category_id: int) -> dict | None:
    return await Vote.select(Vote.id, Vote.nomination, Vote.receipt, Vote.cast_at).where(
        (Vote.voter == voter_id) & (Vote.category == category_id)
    ).first()


async def project_summary(nomination_id: UUID) -> dict:
    """What the vote page shows of a project (its public fields only)."""
    row = await Nomination.select(
        Nomination.title, Nomination.entity_name, Nomination.country, Nomination.short_description,
        Nomination.category.code, Nomination.category.title, Nomination.category.titles,
    ).where(Nomination.id == nomination_id).first()
    return {"title": row["title"], "entity_name": row["entity_name"], "country": row["country"],
            "short_description": row["short_description"], "category": row["category.code"],
            "category_title": category_title(titles_of(row["category.titles"]), row["category.title"])}


async def nominated_by_category(edition_id: int) -> dict[str, list[dict]]:
    """The nominated projects of each category (id and title), for the ballot's "categories
    left" list."""
    grouped: dict[str, list[dict]] = {}
    for project in await nominated_projects(edition_id):
        grouped.setdefault(project.category, []).append({"nomination_id": project.nomination_id, "title": project.title})
    return grouped


async def edition_ids_with_votes() -> list[int]:
    rows = await Vote.select(Vote.edition).distinct()
    return sorted(r["edition"] for r in rows)


# --- the durable record, as the tallies read it ------------------------------------------------


async def complete_voters(edition_id: int, category_count: int, among: list[UUID] | None = None) -> set[str]:
    """Voters (as Redis ids) with a vote in every category of the edition. A voided vote
    still counts as cast here: voiding removes that vote, not the ballot's completeness."""
    sql = 'SELECT "voter" FROM "vote" WHERE "edition" = {}'
    args: list = [edition_id]
    if among is not None:
        if not among:
            return set()
        sql += ' AND "voter" IN (' + ", ".join("{}" for _ in among) + ")"
        args.extend(among)
    sql += ' GROUP BY "voter" HAVING COUNT(DISTINCT "category") >= {}'
    args.append(category_count)
    rows = await Vote.raw(sql, *args)
    return {redis_id(r["voter"]) for r in rows}


@dataclass(frozen=True)
class RecordedVote:
    id: UUID
    edition_id: int
    category_id: int
    voter: str  # Redis id
    nomination: str  # Redis id
    valid: bool
    voter_uuid: UUID


def _recorded(row: dict) -> RecordedVote:
    return RecordedVote(row["id"], row["edition"], row["category"], redis_id(row["voter"]), redis_id(row["nomination"]),
                        bool(row["valid"]), parse_uuid(row["voter"]))


async def count_votes(edition_id: int, category_ids: list[int]) -> int:
    return await Vote.count().where((Vote.edition == edition_id) & Vote.category.is_in(category_ids))


_RECORD_COLUMNS = (Vote.id, Vote.edition, Vote.category, Vote.voter, Vote.nomination, Vote.valid)


async def recorded_votes(edition_id: int, category_ids: list[int], page: int = 5000) -> AsyncIterator[list[RecordedVote]]:
    """Every vote of these categories, page by page (keyset on the id, so a page costs the
    same at the start and at the end of two million votes)."""
    last: UUID | None = None
    while True:
        where = (Vote.edition == edition_id) & Vote.category.is_in(category_ids)
        if last is not None:
            where &= Vote.id > last
        rows = await Vote.select(*_RECORD_COLUMNS).where(where).order_by(Vote.id).limit(page)
        if not rows:
            return
        yield [_recorded(r) for r in rows]
        last = rows[-1]["id"]
        if len(rows) < page:
            return


async def votes_touched_between(lower: datetime, upper: datetime) -> list[RecordedVote]:
    """Votes cast, or voided, in [lower, upper): what the tally sweeper re-applies."""
    cast = await Vote.select(*_RECORD_COLUMNS).where((Vote.cast_at >= lower) & (Vote.cast_at < upper))
    voided = await Vote.select(*_RECORD_COLUMNS).where(
        Vote.voided_at.is_not_null() & (Vote.voided_at >= lower) & (Vote.voided_at < upper)
    )
    seen: dict[UUID, RecordedVote] = {}
    for row in [*cast, *voided]:
        seen[row["id"]] = _recorded(row)
    return list(seen.values())


async def votes_of_voters(edition_id: int, voters: list[UUID]) -> list[RecordedVote]:
    if not voters:
        return []
    rows = await Vote.select(*_RECORD_COLUMNS).where((Vote.edition == edition_id) & Vote.voter.is_in(voters))
    return [_recorded(r) for r in rows]


@dataclass
class RecordedCounts:
    """Per category: the number of ballots, and per project the raw and valid votes."""

    ballots: dict[str, int]
    raw: dict[str, dict[str, int]]
    valid: dict[str, dict[str, int]]


async def recorded_counts(edition: VotingEdition, mode: str) -> RecordedCounts:
    """What the tallies must say, counted by the database."""
    codes = dict(edition.categories.items)
    raw_rows = await Vote.select(Vote.category, Vote.nomination, Count()).where(Vote.edition == edition.id).group_by(
        Vote.category, Vote.nomination
    )
    counts = RecordedCounts({code: 0 for code in codes.values()}, {code: {} for code in codes.values()},
                            {code: {} for code in codes.values()})
    for r in raw_rows:
        code = codes[r["category"]]
        counts.raw[code][redis_id(r["nomination"])] = r["count"]
        counts.ballots[code] += r["count"]
    sql = 'SELECT "category", "nomination", COUNT(*) AS "count" FROM "vote" WHERE "edition" = {} AND "valid" = {}'
    args: list = [edition.id, True]
    if mode == COUNT_COMPLETE:
        sql += (' AND "voter" IN (SELECT "voter" FROM "vote" WHERE "edition" = {} GROUP BY "voter" '
                'HAVING COUNT(DISTINCT "category") >= {})')
        args += [edition.id, len(codes)]
    sql += ' GROUP BY "category", "nomination"'
    for r in await Vote.raw(sql, *args):
        counts.valid[codes[r["category"]]][redis_id(r["nomination"])] = r["count"]
    return counts


async def valid_counts_by_project(edition: VotingEdition, mode: str) -> dict[str, int]:
    """Valid votes per project (Redis ids), from the durable record."""
    counts = await recorded_counts(edition, mode)
    return {nid: n for per_category in counts.valid.values() for nid, n in per_category.items()}
