"""Shapes in and out of the editions API."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec

from core.schemas import Strict
from prizes.editions.rules import SETTINGS_SPEC, EditionState


class PhaseOut(msgspec.Struct):
    name: str
    opens_at: str
    closes_at: str


class CategoryOut(msgspec.Struct):
    code: str
    title: str
    # The title in each language ({language: title}); `title` is the English one.
    titles: dict[str, str] = {}


class CategoryTitlesIn(Strict):
    """`PATCH /api/editions/{year}/categories/{code}`: titles by language (those given replace)."""

    titles: dict[str, str]
    reason: str | None = None


class GoalOut(msgspec.Struct):
    number: int
    title: str
    titles: dict[str, str] = {}


class FrameworkOut(msgspec.Struct):
    """A goal framework of the edition (SPEC §11); each `title` is the English one (as for
    categories), `titles` the title by language."""

    code: str
    title: str
    goals: list[GoalOut]
    titles: dict[str, str] = {}

    @classmethod
    def of(cls, framework) -> "FrameworkOut":
        return cls(framework.code, framework.title, [GoalOut(g.number, g.title, dict(g.titles))
                                                          for g in framework.goals], dict(framework.titles))


class EditionOut(msgspec.Struct):
    year: int
    phase: str
    time_zone: str
    phases: list[PhaseOut]
    categories: list[CategoryOut]
    settings: dict[str, object]
    rules: dict[str, object]
    rules_fingerprint: str | None
    frameworks: list[FrameworkOut] = []

    @classmethod
    def of(cls, edition: EditionState, now: datetime) -> "EditionOut":
        settings = {name: edition.settings.get(name, spec[0]) for name, spec in SETTINGS_SPEC.items()}
        return cls(
            year=edition.year,
            phase=edition.phase_at(now),
            time_zone=edition.time_zone,
            phases=[PhaseOut(w.name, iso(w.opens_at), iso(w.closes_at)) for w in edition.windows],
            categories=[CategoryOut(code, title, dict(edition.titles.get(code, {"en": title})))
                        for code, title in edition.categories],
            settings=settings,
            rules=edition.rules,
            rules_fingerprint=edition.rules_fingerprint,
            frameworks=[FrameworkOut.of(f) for f in edition.frameworks],
        )


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class EditionIn(Strict):
    year: int
    reason: str | None = None


class PhaseIn(Strict):
    phase: str
    reason: str | None = None


class PhasePatch(Strict):
    name: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class CategoryPatch(Strict):
    code: str
    title: str


class SettingsPatch(Strict):
    shortlist_size: int | msgspec.UnsetType = msgspec.UNSET
    winners_per_category: int | msgspec.UnsetType = msgspec.UNSET
    public_tallies: bool | msgspec.UnsetType = msgspec.UNSET
    complete_ballots: bool | msgspec.UnsetType = msgspec.UNSET
    short_description_min_words: int | msgspec.UnsetType = msgspec.UNSET
    short_description_max_words: int | msgspec.UnsetType = msgspec.UNSET
    min_words: int | msgspec.UnsetType = msgspec.UNSET
    extended_description_max_words: int | msgspec.UnsetType = msgspec.UNSET
    duplicate_threshold: float | msgspec.UnsetType = msgspec.UNSET
    blind_judging: bool | msgspec.UnsetType = msgspec.UNSET
    publication_approvals: int | msgspec.UnsetType = msgspec.UNSET
    tie_threshold: float | msgspec.UnsetType = msgspec.UNSET
    appeal_days: int | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not msgspec.UNSET}


class EditionPatch(Strict):
    phases: list[PhasePatch] | None = None
    settings: SettingsPatch | None = None
    categories: list[CategoryPatch] | None = None
    time_zone: str | None = None
    reason: str | None = None


class GoalIn(Strict):
    number: int
    title: str


class FrameworkIn(Strict):
    """`POST /api/editions/{year}/frameworks`; `PUT …/frameworks/{code}` takes the same without
    `code` (it replaces the title and the goals)."""

    code: str
    title: str
    goals: list[GoalIn]
    titles: dict[str, str] | None = None
    reason: str | None = None


class FrameworkPut(Strict):
    title: str
    goals: list[GoalIn]
    titles: dict[str, str] | None = None
    reason: str | None = None


class CategoryIn(Strict):
    """`POST /api/editions/{year}/categories`: a new category, before submissions open."""

    code: str
    title: str
    titles: dict[str, str] | None = None
    reason: str | None = None
