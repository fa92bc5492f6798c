"""Reads of judging: a round's rubric and settings, the project a judge may score now, the
judge's queue, sheets, the rankings and the progress staff follow.

Who may see a project (a judge, in `judge_project`): the access rules of `judging.access`
(not a draft, on the panel, not conflicted), and the project is in the round open now
(nomination round: submitted, eligible or ineligible projects; selection round: the
finalists). Anything else answers 404, as if the project did not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable
from uuid import UUID

from accounts.services import CurrentUser
from accounts.tables import User
from core.errors import FieldError, InvalidInput, NotFound
from core.i18n import gettext as _
from judging.access import (
    PROJECT_COLUMNS,
    entitled_judges,
    facts,
    lifted_pairs,
    load_json,
    not_found,
    open_round,
    panels,
    project_row,
    require_on_panel,
    standing_pairs,
)
from judging.robustness import TIE_THRESHOLD, Robustness, bootstrap
from judging.rules import (
    DEFAULT_CRITERIA,
    DEFAULT_GUIDANCE,
    ROUND_STATUSES,
    ROUNDS,
    default_round,
    Criterion,
    ProjectRef,
    Ranking,
    Sheet,
    automatic_conflict,
    criteria_from,
    is_blind,
    rank_projects,
    round_of_phase,
    scorer,
    weighted_total,
)
from judging.tables import JudgeAssignment, JudgingRound, ScoreSheet
from prizes.editions import queries as edition_queries
from prizes.editions.rules import EditionState
from prizes.editions.tables import Category
from prizes.nominations.tables import Nomination


def check_round(round_: str | None, key: str = "round") -> str:
    if round_ not in ROUNDS:
        raise InvalidInput([FieldError(key, _("Choose one of: %(values)s.", values=", ".join(ROUNDS)))])
    return round_  # type: ignore[return-value]


# --- rounds: rubric and settings -------------------------------------------------------------


@dataclass(frozen=True)
class RoundConfig:
    year: int
    round: str
    criteria: tuple[Criterion, ...]
    guidance: str
    blind: bool
    share_scores: bool
    frozen_at: datetime | None
    stored: bool

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


def _config_of(year: int, round_: str, row: dict | None, stored: bool) -> RoundConfig:
    if row is None:
        return RoundConfig(year, round_, DEFAULT_CRITERIA, DEFAULT_GUIDANCE, False, False, None, False)
    return RoundConfig(
        year, round_, tuple(criteria_from(load_json(row["criteria"], []))), row["guidance"], row["blind"],
        row["share_scores"], row["rubric_frozen_at"] if stored else None, stored,
    )


async def round_config(year: int, round_: str) -> RoundConfig:
    """The round's rubric and settings: as stored, else the latest earlier edition's (next
    year's edition starts from this year's rubric), else the default."""
    row = await JudgingRound.select().where(
        (JudgingRound.edition.year == year) & (JudgingRound.round == round_)
    ).first()
    if row is not None:
        return _config_of(year, round_, row, stored=True)
    earlier = await JudgingRound.select().where(
        (JudgingRound.edition.year < year) & (JudgingRound.round == round_)
    ).order_by(JudgingRound.edition.year, ascending=False).first()
    return _config_of(year, round_, earlier, stored=False)


async def selection_rubric_for_rules(year: int) -> list[dict]:
    """The selection round's criteria as the edition's frozen counting rules record them."""
    return [c.as_dict() for c in (await round_config(year, "selection")).criteria]


# --- projects as judges see them -------------------------------------------------------------

@dataclass(frozen=True)
class JudgeProject:
    row: dict
    edition: EditionState
    round: str
    config: RoundConfig

    @property
    def blind(self) -> bool:
        return is_blind(self.edition.settings, self.config.blind)


async def judge_project(judge: CurrentUser, nomination_id: UUID | str, now: datetime) -> JudgeProject:
    """The project, if `judge` may see and score it now (see the module's docstring)."""
    row = await project_row(nomination_id)
    await require_on_panel(judge, row)
    edition = await edition_queries.get_edition(row["year"])
    round_ = open_round(edition, now)
    if row["status"] not in ROUND_STATUSES[round_]:
        raise not_found()
    return JudgeProject(row, edition, round_, await round_config(edition.year, round_))


# --- sheets ----------------------------------------------------------------------------------


async def sheet_row(nomination_id: UUID, judge_id: UUID, round_: str) -> dict | None:
    return await ScoreSheet.select().where(
        (ScoreSheet.nomination == nomination_id) & (ScoreSheet.judge == judge_id) & (ScoreSheet.round == round_)
    ).first()


def sheet_out(nomination_id, round_: str, row: dict | None, criteria: Iterable[Criterion]) -> dict[str, Any]:
    """A judge's own sheet ("none" when they have not saved one)."""
    if row is None:
        return {"nomination_id": str(nomination_id), "round": round_, "status": "none", "scores": {}, "comment": "",
                "total": None, "updated_at": None, "submitted_at": None}
    scores = load_json(row["scores"], {})
    total = weighted_total(scores, list(criteria))
    return {
        "nomination_id": str(nomination_id),
        "round": round_,
        "status": row["status"],
        "scores": scores,
        "comment": row["comment"],
        "total": None if total is None else round(total, 2),
        "updated_at": row["updated_at"],
        "submitted_at": row["submitted_at"],
    }


async def panel_view(project: JudgeProject, judge: CurrentUser) -> dict[str, Any] | None:
    """The other judges' submitted sheets for the project, without their names, and their
    mean; only when staff let the judges of the round see each other's scores."""
    if not project.config.share_scores:
        return None
    row = project.row
    entitled = (await entitled_judges(row["category"], [row]))[str(row["id"])]
    criteria = list(project.config.criteria)
    sheets = []
    for s in await ScoreSheet.select().where(
        (ScoreSheet.nomination == row["id"]) & (ScoreSheet.round == project.round)
        & (ScoreSheet.status == "submitted") & (ScoreSheet.judge != judge.id)
    ).order_by(ScoreSheet.submitted_at):
        if str(s["judge"]) in entitled:
            scores = load_json(s["scores"], {})
            total = weighted_total(scores, criteria)
            sheets.append({"scores": scores, "comment": s["comment"], "total": None if total is None else round(total, 2)})
    totals = [s["total"] for s in sheets if s["total"] is not None]
    return {"judges": len(sheets), "mean": round(sum(totals) / len(totals), 2) if totals else None, "sheets": sheets}


# --- the queue -------------------------------------------------------------------------------


async def queue(judge: CurrentUser, now: datetime) -> tuple[str | None, list[dict]]:
    """The round open now in the current edition, and the projects the judge scores in it:
    their categories, that round's projects, conflicts left out; with the state of the
    judge's own sheet (none, draft, submitted). Ordered by category, then title."""
    edition = await edition_queries.get_current_edition(now)
    round_ = round_of_phase(edition.phase_at(now))
    if round_ is None:
        return None, []
    category_ids = [a["category"] for a in await JudgeAssignment.select(JudgeAssignment.category).where(
        (JudgeAssignment.judge == judge.id) & (JudgeAssignment.category.edition.year == edition.year)
    )]
    if not category_ids:
        return round_, []
    rows = await Nomination.select(*PROJECT_COLUMNS).where(
        Nomination.category.is_in(category_ids) & Nomination.status.is_in(list(ROUND_STATUSES[round_]))
    ).order_by(Nomination.category.position).order_by(Nomination.title).order_by(Nomination.id)
    ids = [r["id"] for r in rows]
    declared = {pid for _jid, pid in await standing_pairs(ids, judge.id)}
    lifted = {pid for jid, pid in await lifted_pairs(ids) if jid == str(judge.id)}
    rows = [r for r in rows if str(r["id"]) not in declared and (
        str(r["id"]) in lifted or automatic_conflict(facts(judge.id, judge.email, r)) is None)]
    states = {s["nomination"]: s["status"] for s in await ScoreSheet.select(ScoreSheet.nomination, ScoreSheet.status).where(
        (ScoreSheet.judge == judge.id) & (ScoreSheet.round == round_)
        & ScoreSheet.nomination.is_in([r["id"] for r in rows] or [UUID(int=0)])
    )}
    return round_, [
        {"nomination_id": str(r["id"]), "title": r["title"], "category": r["category_code"],
         "sheet": states.get(r["id"], "none")}
        for r in rows
    ]


def next_unscored(items: list[dict], after: str) -> str | None:
    """The first project after `after` in the queue (wrapping round) whose sheet is not
    submitted; None when every other one is."""
    ids = [i["nomination_id"] for i in items]
    start = ids.index(after) + 1 if after in ids else 0
    for item in items[start:] + items[:start]:
        if item["nomination_id"] != after and item["sheet"] != "submitted":
            return item["nomination_id"]
    return None


# --- staff: rankings and progress ------------------------------------------------------------


def ranking_statuses(round_: str) -> list[str]:
    """The projects a round's rankings cover: every submitted project for the nomination
    round (whatever became of it since), the finalists for the selection round."""
    if round_ == "nomination":
        return ["submitted", "eligible", "ineligible", "nominated", "finalist", "winner", "champion"]
    return list(ROUND_STATUSES["selection"])


async def category_row(year: int, code: str | None) -> dict:
    if not code:
        raise InvalidInput([FieldError("category", _("Choose a category."))])
    row = await Category.select().where((Category.edition.year == year) & (Category.code == code)).first()
    if row is None:
        raise InvalidInput([FieldError("category", _("Choose one of the edition's categories."))])
    return row


@dataclass(frozen=True)
class CategoryRanking:
    year: int
    category: str
    round: str
    ranking: Ranking
    judge_emails: dict[str, str]
    robustness: Robustness | None = None


async def ranking(year: int, code: str | None, round_: str) -> CategoryRanking:
    """The ranking of one category in one round, from the submitted sheets of the judges on
    its panel, conflicted sheets left out."""
    category = await category_row(year, code)
    config = await round_config(year, round_)
    rows = await Nomination.select(*PROJECT_COLUMNS).where(
        (Nomination.category == category["id"]) & Nomination.status.is_in(ranking_statuses(round_))
    )
    entitled, judges = await panels([category["id"]], rows)
    total_of = scorer(config.criteria)
    sheets = []
    if rows:
        for s in await ScoreSheet.select(ScoreSheet.nomination, ScoreSheet.judge, ScoreSheet.scores).where(
            ScoreSheet.nomination.is_in([r["id"] for r in rows]) & (ScoreSheet.round == round_)
            & (ScoreSheet.status == "submitted")
        ):
            pid, jid = str(s["nomination"]), str(s["judge"])
            total = total_of(load_json(s["scores"], {}))
            if jid in entitled.get(pid, ()) and total is not None:
                sheets.append(Sheet(jid, pid, total))
    result = rank_projects([ProjectRef(str(r["id"]), r["title"]) for r in rows], sheets)
    settings = (await edition_queries.get_edition(year)).settings
    robust = bootstrap(result, sheets, year, category["code"],
                       threshold=float(settings.get("tie_threshold", TIE_THRESHOLD)))
    return CategoryRanking(year, category["code"], round_, result, {j: info["email"] for j, info in judges.items()},
                           robust)


async def progress(year: int, round_: str) -> dict[str, Any]:
    """Per judge: projects on their panels (conflicts left out), sheets submitted and in
    draft, what remains; per project: entitled judges and submitted sheets."""
    edition = await edition_queries.edition_row(year)
    categories = await Category.select(Category.id, Category.code).where(Category.edition == edition["id"]).order_by(
        Category.position)
    rows = await Nomination.select(*PROJECT_COLUMNS).where(
        (Nomination.edition == edition["id"]) & Nomination.status.is_in(ranking_statuses(round_))
    ).order_by(Nomination.category.position).order_by(Nomination.title).order_by(Nomination.id)
    entitled, judges = await panels([c["id"] for c in categories], rows)
    states: dict[tuple[str, str], str] = {}
    if rows:
        for s in await ScoreSheet.select(ScoreSheet.nomination, ScoreSheet.judge, ScoreSheet.status).where(
            ScoreSheet.nomination.is_in([r["id"] for r in rows]) & (ScoreSheet.round == round_)
        ):
            states[(str(s["judge"]), str(s["nomination"]))] = s["status"]
    per_judge = {jid: {"email": info["email"], "display_name": info["display_name"],
                       "categories": sorted(info["categories"]), "assigned": 0, "submitted": 0, "drafts": 0}
                 for jid, info in judges.items()}
    projects = []
    for r in rows:
        pid = str(r["id"])
        submitted = 0
        for jid in entitled[pid]:
            state = states.get((jid, pid))
            per_judge[jid]["assigned"] += 1
            if state == "submitted":
                per_judge[jid]["submitted"] += 1
                submitted += 1
            elif state == "draft":
                per_judge[jid]["drafts"] += 1
        projects.append({"nomination_id": pid, "title": r["title"], "category": r["category_code"],
                         "judges": len(entitled[pid]), "sheets": submitted})
    judge_list = sorted(
        ({**j, "remaining": j["assigned"] - j["submitted"]} for j in per_judge.values()),
        key=lambda j: j["email"],
    )
    return {"year": year, "round": round_, "judges": judge_list, "projects": projects}


async def assignments(year: int) -> list[dict]:
    rows = await JudgeAssignment.select(
        JudgeAssignment.judge.email.as_alias("email"), JudgeAssignment.judge.display_name.as_alias("display_name"),
        JudgeAssignment.category.code.as_alias("category"), JudgeAssignment.category.position.as_alias("position"),
    ).where(JudgeAssignment.category.edition.year == year)
    rows.sort(key=lambda r: (r["position"], r["email"]))
    return [{"email": r["email"], "display_name": r["display_name"], "category": r["category"]} for r in rows]


async def user_by_email(email: str | None) -> dict:
    from accounts.rules import fold_email

    row = await User.select(User.id, User.email, User.display_name).where(
        User.email_key == fold_email(email or "")).first()
    if row is None:
        raise NotFound(_("No account has this address."), [FieldError("email", _("No account has this address."))])
    return row


async def edition_year(year: int | None, now: datetime) -> EditionState:
    return await (edition_queries.get_edition(year) if year else edition_queries.get_current_edition(now))


async def year_and_round(year: int | None, round_: str | None, now: datetime) -> tuple[int, str]:
    """The edition (default: the current one) and the round (default: the one open, else the
    latest that opened)."""
    edition = await edition_year(year, now)
    return edition.year, check_round(round_ or default_round(edition.phase_at(now)))
