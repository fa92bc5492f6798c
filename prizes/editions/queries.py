"""Reads of editions: plain `EditionState`s built from rows."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Awaitable, Callable, Iterable, Mapping, TypeVar

from core.errors import NotFound
from core.i18n import gettext as _
from prizes.editions.rules import FROZEN_SETTINGS, PHASES, EditionState, PhaseWindow, titles_of
from prizes.editions.framework_rules import SDG, Goal, GoalFramework
from prizes.editions.tables import Category, Edition, EditionPhase, Framework, FrameworkGoal

T = TypeVar("T")

# Editions are read on every request and change rarely: each process keeps what it read for
# CACHE_SECONDS (set by create_app from the EDITION_CACHE_SECONDS setting; 0 turns it off).
# Writes in this process forget at once; other processes see a change within that time. The
# phase rule stays exact: the effective phase is computed from the cached instants and `now`.
CACHE_SECONDS = 0.0
_cache: dict[object, tuple[float, object]] = {}
# Bumped by `forget`: a read that began before a forget does not store what it read (it may
# predate the change that caused the forget).
_generation = 0


def forget() -> None:
    global _generation
    _generation += 1
    _cache.clear()


async def _cached(key: object, load: Callable[[], Awaitable[T]]) -> T:
    if CACHE_SECONDS <= 0:
        return await load()
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[return-value]
    generation = _generation
    value = await load()
    if generation == _generation:
        _cache[key] = (now + CACHE_SECONDS, value)
    return value


def settings_of(raw) -> dict:
    """An edition's stored settings (JSON text on SQLite, a mapping on PostgreSQL)."""
    if isinstance(raw, str):
        return json.loads(raw or "{}")
    return dict(raw or {})


def state_of(row: dict, windows: Iterable[PhaseWindow], categories: Iterable[tuple[str, str]],
             titles: Mapping[str, Mapping[str, str]] | None = None,
             frameworks: Iterable[GoalFramework] = ()) -> EditionState:
    """An edition row (year, phase, phase_changed_at, time_zone, settings) with its phase
    windows (any order) and its categories, as the plain `EditionState` every rule takes.
    Once the rules are frozen, their values are the settings' (they can no longer differ)."""
    settings = settings_of(row["settings"])
    rules_json = row.get("rules_json")
    if rules_json:
        frozen = json.loads(rules_json)
        settings.update({name: frozen[name] for name in FROZEN_SETTINGS if name in frozen})
    return EditionState(
        year=row["year"],
        phase=row["phase"],
        phase_changed_at=row["phase_changed_at"],
        time_zone=row["time_zone"],
        windows=tuple(sorted(windows, key=lambda w: PHASES.index(w.name))),
        categories=tuple(categories),
        settings=settings,
        rules_json=rules_json or None,
        titles=dict(titles or {}),
        frameworks=tuple(frameworks),
    )


async def _state(row: dict) -> EditionState:
    windows = await EditionPhase.select(EditionPhase.name, EditionPhase.opens_at, EditionPhase.closes_at).where(
        EditionPhase.edition == row["id"]
    )
    categories = (
        await Category.select(Category.code, Category.title, Category.titles)
        .where(Category.edition == row["id"])
        .order_by(Category.position)
        .order_by(Category.id)
    )
    return state_of(row, (PhaseWindow(w["name"], w["opens_at"], w["closes_at"]) for w in windows),
                    [(c["code"], c["title"]) for c in categories],
                    {c["code"]: titles_of(c["titles"]) for c in categories}, await frameworks_of(row["id"]))


async def frameworks_of(edition_id: int) -> list[GoalFramework]:
    """An edition's goal frameworks, the SDGs first, then in the order staff added them."""
    rows = await Framework.select(Framework.id, Framework.code, Framework.title, Framework.titles,
                                  Framework.position).where(Framework.edition == edition_id)
    goals = await FrameworkGoal.select(FrameworkGoal.framework, FrameworkGoal.number, FrameworkGoal.title,
                                       FrameworkGoal.titles).where(
        FrameworkGoal.framework.is_in([r["id"] for r in rows] or [0])).order_by(FrameworkGoal.number)
    by_framework: dict[int, list[Goal]] = {}
    for goal in goals:
        by_framework.setdefault(goal["framework"], []).append(Goal(goal["number"], goal["title"], titles_of(goal["titles"])))
    rows.sort(key=lambda r: (r["code"] != SDG, r["position"], r["id"]))
    return [GoalFramework(r["code"], r["title"], titles_of(r["titles"]), tuple(by_framework.get(r["id"], [])))
            for r in rows]


async def edition_row(year: int) -> dict:
    row = await Edition.select().where(Edition.year == year).first()
    if row is None:
        raise NotFound(_("There is no %(year)s edition.", year=year))
    return row


async def get_edition(year: int) -> EditionState:
    return await _cached(("edition", year), lambda: _load_edition(year))


async def _load_edition(year: int) -> EditionState:
    return await _state(await edition_row(year))


async def current_year(now: datetime) -> int:
    return await _cached("current_year", lambda: _current_year(now))


async def _current_year(now: datetime) -> int:
    """The current edition: the latest whose submission phase has opened; before any has
    opened, the earliest. Next year's edition, created early, becomes current when it opens."""
    rows = await Edition.select(Edition.id, Edition.year).order_by(Edition.year, ascending=False)
    if not rows:
        raise NotFound(_("No edition has been created yet."))
    opened = await EditionPhase.select(EditionPhase.edition).where(
        (EditionPhase.name == "submission") & (EditionPhase.opens_at <= now)
    )
    opened_ids = {r["edition"] for r in opened}
    for row in rows:
        if row["id"] in opened_ids:
            return row["year"]
    return rows[-1]["year"]


async def get_current_edition(now: datetime) -> EditionState:
    return await get_edition(await current_year(now))


async def list_years() -> list[int]:
    rows = await Edition.select(Edition.year).order_by(Edition.year, ascending=False)
    return [r["year"] for r in rows]


async def next_instant_after(now: datetime) -> datetime | None:
    """The next opening or closing instant of any edition, or release instant of a scheduled
    publication, after `now`: the phase rule and the release change what public pages say at
    that instant, before any write, so a page kept from before it is not served after it
    (core/pagecache.py)."""
    rows = await EditionPhase.select(EditionPhase.opens_at, EditionPhase.closes_at).where(
        (EditionPhase.opens_at > now) | (EditionPhase.closes_at > now))
    releases = await Edition.select(Edition.published_at).where(Edition.published_at > now)
    instants = [_aware(i) for r in rows for i in (r["opens_at"], r["closes_at"])]
    instants += [_aware(r["published_at"]) for r in releases]
    return min((i for i in instants if i > now), default=None)


def _aware(instant: datetime) -> datetime:
    from datetime import timezone

    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)
