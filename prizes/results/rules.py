"""Pure rules of the end of an edition: when results work is open, how many winners a
category may have, and whether a finalist may still write its extended description."""

from __future__ import annotations

from datetime import datetime

from prizes.editions.rules import SETTINGS_SPEC, EditionState
from prizes.nominations.rules import FINALIST_STATUSES

# Phases in which finalists are asked for their texts and staff decide the winners (the
# message of `require_results_phase` names them).
RESULTS_PHASES = ("selection", "announcement")
MAX_EXTENDED_CHARACTERS = 200_000
MAX_FOREWORD_CHARACTERS = 20_000


def winners_limit(edition: EditionState) -> int:
    return int(edition.settings.get("winners_per_category", SETTINGS_SPEC["winners_per_category"][0]))  # type: ignore[arg-type]


def extended_limit(edition: EditionState) -> int:
    return int(edition.settings.get("extended_description_max_words",
                                    SETTINGS_SPEC["extended_description_max_words"][0]))  # type: ignore[arg-type]


def extended_closed_reason(item: dict, edition: EditionState, published: bool, deadline: datetime | None,
                           now: datetime) -> str | None:
    if item["status"] not in FINALIST_STATUSES:
        return "status"
    if edition.phase_at(now) not in RESULTS_PHASES:
        return "phase"
    if published:
        return "published"
    if deadline is not None and now >= deadline:
        return "deadline"
    return None
