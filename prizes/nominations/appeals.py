"""Eligibility appeals: an owner appeals an ineligibility decision once, within the edition's
`appeal_days` after it was mailed and before the vote opens; someone other than the person
who declared the project ineligible (staff, or a judge of the category as judging's
`NominationAccess` allows) upholds or dismisses it. An upheld appeal moves the project
through `services.reinstate` (the only writer of a status). Each action is one transaction
with its audit entry; the UNIQUE constraint on `appeal.nomination` keeps one appeal per
project under concurrency."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from accounts.services import CurrentUser
from core import audit
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, InvalidInput, NotFound
from core.i18n import gettext as _
from core.i18n import in_language
from core.mail import Mail, enqueue
from core.templating import render_text
from core.validation import clean_text
from prizes.editions import queries as editions
from prizes.editions.rules import SETTINGS_SPEC, enters_vote
from prizes.nominations.queries import NominationAccess, edition_of, not_found, owner_address, parse_id
from prizes.nominations.rules import APPEAL_MAX_CHARS, appeal_closes_at, appeal_refusal, appeal_text_errors, may_decide_appeal
from prizes.nominations.services import reinstate
from prizes.nominations.tables import Appeal, Nomination


def _days(settings) -> int:
    return int(settings.get("appeal_days", SETTINGS_SPEC["appeal_days"][0]))


def _not_found() -> NotFound:
    return NotFound(_("There is no such appeal."))


def _shape(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "nomination": str(row["nomination"]),
        "title": row["nomination.title"],
        "category": row["nomination.category.code"],
        "year": row["nomination.edition.year"],
        "owner_email": row["nomination.owner.email"],
        "eligibility_reason": row["nomination.eligibility_reason"],
        "status": row["nomination.status"],
        "text": row["text"],
        "created_at": row["created_at"],
        "state": "open" if row["decided_at"] is None else ("upheld" if row["upheld"] else "dismissed"),
        "decided_at": row["decided_at"],
        "decided_by_email": row["decided_by_email"],
        "reason": row["reason"],
    }


_SELECT = (Appeal.all_columns(), Appeal.nomination.title, Appeal.nomination.category.code,
           Appeal.nomination.owner.email, Appeal.nomination.eligibility_reason, Appeal.nomination.status,
           Appeal.nomination.edition.year)


# --- reads -----------------------------------------------------------------------------------------


async def appeal_for(nomination_id: UUID) -> dict | None:
    row = await Appeal.select(*_SELECT).where(Appeal.nomination == nomination_id).first()
    return _shape(row) if row else None


async def owner_appeal_state(item: dict, now: datetime) -> dict:
    """What the owner's pages show for one of their projects (a `queries.shape` item): the
    appeal made, or whether one may be made now and until when."""
    key = UUID(item["id"])
    appeal = await appeal_for(key)
    if appeal is not None or item["status"] != "ineligible":
        return {"appeal": appeal, "may_appeal": False, "closes_at": None, "refusal": None}
    edition = await editions.get_edition(item["year"])
    mailed = await Nomination.select(Nomination.outcome_mailed_at).where(Nomination.id == key).first()
    mailed_at = mailed["outcome_mailed_at"]
    refusal = appeal_refusal(item["status"], mailed_at, enters_vote(edition.phase_at(now)), now, _days(edition.settings))
    closes = appeal_closes_at(mailed_at, _days(edition.settings)) if mailed_at else None
    return {"appeal": None, "may_appeal": refusal is None, "closes_at": closes, "refusal": refusal}


async def list_appeals(year: int, open_only: bool, offset: int, limit: int) -> tuple[list[dict], int]:
    row = await editions.edition_row(year)
    where = Appeal.nomination.edition == row["id"]
    if open_only:
        where &= Appeal.decided_at.is_null()
    total = await Appeal.count().where(where)
    rows = await Appeal.select(*_SELECT).where(where).order_by(Appeal.created_at).order_by(Appeal.id).limit(
        limit).offset(offset)
    return [_shape(r) for r in rows], total


async def open_appeals_count(year: int) -> int:
    """The appeals of edition `year` awaiting a decision (for the staff home's next actions)."""
    row = await editions.edition_row(year)
    return await Appeal.count().where((Appeal.nomination.edition == row["id"]) & Appeal.decided_at.is_null())


# --- actions ---------------------------------------------------------------------------------------


async def appeal(owner: CurrentUser, nomination_id: UUID | str, text: str | None, now: datetime) -> dict:
    """The owner's one appeal: 403 for anyone else, 403 out of the window, 409 for
    a second appeal, 422 naming `text` for a text outside 50–500 words."""
    row = await Nomination.select().where(Nomination.id == parse_id(nomination_id)).first()
    if row is None or row["status"] == "draft":
        raise not_found()
    if row["owner"] != owner.id:
        message = _("Only the project's owner can appeal.")
        raise Forbidden(message, [FieldError("nomination", message)])
    edition = await edition_of(row)
    refusal = appeal_refusal(row["status"], row["outcome_mailed_at"], enters_vote(edition.phase_at(now)), now,
                             _days(edition.settings))
    if refusal is not None:
        if row["status"] != "ineligible":
            raise Conflict(refusal, [FieldError("status", row["status"])])
        raise Forbidden(refusal, [FieldError("nomination", refusal)])
    already = _("This project was already appealed: one appeal per project.")
    if await Appeal.exists().where(Appeal.nomination == row["id"]):
        raise Conflict(already, [FieldError("nomination", already)])
    errors = FieldErrors()
    clean = clean_text(errors, "text", text, max_length=APPEAL_MAX_CHARS, multiline=True)
    errors.raise_if_any()
    problems = appeal_text_errors(clean)
    if problems:
        raise InvalidInput(problems)
    try:
        async with transaction():
            made = Appeal(nomination=row["id"], text=clean, created_at=now)
            await Appeal.insert(made)
            await audit.record(owner.as_actor(), "nomination.appeal", f"nomination:{row['id']}", "",
                               {"appeal": str(made.id)})
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(already, [FieldError("nomination", already)]) from None
        raise
    return await appeal_for(row["id"])


async def decide(actor: CurrentUser, appeal_id: UUID | str, upheld: bool, reason: str | None, now: datetime,
                 access: NominationAccess) -> dict:
    """Uphold or dismiss an open appeal: staff, or a judge of the category (judging's rule,
    404 for a judge elsewhere), never the person who declared the project ineligible (403).
    The owner is mailed the decision in their language."""
    try:
        key = UUID(str(appeal_id))
    except ValueError:
        raise _not_found() from None
    found = await Appeal.select().where(Appeal.id == key).first()
    if found is None:
        raise _not_found()
    project = await Nomination.select().where(Nomination.id == found["nomination"]).first()
    await access.check_screening(actor, project)
    if not may_decide_appeal(actor.id, project["eligibility_by"]):
        message = _("You declared this project ineligible: someone else decides its appeal.")
        raise Forbidden(message, [FieldError("decided_by", message)])
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=4000, multiline=True)
    errors.raise_if_any()
    decided = _("This appeal is already decided.")
    if found["decided_at"] is not None:
        raise Conflict(decided, [FieldError("appeal", decided)])
    edition = await edition_of(project)
    status = project["status"]
    async with transaction(public=True):  # an upheld appeal puts the project back on the list
        taken = await Appeal.update({Appeal.decided_at: now, Appeal.decided_by: actor.id,
                                     Appeal.decided_by_email: actor.email, Appeal.upheld: upheld,
                                     Appeal.reason: reason}).where(
            (Appeal.id == key) & Appeal.decided_at.is_null()).returning(Appeal.id)
        if not taken:
            raise Conflict(decided, [FieldError("appeal", decided)])
        if upheld:
            confirmed = await Nomination.exists().where(
                (Nomination.edition == project["edition"])
                & (Nomination.nominated_at.is_not_null() | Nomination.outcome_mailed_at.is_not_null()))
            moved = await reinstate(project["id"], confirmed, now)
            if moved is None:
                raise Conflict(_("The project is no longer ineligible."), [FieldError("status", status)])
            status = moved
        email, language = await owner_address(project["id"])
        with in_language(language):
            await enqueue(Mail(to=email, kind="appeal_decided",
                               subject=_("WSIS Prizes: the decision on your appeal for “%(title)s”",
                                         title=project["title"]),
                               text=render_text("mail/prizes/appeal_decided.txt", title=project["title"],
                                                year=edition.year, upheld=upheld, nominated=status == "nominated",
                                                reason=reason)))
        await audit.record(actor.as_actor(), "nomination.appeal_decided", f"nomination:{project['id']}", reason,
                           {"appeal": str(key), "upheld": upheld, "status": status})
    return await appeal_for(project["id"])
