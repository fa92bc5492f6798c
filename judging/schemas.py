"""Shapes in and out of the judging API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from core.errors import FieldError
from core.i18n import gettext as _
from judging.queries import CategoryRanking, RoundConfig
from judging.rules import JudgeStats


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class AssignmentIn(Strict):
    email: str
    category: str
    year: int | None = None


class AssignmentOut(msgspec.Struct):
    year: int
    email: str
    display_name: str
    category: str


class ConflictIn(Strict):
    nomination_id: str
    reason: str | None = None


class ConflictOut(msgspec.Struct):
    """`status`: "standing", or "pending" when declared after one of the judge's sheets on the
    project was submitted (staff decide)."""

    nomination_id: str
    reason: str
    declared_at: datetime
    status: str = "standing"


class SheetIn(Strict):
    """`scores` maps criterion keys to whole numbers (null: not scored yet, drafts only).
    The sheet is replaced as a whole; `submit` locks it."""

    scores: dict[str, int | float | None] = {}
    comment: str | None = None
    submit: bool = False


class ReopenIn(Strict):
    email: str
    reason: str | None = None
    round: str | None = None


class CriterionIn(Strict):
    key: str
    title: str
    weight: float = 1.0
    min: int = 1
    max: int = 10
    guidance: str = ""


class RubricIn(Strict):
    criteria: list[CriterionIn]
    guidance: str | None = None
    reason: str | None = None

    def criteria_dicts(self) -> list[dict[str, Any]]:
        return [msgspec.structs.asdict(c) for c in self.criteria]


class RoundSettingsIn(Strict):
    round: str
    year: int | None = None
    blind: bool | None = None
    share_scores: bool | None = None
    reason: str | None = None


class CriterionOut(msgspec.Struct):
    key: str
    title: str
    weight: float
    min: int
    max: int
    guidance: str


class RubricOut(msgspec.Struct):
    year: int
    round: str
    frozen: bool
    guidance: str
    criteria: list[CriterionOut]

    @classmethod
    def of(cls, config: RoundConfig) -> "RubricOut":
        return cls(config.year, config.round, config.frozen, config.guidance,
                   [CriterionOut(c.key, c.title, c.weight, c.min, c.max, c.guidance) for c in config.criteria])


class RoundSettingsOut(msgspec.Struct):
    year: int
    round: str
    blind: bool
    share_scores: bool
    rubric_frozen: bool

    @classmethod
    def of(cls, config: RoundConfig) -> "RoundSettingsOut":
        return cls(config.year, config.round, config.blind, config.share_scores, config.frozen)


class QueueItem(msgspec.Struct):
    nomination_id: str
    title: str
    category: str
    sheet: str


class QueueOut(msgspec.Struct):
    items: list[QueueItem]


class RankingItem(msgspec.Struct):
    nomination_id: str
    title: str
    judges: int
    mean: float | None
    median: float | None
    spread: float | None
    normalised_mean: float | None
    rank: int | None
    first_share: float | None = None  # share of the bootstrap resamples in which it ranks first


class OutlierOut(msgspec.Struct):
    judge: str
    sheets: int
    departure: float | None
    severity: float | None


def outlier_out(stats: JudgeStats, emails: dict[str, str]) -> OutlierOut:
    return OutlierOut(
        judge=emails.get(stats.judge, stats.judge),
        sheets=stats.sheets,
        departure=None if stats.departure is None else round(stats.departure, 2),
        severity=None if stats.severity is None else round(stats.severity, 2),
    )


class RankingOut(msgspec.Struct):
    """`agreement`: Krippendorff's alpha (interval metric) of the judges' totals in the
    category, null when undefined. Items in rank order (see the tie-break rule in the
    README); projects nobody scored last, with `rank` null."""

    category: str
    round: str
    items: list[RankingItem]
    agreement: float | None
    outliers: list[OutlierOut]
    robustness: dict | None = None  # {resamples, leader_share, statistical_tie}: judging/robustness.py

    @classmethod
    def of(cls, result: CategoryRanking) -> "RankingOut":
        ranking = result.ranking
        shares = result.robustness.first_share if result.robustness else {}
        return cls(
            category=result.category,
            round=result.round,
            items=[RankingItem(p.id, p.title, p.judges, p.mean, p.median, p.spread, p.normalised_mean, p.rank,
                               shares.get(p.id))
                   for p in ranking.items],
            agreement=ranking.agreement,
            outliers=[outlier_out(j, result.judge_emails) for j in ranking.outliers],
            robustness=result.robustness.as_dict() if result.robustness else None,
        )


class RemindersOut(msgspec.Struct):
    round: str
    reminded: list[str]


def round_label(round_: str) -> str:
    return _("Nomination round") if round_ == "nomination" else _("Selection round")


# --- forms -------------------------------------------------------------------------------------


def scores_from_form(form, criteria) -> tuple[dict[str, int | float | None], list[FieldError]]:
    """The `score-<key>` fields of the sheet form as the API's `scores`: empty → None; text
    that is not a number → a field error (the service checks the scale)."""
    scores: dict[str, int | float | None] = {}
    errors: list[FieldError] = []
    for c in criteria:
        raw = (form.get(f"score-{c.key}") or "").strip()
        if not raw:
            scores[c.key] = None
            continue
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            errors.append(FieldError(f"scores.{c.key}", _("Enter a whole number from %(min)d to %(max)d.",
                                                         min=c.min, max=c.max)))
            continue
        scores[c.key] = int(value) if value.is_integer() else value
    return scores, errors


def criteria_from_form(form) -> tuple[list[dict[str, Any]], list[FieldError], list[int]]:
    """The rubric form's rows (`criteria-<i>-key`, `-title`, `-weight`, `-min`, `-max`,
    `-guidance`) as the API's criteria, with field errors for numbers that are not numbers
    (keyed by the form's row) and, for each criterion kept, its row in the form. A row left
    entirely empty is dropped."""
    criteria: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    rows: list[int] = []
    index = 0
    while f"criteria-{index}-key" in form:
        names = ("key", "title", "weight", "min", "max", "guidance")
        row = {name: (form.get(f"criteria-{index}-{name}") or "").strip() for name in names}
        if any(row.values()):
            item: dict[str, Any] = {"key": row["key"], "title": row["title"], "guidance": row["guidance"]}
            try:
                item["weight"] = float(row["weight"].replace(",", ".") or "1")
            except ValueError:
                errors.append(FieldError(f"criteria.{index}.weight", _("Enter a number.")))
            try:
                item["min"], item["max"] = int(row["min"] or "1"), int(row["max"] or "10")
            except ValueError:
                errors.append(FieldError(f"criteria.{index}.max", _("Enter whole numbers.")))
            criteria.append(item)
            rows.append(index)
        index += 1
    return criteria, errors, rows


def to_form_key(key: str, rows: list[int]) -> str:
    """A service's `criteria.<position>.<field>` as the form's `criteria.<row>.<field>`."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "criteria" and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
    return ".".join(parts)
