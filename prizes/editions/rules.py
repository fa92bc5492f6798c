"""Pure rules about editions and phases: no I/O, plain values in and out.

The phase rule is the one every capability calls: what an edition accepts depends on its
*effective* phase, which is the stored phase moved on past every closing instant that has
passed since the phase was last set. The app persists the move (with an audit entry), but the
rule holds even before it does, so a deadline is strict to the second.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import FieldError
from core.i18n import OFFICIAL_LANGUAGES, current_language
from core.i18n import gettext as _
from core.validation import clean_text
from prizes.editions.framework_rules import SDG, GoalFramework

PHASES = ("submission", "nomination", "voting", "selection", "announcement")
DEFAULT_TIME_ZONE = "Europe/Zurich"

# Edition settings: name → (default, type, minimum, maximum). Data of the edition, editable.
SETTINGS_SPEC: dict[str, tuple[object, type, float | None, float | None]] = {
    "shortlist_size": (5, int, 1, 50),
    "winners_per_category": (1, int, 0, 2),
    "public_tallies": (False, bool, None, None),
    "complete_ballots": (False, bool, None, None),
    "short_description_min_words": (150, int, 1, 2000),
    "short_description_max_words": (200, int, 1, 2000),
    "min_words": (50, int, 0, 5000),
    "extended_description_max_words": (1000, int, 50, 20000),
    "duplicate_threshold": (0.9, float, 0.5, 1.0),
    "blind_judging": (False, bool, None, None),
    # Four-eyes publication (prizes/results/): how many other staff members approve a
    # publication request (0: one step, for a small contest).
    "publication_approvals": (1, int, 0, 1),
    # Robust rankings (judging/robustness.py): a category is a statistical tie when its leader
    # ranks first in fewer than this share of the bootstrap resamples of the panel.
    "tie_threshold": (0.9, float, 0.5, 1.0),
    # Eligibility appeals (prizes/nominations/appeals.py): the days an owner has to appeal
    # after the ineligibility decision was mailed (and before the vote opens).
    "appeal_days": (7, int, 1, 60),
}

# The counting rules (SPEC §12): the settings that decide the outcome, frozen with the tie rule
# and the selection rubric when the edition first enters the voting phase. Other settings stay
# editable; settings added later are not rules unless listed here.
FROZEN_SETTINGS = ("shortlist_size", "winners_per_category", "complete_ballots")
# The version name of the documented boundary tie rule (README, Voting: "Finalists"): every
# project tied with the last of the N most-voted goes through. A new rule gets a new name.
TIE_RULE = "shortlist-ties-at-boundary-all-pass/v1"


def counting_rules(settings: Mapping[str, object], selection_rubric: list | None) -> dict:
    """The `rules` object of an edition (plain JSON values)."""
    rules: dict[str, object] = {name: settings.get(name, SETTINGS_SPEC[name][0]) for name in FROZEN_SETTINGS}
    rules["tie_rule"] = TIE_RULE
    rules["selection_rubric"] = selection_rubric
    return rules


def canonical_json(value: object) -> str:
    """Keys sorted, separators `,` and `:`, UTF-8 text (no ASCII escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(rules_json: str) -> str:
    return hashlib.sha256(rules_json.encode("utf-8")).hexdigest()


def enters_vote(phase: str) -> bool:
    """From the voting phase on, the rules are frozen (also when staff skip the vote)."""
    return PHASES.index(phase) >= PHASES.index("voting")


def frozen_changes(rules_json: str | None, changes: Mapping[str, object]) -> list[str]:
    """The frozen rules that `changes` (settings by name) would change: none before the freeze."""
    if rules_json is None:
        return []
    frozen = json.loads(rules_json)
    return sorted(name for name, value in changes.items() if name in FROZEN_SETTINGS and frozen.get(name) != value)


# The 18 categories of recent editions: the seed of a new installation, then data.
DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("C1", "The role of governments and all stakeholders in the promotion of ICTs for development"),
    ("C2", "Information and communication infrastructure"),
    ("C3", "Access to information and knowledge"),
    ("C4", "Capacity building"),
    ("C5", "Building confidence and security in use of ICTs"),
    ("C6", "Enabling environment"),
    ("C7.1", "ICT applications: e-government"),
    ("C7.2", "ICT applications: e-business"),
    ("C7.3", "ICT applications: e-learning"),
    ("C7.4", "ICT applications: e-health"),
    ("C7.5", "ICT applications: e-employment"),
    ("C7.6", "ICT applications: e-environment"),
    ("C7.7", "ICT applications: e-agriculture"),
    ("C7.8", "ICT applications: e-science"),
    ("C8", "Cultural diversity and identity, linguistic diversity and local content"),
    ("C9", "Media"),
    ("C10", "Ethical dimensions of the Information Society"),
    ("C11", "International and regional cooperation"),
)

# The titles in the six languages (the WSIS action lines as the UN writes them): the seed of
# new editions' and migrated categories' `titles`, then data staff can correct.
CATEGORY_TITLES_FILE = Path(__file__).with_name("category_titles.json")
CATEGORY_TITLE_MAX = 200


@functools.cache
def _default_titles() -> dict[str, dict[str, str]]:
    return json.loads(CATEGORY_TITLES_FILE.read_text(encoding="utf-8"))


def default_titles(code: str, english: str) -> dict[str, str]:
    """A category's titles by language from the file, its English being `english`."""
    return {**_default_titles().get(code, {}), "en": english}


def category_title(titles: Mapping[str, str] | None, english: str, language: str | None = None) -> str:
    """THE title of a category for a reader: in `language` (the reader's when None), else in
    English (its stored `title`). Every page and mail shows a category title through this."""
    found = titles or {}
    return found.get(language or current_language()) or found.get("en") or english


def titles_of(raw) -> dict[str, str]:
    """Stored titles: JSON text on SQLite, a mapping on PostgreSQL."""
    if isinstance(raw, str):
        raw = json.loads(raw or "{}")
    return {k: v for k, v in dict(raw or {}).items() if isinstance(v, str)}


def check_titles(errors, titles: object) -> dict[str, str]:
    """Titles by language, as given (a partial set replaces only those): each language one of
    the six, each title non-empty text of at most CATEGORY_TITLE_MAX characters."""
    if not isinstance(titles, Mapping) or not titles:
        errors.add("titles", _("Give at least one title, by language."))
        return {}
    cleaned: dict[str, str] = {}
    for language, title in titles.items():
        key = f"titles.{language}"
        if language not in OFFICIAL_LANGUAGES:
            errors.add(key, _("Unknown language; use one of: %(languages)s.", languages=", ".join(OFFICIAL_LANGUAGES)))
            continue
        if not isinstance(title, str):
            errors.add(key, _("This field is required."))
            continue
        cleaned[language] = clean_text(errors, key, title, max_length=CATEGORY_TITLE_MAX)
    return cleaned


@dataclass(frozen=True)
class PhaseWindow:
    name: str
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class EditionState:
    """An edition as plain data: what the phase rule and the pages need."""

    year: int
    phase: str
    phase_changed_at: datetime
    time_zone: str
    windows: tuple[PhaseWindow, ...]
    categories: tuple[tuple[str, str], ...]
    settings: Mapping[str, object] = field(default_factory=dict)
    # The canonical JSON of the frozen counting rules, null until the vote first opened.
    rules_json: str | None = None
    # Each category's titles by language ({code: {language: title}}).
    titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The goal frameworks, the SDGs first (prizes/editions/framework_rules.py).
    frameworks: tuple[GoalFramework, ...] = ()

    def framework(self, code: str) -> GoalFramework | None:
        return next((f for f in self.frameworks if f.code == code), None)

    @property
    def other_frameworks(self) -> tuple[GoalFramework, ...]:
        return tuple(f for f in self.frameworks if f.code != SDG)

    def category_title(self, code: str, language: str | None = None) -> str:
        return category_title(self.titles.get(code), dict(self.categories).get(code, code), language)

    def categories_in(self, language: str | None = None) -> tuple[tuple[str, str], ...]:
        """(code, title) in `language` (the reader's when None), English where missing."""
        return tuple((code, category_title(self.titles.get(code), title, language)) for code, title in self.categories)

    @property
    def rules(self) -> dict:
        """The counting rules: as frozen, else as they would be frozen now (no rubric yet)."""
        return json.loads(self.rules_json) if self.rules_json else counting_rules(self.settings, None)

    @property
    def rules_fingerprint(self) -> str | None:
        return fingerprint(self.rules_json) if self.rules_json else None

    def window(self, name: str) -> PhaseWindow:
        return next(w for w in self.windows if w.name == name)

    def phase_at(self, now: datetime) -> str:
        return effective_phase(self.phase, self.phase_changed_at, {w.name: w.closes_at for w in self.windows}, now)

    def is_open(self, phase: str, now: datetime) -> bool:
        return self.phase_at(now) == phase


def next_phase(phase: str) -> str | None:
    index = PHASES.index(phase)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


def effective_phase(stored: str, changed_at: datetime, closes: Mapping[str, datetime], now: datetime) -> str:
    """Move `stored` on past every closing instant in (changed_at, now].

    A closing instant that was already past when the phase was set (staff moved back to an
    earlier phase) does not move it on again: only a crossing after the move does.
    """
    steps = due_transitions(stored, changed_at, closes, now)
    return steps[-1][1] if steps else stored


def due_transitions(stored: str, changed_at: datetime, closes: Mapping[str, datetime], now: datetime) -> list[tuple[str, str, datetime]]:
    """The moves `effective_phase` makes, as (from, to, at) steps, in order."""
    steps = []
    phase, since = stored, changed_at
    while True:
        following = next_phase(phase)
        closing = closes.get(phase)
        if following is None or closing is None or not (since < closing <= now):
            return steps
        steps.append((phase, following, closing))
        phase, since = following, closing


def check_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def timeline_errors(windows: list[PhaseWindow]) -> list[FieldError]:
    """Each phase opens before it closes, and no phase opens before the previous one closes."""
    errors = []
    previous: PhaseWindow | None = None
    for window in sorted(windows, key=lambda w: PHASES.index(w.name)):
        if window.opens_at >= window.closes_at:
            errors.append(FieldError(f"phases.{window.name}.closes_at", _("Must be after the opening instant.")))
        if previous is not None and window.opens_at < previous.closes_at:
            errors.append(
                FieldError(f"phases.{window.name}.opens_at", _("Must not be before the previous phase closes."))
            )
        previous = window
    return errors


def default_settings() -> dict[str, object]:
    return {name: spec[0] for name, spec in SETTINGS_SPEC.items()}


def settings_errors(settings: Mapping[str, object]) -> list[FieldError]:
    errors = []
    for name, value in settings.items():
        spec = SETTINGS_SPEC.get(name)
        if spec is None:
            errors.append(FieldError(f"settings.{name}", _("Unknown setting.")))
            continue
        _default, kind, low, high = spec
        if kind is bool:
            if not isinstance(value, bool):
                errors.append(FieldError(f"settings.{name}", _("Must be true or false.")))
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            errors.append(FieldError(f"settings.{name}", _("Must be a whole number.") if kind is int else _("Must be a number.")))
            continue
        if (low is not None and value < low) or (high is not None and value > high):
            errors.append(FieldError(f"settings.{name}", _("Must be between %(low)s and %(high)s.", low=low, high=high)))
    lo = settings.get("short_description_min_words")
    hi = settings.get("short_description_max_words")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        errors.append(FieldError("settings.short_description_max_words", _("Must be at least the minimum.")))
    return errors


def as_utc(value: datetime, time_zone: str) -> datetime:
    """A naive instant is read in the edition's time zone, as the deadlines are announced."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(time_zone))
    return value.astimezone(timezone.utc)


def at_local(day: datetime, hour: int, minute: int, time_zone: str) -> datetime:
    """`day`'s date at hour:minute in `time_zone`, as a UTC instant."""
    zone = ZoneInfo(time_zone)
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return local.astimezone(timezone.utc)


def default_windows(now: datetime, time_zone: str = DEFAULT_TIME_ZONE) -> list[PhaseWindow]:
    """Dates for a new installation, around today: submission opened a week ago and closes
    in eight weeks at 23:00 local time; then nomination (4 weeks), voting (6 weeks),
    selection (4 weeks) and announcement (until the end of the year after)."""
    local_today = now.astimezone(ZoneInfo(time_zone))
    starts = at_local(local_today - timedelta(days=7), 0, 0, time_zone)
    windows = []
    cursor_day = local_today
    lengths = {"submission": 56, "nomination": 28, "voting": 42, "selection": 28, "announcement": 365}
    opens = starts
    for name in PHASES:
        cursor_day = cursor_day + timedelta(days=lengths[name])
        closes = at_local(cursor_day, 23, 0, time_zone)
        windows.append(PhaseWindow(name, opens, closes))
        opens = closes
    return windows


def shift_years(instant: datetime, years: int) -> datetime:
    """The same wall-clock moment `years` later (29 February falls back to the 28th)."""
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:
        return instant.replace(year=instant.year + years, day=28)
