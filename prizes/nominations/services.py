"""Actions on nominations: drafting, submitting, withdrawing, screening, confirming the
nominated list, and the two status moves other domains ask for (`mark_finalists` for voting,
`set_laureates` for results). This is the only module that writes `Nomination.status`, each
move one of `rules.TRANSITIONS`. Each action is one transaction; the database's constraints
(one project per entity per category) back the friendly checks."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from accounts.services import CurrentUser
from core import audit
from core.audit import Actor
from core.db import after_commit, is_foreign_key_violation, is_unique_violation, transaction
from core.freshness import public_changed
from core.errors import Conflict, FieldError, FieldErrors, InvalidInput
from core.i18n import gettext as _
from core.i18n import in_language
from core.mail import Mail, enqueue
from core.templating import format_instant, render_text
from core.validation import clean_text
from prizes.editions import queries as editions
from prizes.editions.framework_rules import check_choice
from prizes.editions.tables import FrameworkGoal
from prizes.editions.rules import EditionState
from prizes.editions.services import require_phase
from prizes.nominations.queries import (
    NominationAccess,
    category_ids_of,
    edition_of,
    get_for_owner,
    get_full,
    not_found,
    owned_row,
    owner_address,
    parse_id,
)
from prizes.nominations.rules import (
    COUNTRIES,
    DECLARATIONS,
    MAX_LENGTHS,
    MULTILINE,
    PROJECT_STATUSES,
    REGIONS,
    STAKEHOLDER_TYPES,
    Candidate,
    fold,
    is_valid_website,
    near_duplicate,
    sources_of,
    submission_errors,
    upheld_status,
)
from prizes.nominations.tables import Nomination, NominationGoal

TEXT_FIELDS = tuple(MAX_LENGTHS)


def _check_fields(fields: dict[str, Any], categories: set[str], frameworks: tuple = ()) -> dict[str, Any]:
    """Typed text is cleaned and bounded; values given for enumerations must be valid even
    in a draft. Completeness and word counts wait for submission."""
    errors = FieldErrors()
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key in TEXT_FIELDS:
            clean[key] = clean_text(errors, key, value, max_length=MAX_LENGTHS[key], required=False,
                                    multiline=key in MULTILINE)
        else:
            clean[key] = value
    for key, allowed in (("stakeholder_type", STAKEHOLDER_TYPES), ("region", REGIONS), ("project_status", PROJECT_STATUSES)):
        if clean.get(key) and clean[key] not in allowed:
            errors.add(key, _("Choose one of: %(values)s.", values=", ".join(allowed)))
    if clean.get("website") and not is_valid_website(clean["website"]):
        errors.add("website", _("Enter the address of a web site, starting with https:// or http://."))
    if clean.get("country"):
        clean["country"] = str(clean["country"]).upper()
        if clean["country"] not in COUNTRIES:
            errors.add("country", _("Use an ISO 3166-1 two-letter country code, such as KE."))
    if "category" in clean and clean["category"] not in categories:
        errors.add("category", _("Choose one of the edition's categories."))
    if "sdgs" in clean or "goals" in clean:
        # the edition's frameworks decide which goals exist (SPEC §11)
        sdgs, goals = check_choice(errors, frameworks, clean.get("sdgs"), clean.get("goals"),
                                   check_sdgs="sdgs" in clean, check_goals="goals" in clean)
        if sdgs is not None:
            clean["sdgs"] = sdgs
        if goals is not None:
            clean["goals"] = goals
    if "declarations" in clean and clean["declarations"] is not None:
        unknown = set(clean["declarations"]) - set(DECLARATIONS)
        if unknown:
            errors.add("declarations", _("Unknown declaration: %(names)s.", names=", ".join(sorted(unknown))))
    errors.raise_if_any()
    return clean


def _row_values(clean: dict[str, Any], category_ids: dict[str, int]) -> dict:
    values: dict = {}
    for key, value in clean.items():
        if key == "category":
            values[Nomination.category] = category_ids[value]
        elif key == "sdgs":
            values[Nomination.sdgs] = json.dumps(value)
        elif key == "goals":
            continue  # rows of `nomination_goal`, written by `_write_goals`
        elif key == "declarations":
            merged = {name: bool((value or {}).get(name, False)) for name in DECLARATIONS}
            values[Nomination.declarations] = json.dumps(merged)
        elif key == "entity_name":
            values[Nomination.entity_name] = value
            values[Nomination.entity_key] = fold(value)
        else:
            values[getattr(Nomination, key)] = value
    return values


def _goals_gone() -> Conflict:
    return Conflict(_("The edition's goals changed while you saved: choose the goals again."),
                    [FieldError("goals", _("A goal you chose was just removed."))])


async def _write_goals(nomination_id: UUID, edition_id: int, goals: dict[str, list[int]]) -> None:
    """Replace the project's other frameworks' goals (inside the caller's transaction). A goal
    removed since the check is refused here (it is not found, or the foreign key fails)."""
    await NominationGoal.delete().where(NominationGoal.nomination == nomination_id)
    wanted = {(code, n) for code, numbers in goals.items() for n in numbers}
    if not wanted:
        return
    rows = await FrameworkGoal.select(FrameworkGoal.id, FrameworkGoal.number,
                                      FrameworkGoal.framework.code.as_alias("code")).where(
        (FrameworkGoal.framework.edition == edition_id)
        & FrameworkGoal.framework.code.is_in(sorted({code for code, _n in wanted})))
    found = {(r["code"], r["number"]): r["id"] for r in rows if (r["code"], r["number"]) in wanted}
    if len(found) != len(wanted):
        raise _goals_gone()
    await NominationGoal.insert(*[NominationGoal(nomination=nomination_id, goal=found[key]) for key in sorted(found)])


async def _saved(nomination_id: UUID, edition_id: int, clean: dict[str, Any], values: dict) -> None:
    """The draft's fields and, when given, its goals: one transaction."""
    try:
        async with transaction():
            updated = await Nomination.update(values).where(
                (Nomination.id == nomination_id) & (Nomination.status == "draft")).returning(Nomination.id)
            if updated and "goals" in clean:
                await _write_goals(nomination_id, edition_id, clean["goals"])
    except Exception as error:
        if is_foreign_key_violation(error):
            raise _goals_gone() from None
        raise


async def _current(now: datetime) -> tuple[EditionState, dict]:
    edition = await editions.get_current_edition(now)
    row = await editions.edition_row(edition.year)
    return edition, row


async def create_draft(owner: CurrentUser, fields: dict[str, Any], now: datetime) -> dict:
    edition, row = await _current(now)
    require_phase(edition, "submission", now)
    category_ids = await category_ids_of(row["id"])
    if not fields.get("category"):
        raise InvalidInput([FieldError("category", _("Choose the category first."))])
    clean = _check_fields(fields, set(category_ids), edition.frameworks)
    nomination = Nomination(edition=row["id"], owner=owner.id, status="draft", created_at=now, updated_at=now,
                            category=category_ids[clean["category"]])
    async with transaction():  # `_saved` joins it: the project and its goals, or nothing
        await Nomination.insert(nomination)
        await _saved(nomination.id, row["id"], clean, {**_row_values(clean, category_ids), Nomination.updated_at: now})
    return await get_for_owner(owner, nomination.id)


async def update_draft(owner: CurrentUser, nomination_id: UUID | str, fields: dict[str, Any], now: datetime) -> dict:
    row = await owned_row(owner, nomination_id)
    edition = await edition_of(row)
    require_phase(edition, "submission", now)
    if row["status"] != "draft":
        raise Conflict(_("A submitted project cannot be edited: withdraw it to a draft first."),
                       [FieldError("status", _("Only drafts can be edited."))])
    category_ids = await category_ids_of(row["edition"])
    clean = _check_fields(fields, set(category_ids), edition.frameworks)
    await _saved(row["id"], row["edition"], clean, {**_row_values(clean, category_ids), Nomination.updated_at: now})
    return await get_for_owner(owner, row["id"])


async def _compared_with(where) -> list[Candidate]:
    rows = await Nomination.select(
        Nomination.id, Nomination.title, Nomination.short_description, Nomination.edition.year,
        Nomination.category.code,
    ).where(where)
    return [Candidate(str(r["id"]), r["title"], r["short_description"], r["edition.year"], r["category.code"]) for r in rows]


async def _candidates(edition_id: int, exclude: UUID) -> list[Candidate]:
    """The edition's other submitted projects, any category."""
    return await _compared_with((Nomination.edition == edition_id) & (Nomination.status != "draft")
                                & (Nomination.id != exclude))


async def _earlier_winners(year: int) -> list[Candidate]:
    return await _compared_with((Nomination.status == "winner") & (Nomination.edition.year < year))


def _entity_conflict() -> Conflict:
    return Conflict(
        _("This entity already has a project in this category of this edition."),
        [FieldError("entity_name", _("One project per entity per category: this entity already submitted one."))],
    )


async def submit(owner: CurrentUser, nomination_id: UUID | str, now: datetime) -> dict:
    row = await owned_row(owner, nomination_id)
    edition = await edition_of(row)
    require_phase(edition, "submission", now)
    if row["status"] != "draft":
        raise Conflict(_("This project is already submitted."), [FieldError("status", _("Already submitted."))])
    full = await get_for_owner(owner, row["id"])
    errors = submission_errors(full, edition.settings, {code for code, _t in edition.categories})
    if errors:
        raise InvalidInput(errors, _("The project is not complete yet."))

    threshold = float(edition.settings.get("duplicate_threshold", 0.9))  # type: ignore[arg-type]
    winner = near_duplicate(row["title"], row["short_description"], await _earlier_winners(edition.year), threshold)
    if winner:
        match, score = winner
        raise Conflict(
            _("This project won the %(year)s edition (“%(title)s”, %(score)d%% similar): earlier winners cannot compete again.",
              year=match.year, title=match.title, score=round(score * 100)),
            [FieldError("title", _("Earlier winner: “%(title)s” (%(year)s).", title=match.title, year=match.year))],
        )
    duplicate = near_duplicate(row["title"], row["short_description"], await _candidates(row["edition"], row["id"]), threshold)
    if duplicate:
        match, score = duplicate
        raise Conflict(
            _("This project was already submitted as “%(title)s” in category %(category)s (%(score)d%% similar).",
              title=match.title, category=match.category, score=round(score * 100)),
            [FieldError("short_description", _("Near-duplicate of “%(title)s” (%(category)s), %(score)d%% similar.",
                                                title=match.title, category=match.category, score=round(score * 100)))],
        )
    clash = await Nomination.exists().where(
        (Nomination.edition == row["edition"]) & (Nomination.category == row["category"])
        & (Nomination.entity_key == row["entity_key"]) & (Nomination.country == row["country"])
        & (Nomination.status != "draft") & (Nomination.id != row["id"])
    )
    if clash:
        raise _entity_conflict()
    try:
        async with transaction():
            updated = await Nomination.update(
                {Nomination.status: "submitted", Nomination.submitted_at: now, Nomination.updated_at: now}
            ).where((Nomination.id == row["id"]) & (Nomination.status == "draft")).returning(Nomination.id)
            if not updated:
                raise Conflict(_("This project is already submitted."), [FieldError("status", _("Already submitted."))])
            await enqueue(Mail(
                to=owner.email,
                subject=_("WSIS Prizes: we received “%(title)s”", title=row["title"]),
                text=render_text("mail/prizes/receipt.txt", name=owner.display_name, title=row["title"],
                                 category=full["category"], year=edition.year, reference=str(row["id"]),
                                 submitted_at=format_instant(now, edition.time_zone)),
                kind="receipt",
            ))
    except Exception as error:
        if is_unique_violation(error):
            raise _entity_conflict() from None
        raise
    return await get_for_owner(owner, row["id"])


async def withdraw(owner: CurrentUser, nomination_id: UUID | str, now: datetime) -> dict:
    row = await owned_row(owner, nomination_id)
    edition = await edition_of(row)
    require_phase(edition, "submission", now)
    if row["status"] != "submitted":
        raise Conflict(_("Only a submitted project can be withdrawn."), [FieldError("status", _("Not submitted."))])
    await Nomination.update({Nomination.status: "draft", Nomination.submitted_at: None, Nomination.updated_at: now}).where(
        (Nomination.id == row["id"]) & (Nomination.status == "submitted")
    )
    return await get_for_owner(owner, row["id"])


async def decide_eligibility(actor: CurrentUser, nomination_id: UUID | str, eligible: bool, reason: str | None,
                             now: datetime, access: NominationAccess) -> dict:
    """Screening, in the nomination phase, by staff or a judge; `access` (judging's rule)
    narrows judges to their categories and conflicts."""
    key = parse_id(nomination_id)
    row = await Nomination.select().where(Nomination.id == key).first()
    if row is None or row["status"] == "draft":
        raise not_found()
    edition = await edition_of(row)
    require_phase(edition, "nomination", now)
    await access.check_screening(actor, row)
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=4000, required=not eligible, multiline=True)
    errors.raise_if_any()
    status = "eligible" if eligible else "ineligible"
    if row["status"] not in sources_of(status):
        raise Conflict(_("The nominated list is already confirmed for this project."), [FieldError("status", row["status"])])
    async with transaction(public=True):
        await Nomination.update({Nomination.status: status, Nomination.eligibility_reason: reason,
                                 Nomination.eligibility_by: actor.id, Nomination.eligibility_at: now}).where(
            (Nomination.id == key) & Nomination.status.is_in(list(sources_of(status)))
        )
        await audit.record(actor.as_actor(), "nomination.eligibility", f"nomination:{key}", reason, {"status": status})
    return await get_full(key)


async def confirm_nominated(actor: Actor, year: int, now: datetime) -> dict[str, int]:
    """Staff confirm the list: eligible projects become nominated; owners are told the
    outcome. Projects not yet screened stay as they are (and are reported)."""
    edition = await editions.get_edition(year)
    require_phase(edition, "nomination", now)
    row = await editions.edition_row(year)
    undecided = await Nomination.count().where((Nomination.edition == row["id"]) & (Nomination.status == "submitted"))
    async with transaction(public=True):
        chosen = await Nomination.update({Nomination.status: "nominated", Nomination.nominated_at: now}).where(
            (Nomination.edition == row["id"]) & (Nomination.status == "eligible")
        ).returning(Nomination.id, Nomination.title)
        refused = await Nomination.select(Nomination.id, Nomination.title, Nomination.owner.email,
                                          Nomination.owner.language, Nomination.eligibility_reason).where(
            (Nomination.edition == row["id"]) & (Nomination.status == "ineligible")
        )
        for item in chosen:  # each mail in its reader's language, not the staff member's
            email, language = await owner_address(item["id"])
            with in_language(language):
                await enqueue(Mail(to=email, kind="nominated",
                                   subject=_("WSIS Prizes: “%(title)s” is nominated", title=item["title"]),
                                   text=render_text("mail/prizes/outcome.txt", title=item["title"], nominated=True,
                                                    year=year, reason="")))
        # The appeal window (`appeal_days`) runs from the first mail of the decision.
        await Nomination.update({Nomination.outcome_mailed_at: now}).where(
            (Nomination.edition == row["id"]) & (Nomination.status == "ineligible")
            & Nomination.outcome_mailed_at.is_null()
        )
        for item in refused:
            with in_language(item["owner.language"]):
                await enqueue(Mail(to=item["owner.email"], kind="not_nominated",
                                   subject=_("WSIS Prizes: the outcome for “%(title)s”", title=item["title"]),
                                   text=render_text("mail/prizes/outcome.txt", title=item["title"], nominated=False,
                                                    year=year, reason=item["eligibility_reason"])))
        await audit.record(actor, "edition.nominated", f"edition:{year}", "",
                           {"nominated": len(chosen), "not_nominated": len(refused), "undecided": undecided})
    return {"nominated": len(chosen), "not_nominated": len(refused), "undecided": undecided}


# --- the moves other domains ask for -------------------------------------------------------------
# Both run inside the caller's transaction (with its audit entry), and move only projects
# whose status allows the move.


async def mark_finalists(edition_id: int, finalists: Collection[UUID]) -> None:
    """Voting's result: these nominated projects become finalists; every other finalist of
    the edition goes back to nominated (the latest computation replaces the earlier)."""
    after_commit(public_changed)
    ids = list(finalists)
    if ids:
        await Nomination.update({Nomination.status: "finalist"}).where(
            (Nomination.edition == edition_id) & Nomination.status.is_in(list(sources_of("finalist")))
            & Nomination.id.is_in(ids)
        )
    demote = (Nomination.edition == edition_id) & (Nomination.status == "finalist")
    if ids:
        demote &= Nomination.id.not_in(ids)
    await Nomination.update({Nomination.status: "nominated"}).where(demote)


async def set_laureates(winners: Collection[UUID], champions: Collection[UUID], now: datetime) -> None:
    """Results' decision for one category: `winners` become winners and `champions`
    champions; both are among the category's finalists (decided or not)."""
    after_commit(public_changed)
    for status, ids in (("winner", list(winners)), ("champion", list(champions))):
        if ids:
            await Nomination.update({Nomination.status: status, Nomination.updated_at: now}).where(
                Nomination.id.is_in(ids) & Nomination.status.is_in(list(sources_of(status))))


async def reinstate(nomination_id: UUID, list_confirmed: bool, now: datetime) -> str | None:
    """An upheld appeal (inside its transaction): the ineligible project becomes eligible,
    then nominated when the list was already confirmed — each step a move of TRANSITIONS.
    Answers the new status, or None when the project is no longer ineligible."""
    moved = await Nomination.update({Nomination.status: "eligible", Nomination.updated_at: now}).where(
        (Nomination.id == nomination_id) & (Nomination.status == "ineligible")
        & Nomination.status.is_in(list(sources_of("eligible")))
    ).returning(Nomination.id)
    if not moved:
        return None
    if upheld_status(list_confirmed) == "nominated":
        await Nomination.update({Nomination.status: "nominated", Nomination.nominated_at: now}).where(
            (Nomination.id == nomination_id) & Nomination.status.is_in(list(sources_of("nominated"))))
        return "nominated"
    return "eligible"
