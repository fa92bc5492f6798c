"""Actions on editions: seeding, moving phases, changing dates and settings, next year's
edition, and the automatic move at each closing instant. Each action is one transaction
with its audit entry."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from core import audit
from core.audit import Actor
from core.clock import utcnow
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, InvalidInput
from core.i18n import gettext as _
from core.validation import clean_text
from prizes.editions import queries
from prizes.editions.framework_rules import sdg_default
from prizes.editions.frameworks import insert_frameworks
from prizes.editions.labels import PHASE_LABELS
from prizes.editions.rules import (
    DEFAULT_CATEGORIES,
    default_titles,
    DEFAULT_TIME_ZONE,
    FROZEN_SETTINGS,
    PHASES,
    EditionState,
    PhaseWindow,
    as_utc,
    check_time_zone,
    default_settings,
    default_windows,
    canonical_json,
    counting_rules,
    due_transitions,
    enters_vote,
    fingerprint,
    frozen_changes,
    settings_errors,
    timeline_errors,
)
from prizes.editions.tables import Category, Edition, EditionPhase

log = logging.getLogger("prizes.editions")

# The selection rubric is one of the frozen rules, but prizes reads no judging: the composition
# root hands in the reader (main.py; `judging.queries.selection_rubric_for_rules`).
RubricSource = Callable[[int], Awaitable[list | None]]
_rubric_source: RubricSource | None = None


def use_rubric_source(source: RubricSource | None) -> None:
    global _rubric_source
    _rubric_source = source


async def _rules_text(year: int, settings: dict) -> str:
    rubric = await _rubric_source(year) if _rubric_source is not None else None
    return canonical_json(counting_rules(settings, rubric))


async def _freeze_rules(edition_id: int, year: int, text: str, actor: Actor, now: datetime) -> None:
    """Write the frozen rules once (in the caller's transaction), with their audit entry."""
    updated = await Edition.update({Edition.rules_json: text, Edition.rules_frozen_at: now}).where(
        (Edition.id == edition_id) & Edition.rules_json.is_null()
    ).returning(Edition.id)
    if updated:
        await audit.record(actor, "edition.rules_frozen", f"edition:{year}", "the vote opened",
                           {"rules": json.loads(text), "fingerprint": fingerprint(text)})


class RulesFrozen(Conflict):
    """A change to a counting rule after the vote opened."""


def _rules_frozen(names: list[str]) -> RulesFrozen:
    return RulesFrozen(
        _("The counting rules of this edition were frozen when the vote opened: %(names)s can no longer change.",
          names=", ".join(names)),
        [FieldError(f"settings.{name}", _("Frozen since the vote opened.")) for name in names],
    )


class PhaseClosed(Forbidden):
    """The edition is not in the phase this action belongs to."""


def require_phase(edition: EditionState, phase: str, now: datetime) -> None:
    """The phase rule: refuse (403) unless `edition` is in `phase` at `now`."""
    current = edition.phase_at(now)
    if current != phase:
        raise PhaseClosed(
            _(
                "This is only possible during the %(phase)s phase; the %(year)s edition is in the %(current)s phase.",
                phase=_(PHASE_LABELS[phase]),
                year=edition.year,
                current=_(PHASE_LABELS[current]),
            )
        )


async def _insert_edition(year: int, time_zone: str, settings: dict, windows: list[PhaseWindow], categories, now,
                          titles=None, frameworks=None) -> None:
    """`titles` ({code: {language: title}}, a copied edition's): the file's defaults otherwise;
    `frameworks` (a copied edition's goal frameworks): the SDGs otherwise."""
    edition = Edition(
        year=year,
        phase="submission",
        phase_changed_at=now,
        time_zone=time_zone,
        settings=json.dumps(settings, sort_keys=True),
        created_at=now,
    )
    await Edition.insert(edition)
    await EditionPhase.insert(
        *[EditionPhase(edition=edition.id, name=w.name, opens_at=w.opens_at, closes_at=w.closes_at) for w in windows]
    )
    await Category.insert(
        *[Category(edition=edition.id, code=code, title=title, position=i,
                   titles=json.dumps({**default_titles(code, title), **dict((titles or {}).get(code, {})), "en": title},
                                     ensure_ascii=False))
          for i, (code, title) in enumerate(categories)]
    )
    await insert_frameworks(edition.id, frameworks or [sdg_default()])


async def ensure_current_edition(now: datetime) -> bool:
    """On first start the current edition exists with its 18 categories. Idempotent, and
    safe when several processes start together (the year is unique). True if created."""
    if await Edition.exists():
        return False
    try:
        async with transaction(public=True):
            if await Edition.exists():
                return False
            await _insert_edition(
                now.year, DEFAULT_TIME_ZONE, default_settings(), default_windows(now), DEFAULT_CATEGORIES, now
            )
            await audit.record(Actor.system(), "edition.create", f"edition:{now.year}", "first start", {"year": now.year})
    except Exception as error:  # another process seeded it first
        if is_unique_violation(error):
            return False
        raise
    queries.forget()
    log.info("created the %s edition with %s categories", now.year, len(DEFAULT_CATEGORIES))
    return True


def _shift(instant: datetime, years: int, time_zone: str) -> datetime:
    """The same local wall-clock time `years` later, so 23:00 CEST stays 23:00 CEST."""
    local = instant.astimezone(ZoneInfo(time_zone))
    try:
        moved = local.replace(year=local.year + years)
    except ValueError:  # 29 February
        moved = local.replace(year=local.year + years, day=28)
    naive = moved.replace(tzinfo=None)
    return naive.replace(tzinfo=ZoneInfo(time_zone)).astimezone(timezone.utc)


async def create_edition(year: int, actor: Actor, now: datetime, reason: str = "") -> EditionState:
    """Next year's edition, copied from the latest: categories, goal frameworks, settings, time zone and the
    dates moved on by the difference in years. All editable before it opens."""
    if not 2000 <= year <= 2200:
        raise InvalidInput([FieldError("year", _("Enter a year between 2000 and 2200."))])
    years = await queries.list_years()
    if year in years:
        raise Conflict(_("The %(year)s edition already exists.", year=year), [FieldError("year", _("already exists"))])
    source = await queries.get_edition(years[0])
    shift = year - source.year
    windows = [
        PhaseWindow(w.name, _shift(w.opens_at, shift, source.time_zone), _shift(w.closes_at, shift, source.time_zone))
        for w in source.windows
    ]
    try:
        async with transaction(public=True):
            await _insert_edition(year, source.time_zone, dict(source.settings), windows, source.categories, now,
                                  source.titles, source.frameworks)
            await audit.record(actor, "edition.create", f"edition:{year}", reason, {"copied_from": source.year})
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(_("The %(year)s edition already exists.", year=year), [FieldError("year", _("already exists"))])
        raise
    queries.forget()
    return await queries.get_edition(year)


async def move_phase(year: int, phase: str, reason: str | None, actor: Actor, now: datetime) -> EditionState:
    """Staff move the phase, forwards or backwards, at any time; the reason is required."""
    errors = FieldErrors()
    if phase not in PHASES:
        errors.add("phase", _("Choose one of: %(phases)s.", phases=", ".join(PHASES)))
    reason = clean_text(errors, "reason", reason, max_length=2000, multiline=True)
    errors.raise_if_any()
    row = await queries.edition_row(year)
    before = (await queries.get_edition(year)).phase_at(now)
    freeze = enters_vote(phase) and not row.get("rules_json")
    text = await _rules_text(year, queries.settings_of(row["settings"])) if freeze else None
    async with transaction(public=True):
        await Edition.update({Edition.phase: phase, Edition.phase_changed_at: now}).where(Edition.id == row["id"])
        await audit.record(actor, "edition.phase", f"edition:{year}", reason, {"from": before, "to": phase})
        if text is not None:
            await _freeze_rules(row["id"], year, text, actor, now)
    queries.forget()
    return await queries.get_edition(year)


@dataclass
class PhaseDates:
    name: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None


async def update_edition(
    year: int,
    actor: Actor,
    *,
    phases: list[PhaseDates] | None = None,
    settings: dict | None = None,
    categories: list[tuple[str, str]] | None = None,
    time_zone: str | None = None,
    reason: str | None = None,
) -> EditionState:
    """Change dates, settings, category titles or the time zone; all checked, then applied
    together, with one audit entry listing what changed."""
    errors = FieldErrors()
    row = await queries.edition_row(year)
    current = await queries.get_edition(year)
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)

    zone = current.time_zone
    if time_zone is not None:
        if not check_time_zone(time_zone):
            errors.add("time_zone", _("Unknown time zone (use a name such as Europe/Zurich)."))
        else:
            zone = time_zone

    windows = {w.name: w for w in current.windows}
    for index, item in enumerate(phases or []):
        if item.name not in PHASES:
            errors.add(f"phases.{index}.name", _("Choose one of: %(phases)s.", phases=", ".join(PHASES)))
            continue
        old = windows[item.name]
        windows[item.name] = PhaseWindow(
            item.name,
            as_utc(item.opens_at, zone) if item.opens_at else old.opens_at,
            as_utc(item.closes_at, zone) if item.closes_at else old.closes_at,
        )
    if phases:
        errors.items.extend(timeline_errors(list(windows.values())))

    new_settings = dict(current.settings)
    if settings:
        # From the first entry into the vote (even before the ticker writes the move) the
        # counting rules are frozen: a change to one is a conflict naming it.
        rules_json = row.get("rules_json") or (
            await _rules_text(year, current.settings) if enters_vote(current.phase_at(utcnow())) else None)
        touched = frozen_changes(rules_json, settings)
        if touched:
            raise _rules_frozen(touched)
        errors.items.extend(settings_errors(settings))
        new_settings.update(settings)
        if not settings_errors(settings):
            errors.items.extend(e for e in settings_errors(new_settings) if e not in errors.items)

    titles = dict(current.categories)
    for index, (code, title) in enumerate(categories or []):
        if code not in titles:
            errors.add(f"categories.{index}.code", _("Unknown category %(code)s.", code=code))
            continue
        titles[code] = clean_text(errors, f"categories.{index}.title", title, max_length=300)
    errors.raise_if_any()

    changes: dict[str, object] = {}
    async with transaction(public=True):
        if time_zone is not None and time_zone != current.time_zone:
            changes["time_zone"] = {"from": current.time_zone, "to": time_zone}
            await Edition.update({Edition.time_zone: time_zone}).where(Edition.id == row["id"])
        if settings:
            diff = {k: {"from": current.settings.get(k), "to": v} for k, v in settings.items() if current.settings.get(k) != v}
            if diff:
                changes["settings"] = diff
                touches_rules = any(k in FROZEN_SETTINGS for k in diff)
                where = Edition.id == row["id"]
                if touches_rules:  # compare-and-set: the vote may have opened meanwhile
                    where = where & Edition.rules_json.is_null()
                written = await Edition.update(
                    {Edition.settings: json.dumps(new_settings, sort_keys=True)}).where(where).returning(Edition.id)
                if not written:
                    raise _rules_frozen(sorted(k for k in diff if k in FROZEN_SETTINGS))
        for window in windows.values():
            old = current.window(window.name)
            if (old.opens_at, old.closes_at) != (window.opens_at, window.closes_at):
                changes.setdefault("phases", {})[window.name] = {
                    "from": [old.opens_at.isoformat(), old.closes_at.isoformat()],
                    "to": [window.opens_at.isoformat(), window.closes_at.isoformat()],
                }
                await EditionPhase.update(
                    {EditionPhase.opens_at: window.opens_at, EditionPhase.closes_at: window.closes_at}
                ).where((EditionPhase.edition == row["id"]) & (EditionPhase.name == window.name))
        for code, title in titles.items():
            if dict(current.categories)[code] != title:
                changes.setdefault("categories", {})[code] = {"from": dict(current.categories)[code], "to": title}
                both = {**current.titles.get(code, {}), "en": title}
                await Category.update({Category.title: title, Category.titles: json.dumps(both, ensure_ascii=False)}).where(
                    (Category.edition == row["id"]) & (Category.code == code)
                )
        if changes:
            await audit.record(actor, "edition.update", f"edition:{year}", reason, changes)
    queries.forget()
    return await queries.get_edition(year)


async def advance_due_phases(now: datetime) -> list[tuple[int, str, str]]:
    """Persist every phase move due at `now` (a closing instant has passed), once.

    Each worker calls this on a timer; the update is a compare-and-set on the stored phase
    and the instant it was set, so when several workers race, exactly one moves the phase
    and writes the audit entry."""
    moved = []
    editions = await Edition.select(Edition.id, Edition.year, Edition.phase, Edition.phase_changed_at,
                                    Edition.settings, Edition.rules_json).where(Edition.phase != "announcement")
    for row in editions:
        windows = await EditionPhase.select(EditionPhase.name, EditionPhase.closes_at).where(
            EditionPhase.edition == row["id"]
        )
        closes = {w["name"]: w["closes_at"] for w in windows}
        steps = due_transitions(row["phase"], row["phase_changed_at"], closes, now)
        if not steps:
            continue
        final_phase, final_at = steps[-1][1], steps[-1][2]
        freeze = enters_vote(final_phase) and not row["rules_json"]
        text = await _rules_text(row["year"], queries.settings_of(row["settings"])) if freeze else None
        async with transaction(public=True):
            updated = (
                await Edition.update({Edition.phase: final_phase, Edition.phase_changed_at: final_at})
                .where(
                    (Edition.id == row["id"])
                    & (Edition.phase == row["phase"])
                    & (Edition.phase_changed_at == row["phase_changed_at"])
                )
                .returning(Edition.id)
            )
            if not updated:
                continue  # another worker got there first
            for before, after, at in steps:
                await audit.record(
                    Actor.system(),
                    "edition.phase",
                    f"edition:{row['year']}",
                    f"the {before} phase closed at {at.isoformat()}",
                    {"from": before, "to": after, "automatic": True},
                )
            if text is not None:
                opened = next((at for _before, after, at in steps if after == "voting"), final_at)
                await _freeze_rules(row["id"], row["year"], text, Actor.system(), opened)
        queries.forget()
        moved.extend((row["year"], before, after) for before, after, _at in steps)
        log.info("edition %s moved on to the %s phase", row["year"], final_phase)
    return moved
