"""Conflicts of interest beyond declaring one: what staff see of every conflict (declared or
automatic, with its reason and what became of it), lifting a wrong automatic one, deciding a
conflict declared after a sheet was submitted, and a judge withdrawing a conflict declared by
mistake (before any sheet of theirs on the project is submitted). Each action is one
transaction with its audit entry."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from accounts.services import CurrentUser
from core import audit
from core.audit import Actor
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, InvalidInput, NotFound
from core.i18n import gettext as _
from core.validation import clean_text
from judging import access, queries
from judging.access import PROJECT_COLUMNS, facts, panels
from judging.rules import automatic_conflict
from judging.tables import DeclaredConflict, LiftedConflict, ScoreSheet
from prizes.editions import queries as edition_queries
from prizes.nominations.tables import Nomination


async def has_submitted_sheet(judge_id: UUID, nomination_id: UUID) -> bool:
    """Whether one of the judge's sheets on the project, in any round, is submitted."""
    return await ScoreSheet.exists().where(
        (ScoreSheet.judge == judge_id) & (ScoreSheet.nomination == nomination_id) & (ScoreSheet.status == "submitted"))


async def listing(year: int) -> list[dict]:
    """Every conflict of the edition's panels: declared (standing, pending a staff decision,
    or refused) and automatic (standing, or lifted by staff), each with its reason."""
    edition = await edition_queries.edition_row(year)
    rows = await Nomination.select(*PROJECT_COLUMNS).where(
        (Nomination.edition == edition["id"]) & (Nomination.status != "draft"))
    _entitled, judges = await panels(list({r["category"] for r in rows}), rows)
    by_id = {str(r["id"]): r for r in rows}
    out = []
    for c in await DeclaredConflict.select(
        DeclaredConflict.judge.email.as_alias("email"), DeclaredConflict.nomination, DeclaredConflict.reason,
        DeclaredConflict.status,
    ).where(DeclaredConflict.nomination.edition == edition["id"]):
        row = by_id.get(str(c["nomination"]))
        out.append({"judge": c["email"], "nomination_id": str(c["nomination"]), "title": row["title"] if row else "",
                    "source": "declared", "reason": c["reason"], "status": c["status"]})
    lifts = {(str(c["judge"]), str(c["nomination"])): c["reason"] for c in await LiftedConflict.select(
        LiftedConflict.judge, LiftedConflict.nomination, LiftedConflict.reason).where(
        LiftedConflict.nomination.is_in([r["id"] for r in rows] or [UUID(int=0)]))}
    for jid, info in judges.items():
        for r in rows:
            if r["category_code"] in info["categories"]:
                why = automatic_conflict(facts(info["id"], info["email"], r))
                if why:
                    lift = lifts.get((jid, str(r["id"])))
                    out.append({"judge": info["email"], "nomination_id": str(r["id"]), "title": r["title"],
                                "source": "automatic", "reason": why,
                                "status": "standing" if lift is None else "lifted", "lift_reason": lift or ""})
    out.sort(key=lambda c: (c["judge"], c["title"], c["nomination_id"]))
    return out


async def mine(judge: CurrentUser) -> list[dict]:
    """The conflicts the judge declared, newest first: whether each can still be withdrawn."""
    rows = await DeclaredConflict.select(
        DeclaredConflict.nomination, DeclaredConflict.nomination.title.as_alias("title"), DeclaredConflict.reason,
        DeclaredConflict.status, DeclaredConflict.declared_at,
    ).where(DeclaredConflict.judge == judge.id).order_by(DeclaredConflict.declared_at, ascending=False)
    submitted = {s["nomination"] for s in await ScoreSheet.select(ScoreSheet.nomination).where(
        (ScoreSheet.judge == judge.id) & (ScoreSheet.status == "submitted"))}
    return [{"nomination_id": str(r["nomination"]), "title": r["title"], "reason": r["reason"], "status": r["status"],
             "withdrawable": r["status"] == "standing" and r["nomination"] not in submitted} for r in rows]


def _reason(reason: str | None) -> str:
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, multiline=True)
    errors.raise_if_any()
    return reason


async def _judge_and_project(year: int, email: str | None, nomination_id: str | None) -> tuple[dict, dict]:
    user = await queries.user_by_email(email)
    row = await access.project_row(nomination_id)
    if row["year"] != year:
        raise access.not_found()
    return user, row


async def lift(year: int, email: str | None, nomination_id: str | None, reason: str | None, actor: Actor,
               now: datetime) -> None:
    """Staff lift a wrong automatic conflict (say, two ministries under one registrable domain):
    the judge sees and scores the project from then on."""
    reason = _reason(reason)
    user, row = await _judge_and_project(year, email, nomination_id)
    if automatic_conflict(facts(user["id"], user["email"], row)) is None:
        raise NotFound(_("This judge has no automatic conflict on this project."),
                       [FieldError("nomination_id", _("No automatic conflict."))])
    already = Conflict(_("This conflict was already lifted."), [FieldError("nomination_id", _("Already lifted."))])
    if await access.is_lifted(user["id"], row["id"]):
        raise already
    try:
        async with transaction():
            await LiftedConflict.insert(LiftedConflict(judge=user["id"], nomination=row["id"], reason=reason,
                                                       lifted_by=actor.id, lifted_at=now))
            await audit.record(actor, "judging.conflict_lifted", f"nomination:{row['id']}", reason,
                               {"judge": user["email"], "why": automatic_conflict(facts(user["id"], user["email"], row))})
    except Exception as error:
        if is_unique_violation(error):
            raise already from None
        raise


async def decide(year: int, email: str | None, nomination_id: str | None, decision: str | None, reason: str | None,
                 actor: Actor, now: datetime) -> str:
    """Staff decide a conflict declared after the judge's sheet was submitted: "accept" (the
    conflict stands, the judge's sheets on the project are set aside) or "refuse" (the sheet
    stays). The new status."""
    if decision not in ("accept", "refuse"):
        raise InvalidInput([FieldError("decision", _("Choose to accept or refuse the conflict."))])
    reason = _reason(reason)
    user, row = await _judge_and_project(year, email, nomination_id)
    status = "standing" if decision == "accept" else "refused"
    async with transaction():
        updated = await DeclaredConflict.update({
            DeclaredConflict.status: status, DeclaredConflict.decided_by: actor.id, DeclaredConflict.decided_at: now,
        }).where((DeclaredConflict.judge == user["id"]) & (DeclaredConflict.nomination == row["id"])
                 & (DeclaredConflict.status == "pending")).returning(DeclaredConflict.id)
        if not updated:
            raise NotFound(_("This judge has no conflict waiting for a decision on this project."),
                           [FieldError("nomination_id", _("Nothing to decide."))])
        await audit.record(actor, "judging.conflict_decided", f"nomination:{row['id']}", reason,
                           {"judge": user["email"], "decision": decision})
    return status


async def withdraw(judge: CurrentUser, nomination_id: str | None, now: datetime) -> None:
    """The judge withdraws a conflict they declared by mistake, as long as no sheet of theirs
    on the project is submitted (after that, staff decide)."""
    row = await access.project_row(nomination_id)
    declared = await access.declared_conflict(judge.id, row["id"])
    if declared is None or declared["status"] != "standing":
        raise NotFound(_("You have no conflict of interest to withdraw on this project."))
    if await has_submitted_sheet(judge.id, row["id"]):
        raise Conflict(_("One of your score sheets on this project is submitted: only the secretariat can change "
                         "this conflict now."), [FieldError("nomination_id", _("Sheet submitted."))])
    async with transaction():
        deleted = await DeclaredConflict.delete().where(
            (DeclaredConflict.id == declared["id"]) & (DeclaredConflict.status == "standing")).returning(
            DeclaredConflict.id)
        if not deleted:
            raise NotFound(_("You have no conflict of interest to withdraw on this project."))
        await audit.record(judge.as_actor(), "judging.conflict_withdrawn", f"nomination:{row['id']}",
                           declared["reason"], {"declared_at": str(declared["declared_at"])})
