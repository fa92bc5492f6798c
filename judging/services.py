"""Judging actions: panels, conflicts, rubrics and round settings, score sheets, reopening,
reminders, and the screening rule prizes applies through its hook. Each action is one
transaction with its audit entry; the database's constraints (one sheet per judge per
project per round, one assignment, one declared conflict) back the friendly checks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence
from uuid import UUID

from accounts.services import CurrentUser, languages_of
from accounts.tables import UserRole
from core import audit
from core.audit import Actor
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, InvalidInput, NotFound
from core.i18n import gettext as _
from core.i18n import in_language, ngettext
from core.mail import Mail, enqueue
from core.templating import render_text
from core.validation import clean_text
from judging import access, queries
from judging.conflicts import has_submitted_sheet
from judging.queries import RoundConfig, check_round
from judging.rules import (
    clean_scores,
    criteria_from,
    default_round,
    round_of_phase,
    rubric_errors,
    sheet_errors,
)
from judging.tables import DeclaredConflict, JudgeAssignment, JudgingRound, ScoreSheet
from prizes.editions import queries as edition_queries

# --- panels ----------------------------------------------------------------------------------


async def assign_judge(email: str, category: str, year: int | None, actor: Actor, now: datetime) -> dict[str, Any]:
    """Puts a judge on a category's panel: 404 for an unknown address, 422 if the account is
    not a judge or the category unknown, 409 if already assigned."""
    edition = await queries.edition_year(year, now)
    user = await queries.user_by_email(email)
    if not await UserRole.exists().where((UserRole.user == user["id"]) & (UserRole.role == "judge")):
        raise InvalidInput([FieldError("email", _("This account is not a judge: grant it the judge role first."))])
    row = await queries.category_row(edition.year, category)
    already = Conflict(_("This judge is already on the panel of %(code)s.", code=row["code"]),
                       [FieldError("email", _("Already assigned to this category."))])
    if await access.is_assigned(user["id"], row["id"]):
        raise already
    try:
        async with transaction():
            await JudgeAssignment.insert(JudgeAssignment(judge=user["id"], category=row["id"], assigned_at=now,
                                                         assigned_by=actor.id))
            await audit.record(actor, "judging.assign", f"judging:{edition.year}", "",
                               {"email": user["email"], "category": row["code"]})
    except Exception as error:
        if is_unique_violation(error):
            raise already from None
        raise
    return {"year": edition.year, "email": user["email"], "display_name": user["display_name"], "category": row["code"]}


async def unassign_judge(email: str, category: str, year: int | None, actor: Actor, now: datetime) -> None:
    """Takes a judge off a panel (their sheets stay, but no longer count). 404 if they were
    not on it."""
    edition = await queries.edition_year(year, now)
    user = await queries.user_by_email(email)
    row = await queries.category_row(edition.year, category)
    async with transaction():
        deleted = await JudgeAssignment.delete().where(
            (JudgeAssignment.judge == user["id"]) & (JudgeAssignment.category == row["id"])
        ).returning(JudgeAssignment.id)
        if not deleted:
            raise NotFound(_("This judge is not on the panel of %(code)s.", code=row["code"]),
                           [FieldError("email", _("Not assigned to this category."))])
        await audit.record(actor, "judging.unassign", f"judging:{edition.year}", "",
                           {"email": user["email"], "category": row["code"]})


# --- conflicts of interest -------------------------------------------------------------------


async def declare_conflict(judge: CurrentUser, nomination_id: UUID | str, reason: str | None, now: datetime) -> dict:
    """The judge declares a conflict on a project of their panel: from then on they can
    neither see, score nor screen it, and any sheet of theirs on it no longer counts. Once one
    of their sheets on it is submitted, the declaration is a request ("pending") staff decide
    (`judging.conflicts.decide`); the sheet counts until then."""
    row = await access.project_row(nomination_id)
    if not await access.is_assigned(judge.id, row["category"]):
        raise access.not_found()
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, multiline=True)
    errors.raise_if_any()
    if await access.declared_conflict(judge.id, row["id"]):
        raise Conflict(_("You already declared a conflict of interest on this project."),
                       [FieldError("nomination_id", _("Already declared."))])
    if await access.conflict_of(judge, row):
        raise access.not_found()
    # After a sheet is submitted, the judge's word alone no longer drops it: staff decide.
    status = "pending" if await has_submitted_sheet(judge.id, row["id"]) else "standing"
    try:
        async with transaction():
            await DeclaredConflict.insert(DeclaredConflict(judge=judge.id, nomination=row["id"], reason=reason,
                                                           declared_at=now, status=status))
            await audit.record(judge.as_actor(), "judging.conflict_request" if status == "pending" else "judging.conflict",
                               f"nomination:{row['id']}", reason, {})
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(_("You already declared a conflict of interest on this project."),
                           [FieldError("nomination_id", _("Already declared."))]) from None
        raise
    return {"nomination_id": str(row["id"]), "reason": reason, "declared_at": now, "status": status}


async def screening_policy(actor: CurrentUser, nomination: dict) -> None:
    """Who may screen a project (prizes awaits this before an eligibility decision, through
    `NOMINATION_ACCESS`): staff always; a judge only on the panel of its
    category and not conflicted (404 otherwise, as the project is not theirs to see)."""
    if actor.is_staff:
        return
    if not await access.is_assigned(actor.id, nomination["category"]):
        raise access.not_found()
    row = await access.project_row(nomination["id"])
    if await access.conflict_of(actor, row):
        raise access.not_found()


async def judge_view_policy(viewer: CurrentUser, item: dict, now: datetime) -> dict | None:
    """What a judge may read of a project outside judging's own routes (prizes'
    `GET /api/nominations/{id}` and project page): the judging view (blind mode applied)
    when the project is theirs to judge now, else None."""
    try:
        project = await queries.judge_project(viewer, item["id"], now)
    except (NotFound, Forbidden):
        return None
    return access.judge_view(project.row, project.blind)


class JudgingAccess:
    """Judging's rules on nominations as prizes asks for them
    (`prizes.nominations.queries.NominationAccess`); `create_app` hands them to prizes."""

    async def check_screening(self, actor: CurrentUser, nomination: dict) -> None:
        await screening_policy(actor, nomination)

    async def judge_view(self, viewer: CurrentUser, item: dict, now: datetime) -> dict | None:
        return await judge_view_policy(viewer, item, now)

    async def statistical_tie(self, year: int, category: str) -> dict | None:
        result = await queries.ranking(year, category, "selection")
        if result.robustness is None or not result.robustness.statistical_tie:
            return None
        return result.robustness.as_dict()


NOMINATION_ACCESS = JudgingAccess()


# --- rounds: rubric and settings -------------------------------------------------------------


async def _stored_round(year: int, round_: str, now: datetime) -> dict:
    """The round's row, made from `queries.round_config` if there is none yet (call inside a
    transaction)."""
    edition = await edition_queries.edition_row(year)
    config = await queries.round_config(year, round_)
    if not config.stored:
        await JudgingRound.insert(JudgingRound(
            edition=edition["id"], round=round_, criteria=json.dumps([c.as_dict() for c in config.criteria]),
            guidance=config.guidance, blind=config.blind, share_scores=config.share_scores, rubric_frozen_at=None,
            updated_at=now,
        )).on_conflict(action="DO NOTHING")
    return await JudgingRound.select().where(
        (JudgingRound.edition == edition["id"]) & (JudgingRound.round == round_)).first()


def _frozen() -> Conflict:
    return Conflict(_("The rubric of this round is frozen: a score sheet was already submitted with it."),
                    [FieldError("criteria", _("Frozen since the first sheet of the round was submitted."))])


async def save_rubric(year: int, round_: str | None, criteria: Sequence[dict], guidance: str | None,
                      reason: str | None, actor: Actor, now: datetime) -> RoundConfig:
    """Staff replace a round's criteria, until the first sheet of the round is submitted
    (409 from then on: a change is refused, never silently applied)."""
    round_ = check_round(round_)
    edition_row = await edition_queries.edition_row(year)
    if round_ == "selection" and edition_row.get("rules_json"):
        raise Conflict(_("The selection rubric is one of the counting rules, frozen when the vote opened."),
                       [FieldError("criteria", _("Frozen since the vote opened."))])
    errors = FieldErrors()
    cleaned = []
    for index, item in enumerate(criteria):
        # typed text cleaned first (control characters refused); then the rubric's own rules
        cleaned.append({**item, "title": clean_text(errors, f"criteria.{index}.title", item.get("title"),
                                                    max_length=200, required=False),
                        "guidance": clean_text(errors, f"criteria.{index}.guidance", item.get("guidance"),
                                               max_length=2000, required=False, multiline=True)})
    known = {e.key for e in errors.items}
    errors.items.extend(e for e in rubric_errors(cleaned) if e.key not in known)
    guidance = clean_text(errors, "guidance", guidance, max_length=4000, required=False, multiline=True)
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    new = [c.as_dict() for c in criteria_from(cleaned)]
    async with transaction():
        row = await _stored_round(year, round_, now)
        if row["rubric_frozen_at"] is not None:
            raise _frozen()
        # Compare-and-set on the frozen mark: a sheet submitted meanwhile wins.
        updated = await JudgingRound.update({JudgingRound.criteria: json.dumps(new), JudgingRound.guidance: guidance,
                                             JudgingRound.updated_at: now}).where(
            (JudgingRound.id == row["id"]) & JudgingRound.rubric_frozen_at.is_null()
        ).returning(JudgingRound.id)
        if not updated:
            raise _frozen()
        await audit.record(actor, "judging.rubric", f"judging:{year}", reason,
                           {"round": round_, "from": access.load_json(row["criteria"], []), "to": new})
    return await queries.round_config(year, round_)


async def save_round_settings(year: int, round_: str | None, blind: bool | None, share_scores: bool | None,
                              reason: str | None, actor: Actor, now: datetime) -> RoundConfig:
    """Blind mode and shared scores for a round; editable at any time (audited)."""
    round_ = check_round(round_)
    await edition_queries.edition_row(year)
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    async with transaction():
        row = await _stored_round(year, round_, now)
        changes: dict = {}
        values: dict = {}
        for name, value in (("blind", blind), ("share_scores", share_scores)):
            if value is not None and value != row[name]:
                changes[name] = {"from": row[name], "to": value}
                values[getattr(JudgingRound, name)] = value
        if values:
            await JudgingRound.update({**values, JudgingRound.updated_at: now}).where(JudgingRound.id == row["id"])
            await audit.record(actor, "judging.round", f"judging:{year}", reason, {"round": round_, **changes})
    return await queries.round_config(year, round_)


# --- score sheets ----------------------------------------------------------------------------


def _locked() -> Conflict:
    return Conflict(_("This score sheet is submitted and locked; the secretariat can reopen it."),
                    [FieldError("status", _("Submitted sheets are locked."))])


async def save_sheet(judge: CurrentUser, nomination_id: UUID | str, scores: dict[str, Any], comment: str | None,
                     submit: bool, now: datetime) -> dict:
    """Saves the judge's sheet for the project in the round open now: a draft (scores may be
    left empty), or submitted (every criterion scored), after which it is locked. The first
    submitted sheet of a round freezes its rubric, in the same transaction."""
    project = await queries.judge_project(judge, nomination_id, now)
    row, round_ = project.row, project.round
    errors = FieldErrors()
    comment = clean_text(errors, "comment", comment, max_length=4000, required=False, multiline=True)
    errors.raise_if_any()
    current = await queries.sheet_row(row["id"], judge.id, round_)
    if current is not None and current["status"] == "submitted":
        raise _locked()
    async with transaction():
        round_row = await _stored_round(project.edition.year, round_, now)
        if submit:
            # Freezing first takes the round's row: a rubric edit either happened before (and
            # the sheet is checked against it) or is refused after.
            await JudgingRound.update({JudgingRound.rubric_frozen_at: now}).where(
                (JudgingRound.id == round_row["id"]) & JudgingRound.rubric_frozen_at.is_null())
            round_row = await JudgingRound.select().where(JudgingRound.id == round_row["id"]).first()
        criteria = criteria_from(access.load_json(round_row["criteria"], []))
        problems = sheet_errors(scores, criteria, complete=submit)
        if problems:
            raise InvalidInput(problems, _("Some scores are not valid.") if not submit else
                               _("The sheet is not complete or has scores off the scale."))
        await ScoreSheet.insert(ScoreSheet(nomination=row["id"], judge=judge.id, round=round_, status="draft",
                                           scores="{}", comment="", created_at=now, updated_at=now)).on_conflict(
            action="DO NOTHING")
        updated = await ScoreSheet.update({
            ScoreSheet.scores: json.dumps(clean_scores(scores), sort_keys=True),
            ScoreSheet.comment: comment,
            ScoreSheet.status: "submitted" if submit else "draft",
            ScoreSheet.updated_at: now,
            ScoreSheet.submitted_at: now if submit else None,
        }).where(
            (ScoreSheet.nomination == row["id"]) & (ScoreSheet.judge == judge.id) & (ScoreSheet.round == round_)
            & (ScoreSheet.status == "draft")
        ).returning(ScoreSheet.id)
        if not updated:
            raise _locked()
        if submit:
            await audit.record(judge.as_actor(), "judging.sheet.submit", f"nomination:{row['id']}", "",
                               {"round": round_, "sheet": str(updated[0]["id"])})
    return queries.sheet_out(row["id"], round_, await queries.sheet_row(row["id"], judge.id, round_), criteria)


async def reopen_sheet(nomination_id: UUID | str, email: str, round_: str | None, reason: str | None, actor: Actor,
                       now: datetime) -> dict:
    """Staff reopen a submitted sheet (back to a draft its judge can change and submit
    again); the reason is required and kept in the audit log."""
    row = await access.project_row(nomination_id)
    edition = await edition_queries.get_edition(row["year"])
    round_ = check_round(round_ or round_of_phase(edition.phase_at(now)) or default_round(edition.phase_at(now)))
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, multiline=True)
    errors.raise_if_any()
    user = await queries.user_by_email(email)
    sheet = await queries.sheet_row(row["id"], user["id"], round_)
    if sheet is None:
        raise NotFound(_("This judge has no score sheet for this project in this round."),
                       [FieldError("email", _("No sheet."))])
    async with transaction():
        updated = await ScoreSheet.update({ScoreSheet.status: "draft", ScoreSheet.submitted_at: None,
                                           ScoreSheet.updated_at: now}).where(
            (ScoreSheet.id == sheet["id"]) & (ScoreSheet.status == "submitted")).returning(ScoreSheet.id)
        if not updated:
            raise Conflict(_("This score sheet is not submitted: there is nothing to reopen."),
                           [FieldError("status", _("Not submitted."))])
        await audit.record(actor, "judging.sheet.reopen", f"nomination:{row['id']}", reason,
                           {"round": round_, "judge": user["email"], "sheet": str(sheet["id"])})
    config = await queries.round_config(row["year"], round_)
    return queries.sheet_out(row["id"], round_, await queries.sheet_row(row["id"], user["id"], round_), config.criteria)


# --- reminders -------------------------------------------------------------------------------


async def send_reminders(year: int, round_: str | None, actor: Actor, base_url: str, now: datetime) -> list[str]:
    """Mails every judge who has projects left to score in the round; the addresses."""
    edition = await edition_queries.get_edition(year)
    round_ = check_round(round_ or default_round(edition.phase_at(now)))
    progress = await queries.progress(year, round_)
    waiting = [j for j in progress["judges"] if j["remaining"] > 0]
    languages = await languages_of([j["email"] for j in waiting])
    async with transaction():
        for judge in waiting:
            with in_language(languages.get(judge["email"])):  # the judge's, not the staff member's
                await enqueue(Mail(
                    to=judge["email"], kind="judging_reminder",
                    subject=ngettext("WSIS Prizes: %(num)d project waits for your scores",
                                     "WSIS Prizes: %(num)d projects wait for your scores", judge["remaining"]),
                    text=render_text("mail/judging/reminder.txt", name=judge["display_name"], year=year,
                                     remaining=judge["remaining"], submitted=judge["submitted"],
                                     assigned=judge["assigned"], link=f"{base_url}/judging"),
                ))
        await audit.record(actor, "judging.reminders", f"judging:{year}", "",
                           {"round": round_, "judges": [j["email"] for j in waiting]})
    return [j["email"] for j in waiting]

