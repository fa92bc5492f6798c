"""Shapes in of the nominations API (a project goes out as the plain dict of
`prizes.nominations.queries`)."""

from __future__ import annotations

from datetime import date

import msgspec

from core.schemas import Strict


class DeclarationsIn(Strict):
    english: bool = False
    accurate: bool = False
    consent: bool = False


class NominationIn(Strict):
    """Any subset of a project's fields (POST creates a draft, PATCH edits one)."""

    category: str | msgspec.UnsetType = msgspec.UNSET
    title: str | msgspec.UnsetType = msgspec.UNSET
    entity_name: str | msgspec.UnsetType = msgspec.UNSET
    stakeholder_type: str | msgspec.UnsetType = msgspec.UNSET
    country: str | msgspec.UnsetType = msgspec.UNSET
    region: str | msgspec.UnsetType = msgspec.UNSET
    contact_name: str | msgspec.UnsetType = msgspec.UNSET
    contact_email: str | msgspec.UnsetType = msgspec.UNSET
    website: str | msgspec.UnsetType = msgspec.UNSET
    short_description: str | msgspec.UnsetType = msgspec.UNSET
    sdgs: list[int] | msgspec.UnsetType = msgspec.UNSET
    # The goals of the edition's other frameworks, {framework code: [numbers]} (SPEC §11).
    goals: dict[str, list[int]] | msgspec.UnsetType = msgspec.UNSET
    sdg_linkages: str | msgspec.UnsetType = msgspec.UNSET
    impact: str | msgspec.UnsetType = msgspec.UNSET
    partnerships: str | msgspec.UnsetType = msgspec.UNSET
    challenges: str | msgspec.UnsetType = msgspec.UNSET
    project_status: str | msgspec.UnsetType = msgspec.UNSET
    started_on: date | None | msgspec.UnsetType = msgspec.UNSET
    owned_by_submitter: bool | msgspec.UnsetType = msgspec.UNSET
    declarations: DeclarationsIn | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if value is msgspec.UNSET:
                continue
            out[name] = msgspec.structs.asdict(value) if isinstance(value, DeclarationsIn) else value
        return out


class EligibilityIn(Strict):
    eligible: bool
    reason: str | None = None


class AppealIn(Strict):
    text: str


class AppealDecisionIn(Strict):
    upheld: bool
    reason: str
