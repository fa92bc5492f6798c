"""Reads of nominations: one project as each viewer may see it, and the catalogue.

Who sees what: its owner and staff every field; a judge what judging's view gives (passed in
as `NominationAccess`, since prizes does not import judging); everyone else the public
fields, and only while `rules.is_public` says so."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from piccolo.columns.combination import WhereRaw

from accounts.services import CurrentUser
from core.db import is_sqlite
from core.clock import utcnow
from core.errors import NotFound
from core.i18n import gettext as _
from prizes.editions import queries as editions
from prizes.editions.rules import EditionState
from prizes.editions.framework_rules import GOAL_TAG
from prizes.nominations.rules import (
    LAUREATE_STATUSES,
    NOMINATED_STATUSES,
    PUBLIC_PHASES,
    is_public,
    public_status,
    shown_status,
)
from prizes.nominations.tables import Category, Edition, Nomination, NominationGoal


class NominationAccess(Protocol):
    """What the judging domain decides about nominations, given to `create_app` (judging's
    `JudgingAccess` by default) and passed by the controllers to the reads and actions that
    need it. Prizes never imports judging."""

    async def check_screening(self, actor: CurrentUser, nomination: dict) -> None:
        """Raise (403/404) unless `actor` may screen the project `nomination` (a row)."""

    async def judge_view(self, viewer: CurrentUser, item: dict, now: datetime) -> dict | None:
        """The project as a judge may read it (blind mode applied), or None when it is not
        theirs to judge."""

    async def statistical_tie(self, year: int, category: str) -> dict | None:
        """The selection round's robustness figures of `category` when its leader is a
        statistical tie (winners there need a confirmation with a reason), else None."""


PUBLIC_FIELDS = ("id", "category", "title", "entity_name", "stakeholder_type", "country", "region", "website",
                 "short_description", "sdgs", "goals", "sdg_linkages", "impact", "partnerships", "challenges",
                 "project_status", "started_on", "status")


def not_found() -> NotFound:
    return NotFound(_("There is no such project."))


def parse_id(nomination_id: UUID | str) -> UUID:
    """A project id from a path; 404 (not 400) when it is not one, as ids are opaque."""
    try:
        return UUID(str(nomination_id))
    except ValueError:
        raise not_found() from None


async def category_ids_of(edition_id: int) -> dict[str, int]:
    rows = await Category.select(Category.id, Category.code).where(Category.edition == edition_id)
    return {r["code"]: r["id"] for r in rows}


async def edition_of(row: dict) -> EditionState:
    edition = await Edition.select(Edition.year).where(Edition.id == row["edition"]).first()
    return await editions.get_edition(edition["year"])


async def owned_row(owner: CurrentUser, nomination_id: UUID | str) -> dict:
    """The raw row of a project of `owner`; 404 for anyone else's."""
    key = parse_id(nomination_id)
    row = await Nomination.select().where((Nomination.id == key) & (Nomination.owner == owner.id)).first()
    if row is None:
        raise not_found()
    return row


async def owner_address(nomination_id: UUID) -> tuple[str, str]:
    """The owner's e-mail address and the language they read the site in."""
    row = await Nomination.select(Nomination.owner.email, Nomination.owner.language).where(
        Nomination.id == nomination_id).first()
    return row["owner.email"], row["owner.language"]


_SELECT = (
    Nomination.all_columns(),
    Nomination.category.code.as_alias("category_code"),
    Nomination.edition.year.as_alias("year"),
    Nomination.owner.email.as_alias("owner_email"),
)


async def goals_by_nomination(ids) -> dict[str, dict[str, list[int]]]:
    """The goals of frameworks other than the SDGs each project chose (rows of
    `nomination_goal`): project id as text → {framework code: [numbers]}, codes and numbers
    sorted; projects that chose none are left out."""
    keys = list(dict.fromkeys(ids))
    found: dict[str, dict[str, list[int]]] = {}
    for start in range(0, len(keys), 500):
        rows = await NominationGoal.select(
            NominationGoal.nomination, NominationGoal.goal.number.as_alias("number"),
            NominationGoal.goal.framework.code.as_alias("code"),
        ).where(NominationGoal.nomination.is_in(keys[start:start + 500]))
        for r in rows:
            found.setdefault(str(r["nomination"]), {}).setdefault(r["code"], []).append(r["number"])
    return {key: {code: sorted(numbers) for code, numbers in sorted(goals.items())} for key, goals in found.items()}


async def with_goals(rows: list[dict]) -> list[dict]:
    """The rows, each with its `goals` ({framework code: [numbers]}) as `shape` reads them."""
    goals = await goals_by_nomination([r["id"] for r in rows]) if rows else {}
    return [r | {"goals": goals.get(str(r["id"]), {})} for r in rows]


def goal_filter(tag: str) -> WhereRaw:
    """Projects that chose the goal `tag` ("GDC-3", checked against GOAL_TAG by the caller)."""
    code, _sep, number = tag.rpartition("-")
    return WhereRaw(
        '"nomination"."id" IN (SELECT ng."nomination" FROM "nomination_goal" ng '
        'JOIN "framework_goal" g ON g."id" = ng."goal" JOIN "goal_framework" f ON f."id" = g."framework" '
        'WHERE f."edition" = "nomination"."edition" AND f."code" = {} AND g."number" = {})', code, int(number))


def shape(row: dict) -> dict:
    """A project row (with `category_code`, `year`, `owner_email`, and `goals` as
    `with_goals` gives them) as plain data: every field."""
    sdgs = row["sdgs"]
    declarations = row["declarations"]
    return {
        "id": str(row["id"]),
        "year": row["year"],
        "status": row["status"],
        "category": row["category_code"],
        "title": row["title"],
        "entity_name": row["entity_name"],
        "stakeholder_type": row["stakeholder_type"],
        "country": row["country"],
        "region": row["region"],
        "contact_name": row["contact_name"],
        "contact_email": row["contact_email"],
        "website": row["website"],
        "short_description": row["short_description"],
        "sdgs": json.loads(sdgs) if isinstance(sdgs, str) else sdgs,
        "goals": dict(row.get("goals") or {}),
        "sdg_linkages": row["sdg_linkages"],
        "impact": row["impact"],
        "partnerships": row["partnerships"],
        "challenges": row["challenges"],
        "project_status": row["project_status"],
        "started_on": row["started_on"].isoformat() if isinstance(row["started_on"], date) else row["started_on"],
        "owned_by_submitter": row["owned_by_submitter"],
        "declarations": json.loads(declarations) if isinstance(declarations, str) else declarations,
        "submitted_at": row["submitted_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "owner_email": row["owner_email"],
        "eligibility_reason": row["eligibility_reason"],
    }


def public_view(item: dict) -> dict:
    return {k: item[k] for k in PUBLIC_FIELDS} | {"year": item["year"], "status": public_status(item["status"])}


async def get_full(nomination_id: UUID | str) -> dict:
    key = parse_id(nomination_id)
    row = await Nomination.select(*_SELECT).where(Nomination.id == key).first()
    if row is None:
        raise not_found()
    return shape((await with_goals([row]))[0])


async def is_published(year: int) -> bool:
    """Whether the results are out: the stamped release instant has passed (an approved
    publication waits for it, see prizes/results/publication.py)."""
    return await Edition.exists().where((Edition.year == year) & (Edition.published_at <= utcnow()))


async def veiled(items: list[dict], viewer: CurrentUser | None) -> list[dict]:
    """The items with the status the viewer may see (`rules.shown_status`): every path that
    hands a project to someone other than staff goes through here."""
    staff = viewer is not None and viewer.is_staff
    if staff or not any(i["status"] in LAUREATE_STATUSES for i in items):
        return items
    years = {i["year"] for i in items}
    published = {y for y in years if await is_published(y)}
    return [i | {"status": shown_status(i["status"], i["year"] in published, False)} for i in items]


async def get_for_owner(owner: CurrentUser, nomination_id: UUID | str) -> dict:
    item = await get_full(nomination_id)
    if item["owner_email"] != owner.email:
        raise not_found()
    return (await veiled([item], owner))[0]


async def get_visible(viewer: CurrentUser | None, nomination_id: UUID | str, now: datetime,
                      access: NominationAccess) -> tuple[dict, bool]:
    """A project and whether the viewer sees every field (its owner, staff and judges)."""
    item = await get_full(nomination_id)
    if viewer is not None and (viewer.is_staff or item["owner_email"] == viewer.email):
        return (await veiled([item], viewer))[0], True
    if viewer is not None and viewer.is_judge:
        view = await access.judge_view(viewer, item, now)
        if view is not None:
            return (await veiled([view], viewer))[0], True
    phase = (await editions.get_edition(item["year"])).phase_at(now)
    # Publication matters only outside the public phases (staff moved the phase back).
    published = phase not in PUBLIC_PHASES and await Edition.exists().where(
        (Edition.year == item["year"]) & (Edition.published_at <= now))
    if not is_public(item["status"], phase, published):
        raise not_found()
    return public_view(item), False


@dataclass
class Filters:
    category: str | None = None
    status: str | None = None
    q: str | None = None
    region: str | None = None
    stakeholder_type: str | None = None
    sdg: int | None = None
    country: str | None = None
    offset: int = 0
    limit: int = 20
    # A goal of another framework, "GDC-3" (framework code, dash, number).
    goal: str | None = None


async def search(edition: EditionState, filters: Filters, everything: bool, now: datetime,
                 owner: CurrentUser | None = None) -> tuple[list[dict], int]:
    """The catalogue. The public sees nominated projects from the voting phase on (an empty
    list before); staff (`everything`) see every project that is not a draft; an owner
    listing their own (`owner`) sees their drafts too."""
    row = await editions.edition_row(edition.year)
    where = Nomination.edition == row["id"]
    if owner is not None:
        where &= Nomination.owner == owner.id
    elif not everything:
        if edition.phase_at(now) not in PUBLIC_PHASES:  # `rules.is_public`, for a whole list
            return [], 0
        # The public sees one status, nominated: filtering on finalist, winner or champion
        # would tell the results before they are published (prizes/results publishes them).
        if filters.status and filters.status != "nominated":
            return [], 0
        where &= Nomination.status.is_in(list(NOMINATED_STATUSES))
    else:
        where &= Nomination.status != "draft"
    if filters.status:
        if filters.status == "nominated":
            where &= Nomination.status.is_in(list(NOMINATED_STATUSES))
        else:
            where &= Nomination.status == filters.status
    if filters.category:
        where &= Nomination.category.code == filters.category
    if filters.region:
        where &= Nomination.region == filters.region
    if filters.stakeholder_type:
        where &= Nomination.stakeholder_type == filters.stakeholder_type
    if filters.country:
        where &= Nomination.country == filters.country.upper()
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "").replace("%", "").replace("_", " ").strip() + "%"
        # SQLite's LIKE ignores ASCII case already; PostgreSQL needs ILIKE
        match = (lambda column: column.like(pattern)) if is_sqlite() else (lambda column: column.ilike(pattern))
        where &= match(Nomination.title) | match(Nomination.entity_name) | match(Nomination.short_description)
    if filters.sdg:
        # `sdgs` is stored as json.dumps(sorted goals), e.g. "[3, 10]": match the number as a
        # whole element, first, middle or last.
        goal = int(filters.sdg)
        where &= (WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"[{goal}]") | WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"[{goal},%")
                  | WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"% {goal},%") | WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"% {goal}]"))
    if filters.goal:
        # the other frameworks' goals are rows of `nomination_goal`
        if not GOAL_TAG.fullmatch(filters.goal):
            return [], 0  # no goal is named so
        where &= goal_filter(filters.goal)
    total = await Nomination.count().where(where)
    rows = await Nomination.select(*_SELECT).where(where).order_by(Nomination.category.position).order_by(
        Nomination.title).order_by(Nomination.id).limit(filters.limit).offset(filters.offset)
    items = [shape(r) for r in await with_goals(rows)]
    return (await veiled(items, owner) if owner is not None else items), total
