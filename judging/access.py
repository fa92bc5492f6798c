"""Who may see which project in judging (the access rules): a judge sees a submitted project
only on the panel of its category and when not conflicted, declared or automatic; anything
else answers 404, as if the project did not exist. `panels` gives, for many projects at once,
the judges entitled to each.

The round a project must be in (`queries.judge_project`) completes the rule."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from accounts.services import CurrentUser
from core.errors import NotFound
from core.i18n import gettext as _
from judging.rules import BLIND_FIELDS, ConflictFacts, automatic_conflict, round_of_phase
from judging.tables import DeclaredConflict, JudgeAssignment, LiftedConflict
from prizes.editions.rules import EditionState
from prizes.editions.services import PhaseClosed
from prizes.nominations.queries import shape, with_goals
from prizes.nominations.tables import Nomination

# What a judge reads of a project, in this order.
JUDGE_FIELDS = ("id", "year", "category", "status", "title", "entity_name", "stakeholder_type", "country", "region",
                "contact_name", "contact_email", "website", "owner_email", "short_description", "sdgs",
                "goals", "sdg_linkages", "impact", "partnerships", "challenges", "project_status", "started_on",
                "owned_by_submitter")


def not_found() -> NotFound:
    return NotFound(_("There is no such project."))


def load_json(raw, empty):
    if isinstance(raw, str):
        return json.loads(raw or json.dumps(empty))
    return raw if raw is not None else empty


PROJECT_COLUMNS = (
    Nomination.all_columns(),
    Nomination.category.code.as_alias("category_code"),
    Nomination.category.position.as_alias("category_position"),
    Nomination.edition.year.as_alias("year"),
    Nomination.owner.email.as_alias("owner_email"),
)


async def project_row(nomination_id: UUID | str) -> dict:
    """A submitted project (any status but draft), with its category code, year and owner's
    address; 404 otherwise."""
    try:
        key = UUID(str(nomination_id))
    except ValueError:
        raise not_found() from None
    row = await Nomination.select(*PROJECT_COLUMNS).where(Nomination.id == key).first()
    if row is None or row["status"] == "draft":
        raise not_found()
    return (await with_goals([row]))[0]


def facts(judge_id, judge_email: str, row: dict) -> ConflictFacts:
    return ConflictFacts(judge_id, judge_email, row["owner"], row["owner_email"], row["contact_email"])


async def is_assigned(judge_id: UUID, category_id: int) -> bool:
    return await JudgeAssignment.exists().where(
        (JudgeAssignment.judge == judge_id) & (JudgeAssignment.category == category_id)
    )


async def declared_conflict(judge_id: UUID, nomination_id: UUID) -> dict | None:
    return await DeclaredConflict.select().where(
        (DeclaredConflict.judge == judge_id) & (DeclaredConflict.nomination == nomination_id)
    ).first()


async def is_lifted(judge_id: UUID, nomination_id: UUID) -> bool:
    return await LiftedConflict.exists().where(
        (LiftedConflict.judge == judge_id) & (LiftedConflict.nomination == nomination_id))


async def lifted_pairs(nomination_ids: list) -> set[tuple[str, str]]:
    """(judge id, project id), as text, of the automatic conflicts staff lifted on these projects."""
    if not nomination_ids:
        return set()
    return {(str(c["judge"]), str(c["nomination"])) for c in await LiftedConflict.select(
        LiftedConflict.judge, LiftedConflict.nomination).where(LiftedConflict.nomination.is_in(nomination_ids))}


async def standing_pairs(nomination_ids: list, judge_id: UUID | None = None) -> set[tuple[str, str]]:
    """(judge id, project id), as text, of the declared conflicts that stand on these projects
    (of one judge when `judge_id` is given; of all the judge's projects when the list is None)."""
    where = DeclaredConflict.status == "standing"
    if nomination_ids is not None:
        if not nomination_ids:
            return set()
        where &= DeclaredConflict.nomination.is_in(nomination_ids)
    if judge_id is not None:
        where &= DeclaredConflict.judge == judge_id
    return {(str(c["judge"]), str(c["nomination"])) for c in await DeclaredConflict.select(
        DeclaredConflict.judge, DeclaredConflict.nomination).where(where)}


async def conflict_of(judge: CurrentUser, row: dict) -> str | None:
    """Why `judge` is conflicted on the project: "declared" (a declared conflict that stands),
    a key of `rules.CONFLICT_REASONS` (an automatic one staff did not lift), or None."""
    declared = await declared_conflict(judge.id, row["id"])
    if declared and declared["status"] == "standing":
        return "declared"
    why = automatic_conflict(facts(judge.id, judge.email, row))
    if why and await is_lifted(judge.id, row["id"]):
        return None
    return why


async def require_on_panel(judge: CurrentUser, row: dict) -> None:
    """404 unless the judge is on the panel of the project's category and not conflicted."""
    if not await is_assigned(judge.id, row["category"]) or await conflict_of(judge, row):
        raise not_found()


def open_round(edition: EditionState, now: datetime) -> str:
    """The round open now, or 403 by the phase rule."""
    round_ = round_of_phase(edition.phase_at(now))
    if round_ is None:
        raise PhaseClosed(_(
            "Judging is only possible during the nomination or selection phase; the %(year)s edition is in "
            "another phase.", year=edition.year))
    return round_


def judge_view(row: dict, blind: bool) -> dict[str, Any]:
    """What a judge reads of a project (prizes' shape of it, less what only its owner and
    staff read); in blind mode without who submitted it or how to reach them."""
    item = shape(row)
    return {key: item[key] for key in JUDGE_FIELDS if not (blind and key in BLIND_FIELDS)}


async def entitled_judges(category_id: int, rows: list[dict]) -> dict[str, set[str]]:
    """For each project (id as text), the ids (as text) of the judges on its category's
    panel who are not conflicted on it."""
    return (await panels([category_id], rows))[0]


async def panels(category_ids: list[int], rows: list[dict]) -> tuple[dict[str, set[str]], dict[str, dict]]:
    """(project id → entitled judge ids, judge id → {email, display_name, categories}) for
    the projects `rows` of the categories `category_ids`. Ids as text."""
    assignments = await JudgeAssignment.select(
        JudgeAssignment.judge, JudgeAssignment.category, JudgeAssignment.category.code.as_alias("code"),
        JudgeAssignment.judge.email.as_alias("email"), JudgeAssignment.judge.display_name.as_alias("name"),
    ).where(JudgeAssignment.category.is_in(category_ids)) if category_ids else []
    judges: dict[str, dict] = {}
    by_category: dict[int, list[str]] = {}
    for a in assignments:
        jid = str(a["judge"])
        info = judges.setdefault(jid, {"id": a["judge"], "email": a["email"], "display_name": a["name"],
                                       "categories": []})
        info["categories"].append(a["code"])
        by_category.setdefault(a["category"], []).append(jid)
    declared: set[tuple[str, str]] = set()
    lifted: set[tuple[str, str]] = set()
    if rows and judges:
        declared = await standing_pairs([r["id"] for r in rows])
        lifted = await lifted_pairs([r["id"] for r in rows])
    entitled: dict[str, set[str]] = {}
    for r in rows:
        pid = str(r["id"])
        entitled[pid] = {
            jid for jid in by_category.get(r["category"], [])
            if (jid, pid) not in declared and ((jid, pid) in lifted or automatic_conflict(
                facts(judges[jid]["id"], judges[jid]["email"], r)) is None)
        }
    return entitled, judges
