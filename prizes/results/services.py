"""Actions at the end of an edition: extended descriptions from the finalists, the winners
(and so the champions), and the publication that makes them public.

Prizes owns the statuses and the publication state: `finalist` is set by the voting domain
through `prizes.nominations.services.mark_finalists`; `set_winners` turns the finalists of a
category into one or two winners and champions (through `set_laureates`); `publish` stamps
`Edition.published_at` (through the four-eyes request and approval of `publication`; a
change of winners cancels a request not yet released). Each action is one transaction with its audit entry (and its mails).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from accounts.services import CurrentUser
from core import audit
from core.audit import Actor
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, InvalidInput
from core.i18n import gettext as _
from core.i18n import in_language, ngettext
from core.mail import Mail, enqueue
from core.templating import format_instant, render_text
from core.validation import clean_text
from prizes.editions import queries as editions
from prizes.editions.labels import PHASE_LABELS
from prizes.editions.rules import EditionState, as_utc
from prizes.editions.services import PhaseClosed
from prizes.editions.tables import Edition
from prizes.nominations import queries as nominations
from prizes.nominations.rules import FINALIST_STATUSES, count_words
from prizes.nominations.queries import NominationAccess
from prizes.nominations.services import set_laureates
from prizes.nominations.tables import Nomination
from prizes.results import queries
from prizes.results.publication import cancel_live_request
from prizes.results.queries import (
    decisions,
    extended_view,
    finalists_by_category,
    publication,
)
from prizes.results.rules import (
    MAX_EXTENDED_CHARACTERS,
    MAX_FOREWORD_CHARACTERS,
    RESULTS_PHASES,
    extended_closed_reason,
    extended_limit,
    winners_limit,
)
from prizes.results.tables import ExtendedDescription


def require_results_phase(edition: EditionState, now: datetime) -> None:
    current = edition.phase_at(now)
    if current not in RESULTS_PHASES:
        raise PhaseClosed(
            _(
                "This is only possible during the Selection or Announcement phases; the %(year)s edition is in the %(current)s phase.",
                year=edition.year,
                current=_(PHASE_LABELS[current]),
            )
        )


def _already_published(year: int) -> Conflict:
    return Conflict(_("The results of the %(year)s edition are already published.", year=year),
                    [FieldError("published_at", _("Already published."))])


async def set_winners(actor: Actor, year: int, choice: dict[str, list[str]], now: datetime,
                      access: NominationAccess | None = None, confirm_tie: bool = False, reason: str = "") -> dict:
    """Staff name the winners of the categories given (zero, one or two each, at most the
    edition's `winners_per_category`), among that category's finalists; every other finalist
    of those categories becomes a champion. Categories not given are left as they are.
    Naming a winner in a category whose selection ranking is a statistical tie (judging's
    bootstrap, through `access`) needs `confirm_tie` and a `reason`, kept in the audit."""
    edition = await editions.get_edition(year)
    require_results_phase(edition, now)
    state = await publication(year)
    if state.is_published:
        raise _already_published(year)
    limit = winners_limit(edition)
    codes = {code for code, _title in edition.categories}
    by_category = await finalists_by_category(state.edition_id)
    errors = FieldErrors()
    chosen: dict[str, set[UUID]] = {}
    for code, ids in choice.items():
        if code not in codes:
            errors.add(code, _("There is no category %(code)s in the %(year)s edition.", code=code, year=year))
            continue
        if len(ids) > limit:
            errors.add(code, ngettext("Category %(code)s: at most %(num)d winner in this edition (setting winners_per_category); %(count)d given.",
                                      "Category %(code)s: at most %(num)d winners in this edition (setting winners_per_category); %(count)d given.",
                                      limit, code=code, count=len(ids)))
            continue
        if len(set(ids)) != len(ids):
            errors.add(code, _("Category %(code)s: the same project is given twice.", code=code))
            continue
        finalists = {str(r["id"]) for r in by_category.get(code, [])}
        strangers = [i for i in ids if i not in finalists]
        if strangers:
            errors.add(code, _("Category %(code)s: not a finalist of this category: %(ids)s.", code=code,
                               ids=", ".join(strangers)))
            continue
        chosen[code] = {UUID(i) for i in ids}
    errors.raise_if_any()
    ties = {}
    if access is not None:
        for code, winners in chosen.items():
            tie = await access.statistical_tie(year, code) if winners else None
            if tie is not None:
                ties[code] = tie
    reason_errors = FieldErrors()
    reason = clean_text(reason_errors, "reason", reason, max_length=2000, required=False, multiline=True)
    reason_errors.raise_if_any()
    if ties and not (confirm_tie and reason):
        field = "confirm_tie" if not confirm_tie else "reason"
        raise InvalidInput([FieldError(field, _(
            "Category %(codes)s is a statistical tie (the leader ranks first in %(share)s %% of the resamples): "
            "confirm the winner and give a reason.",
            codes=", ".join(sorted(ties)), share=round(min(t["leader_share"] for t in ties.values()) * 100, 1)))])

    async with transaction(public=True):
        if await Edition.exists().where((Edition.id == state.edition_id) & (Edition.published_at <= now)):
            raise _already_published(year)
        if chosen:
            await cancel_live_request(actor, year, state.edition_id, now, _("The winners were changed."))
        for code, winners in chosen.items():
            in_category = ((Nomination.edition == state.edition_id) & (Nomination.category.code == code)
                           & Nomination.status.is_in(list(FINALIST_STATUSES)))
            ids = [r["id"] for r in await Nomination.select(Nomination.id).where(in_category)]
            await set_laureates(winners, [i for i in ids if i not in winners], now)
        details = {code: sorted(str(i) for i in ids) for code, ids in chosen.items()}
        if ties:
            details["statistical_ties"] = ties
        await audit.record(actor, "edition.winners", f"edition:{year}", reason if ties else "", details)
    return await decisions(year)


async def set_foreword(actor: Actor, year: int, text: str | None) -> str:
    """The book's foreword, written by staff (any time: the book is rebuilt from it)."""
    errors = FieldErrors()
    text = clean_text(errors, "foreword", text, max_length=MAX_FOREWORD_CHARACTERS, required=False, multiline=True)
    errors.raise_if_any()
    state = await publication(year)
    async with transaction(public=True):
        await Edition.update({Edition.foreword: text}).where(Edition.id == state.edition_id)
        await audit.record(actor, "edition.foreword", f"edition:{year}", "", {"characters": len(text)})
    return text


async def request_extended(actor: Actor, year: int, deadline: datetime | None, now: datetime, base_url: str) -> dict:
    """Mail the owners of the finalists who have not answered yet, asking for an extended
    description and photos by `deadline` (required the first time; a later call may move it).
    Answers how many were asked and the deadline."""
    edition = await editions.get_edition(year)
    require_results_phase(edition, now)
    state = await publication(year)
    if state.is_published:
        raise _already_published(year)
    if deadline is not None:
        deadline = as_utc(deadline, edition.time_zone)
        if deadline <= now:
            raise InvalidInput([FieldError("deadline", _("The deadline must be in the future."))])
    elif state.extended_deadline is None:
        raise InvalidInput([FieldError("deadline", _("Set a deadline for the extended descriptions."))])
    final = deadline or state.extended_deadline
    rows = await Nomination.select(
        Nomination.id, Nomination.title, Nomination.owner.email.as_alias("email"),
        Nomination.owner.language.as_alias("language"),
        Nomination.owner.display_name.as_alias("name"),
    ).where((Nomination.edition == state.edition_id) & Nomination.status.is_in(list(FINALIST_STATUSES)))
    answered = {r["nomination"] for r in await ExtendedDescription.select(ExtendedDescription.nomination).where(
        ExtendedDescription.nomination.is_in([r["id"] for r in rows] or [UUID(int=0)])
        & ExtendedDescription.submitted_at.is_not_null())}
    asked = [r for r in rows if r["id"] not in answered]
    async with transaction(public=True):
        if deadline is not None:
            await Edition.update({Edition.extended_deadline: deadline}).where(Edition.id == state.edition_id)
        for item in asked:
            updated = await ExtendedDescription.update({ExtendedDescription.requested_at: now}).where(
                ExtendedDescription.nomination == item["id"]).returning(ExtendedDescription.id)
            if not updated:
                await ExtendedDescription.insert(ExtendedDescription(nomination=item["id"], text="", requested_at=now))
            with in_language(item["language"]):  # the owner's, not the staff member's
                await enqueue(Mail(
                    to=item["email"], kind="extended_request",
                    subject=_("WSIS Prizes %(year)s: “%(title)s” is a finalist — your story for the book",
                              year=year, title=item["title"]),
                    text=render_text("mail/prizes/results_extended_request.txt", name=item["name"], title=item["title"],
                                     year=year, deadline=format_instant(final, edition.time_zone),
                                     max_words=extended_limit(edition),
                                     link=f"{base_url}/nominations/{item['id']}/extended"),
                ))
        await audit.record(actor, "edition.extended_requests", f"edition:{year}", "",
                           {"asked": len(asked), "deadline": final.isoformat()})
    return {"requested": len(asked), "deadline": final}


async def save_extended(owner: CurrentUser, nomination_id: str, text: str | None, now: datetime) -> dict:
    """The owner of a finalist writes its extended description, within the edition's word
    limit, until the deadline (and never after publication)."""
    item = await nominations.get_for_owner(owner, nomination_id)
    edition = await editions.get_edition(item["year"])
    state = await publication(item["year"])
    reason = extended_closed_reason(item, edition, state.is_published, state.extended_deadline, now)
    if reason == "status":
        raise Conflict(_("Only finalists write an extended description."),
                       [FieldError("status", _("Not a finalist."))])
    if reason == "phase":
        require_results_phase(edition, now)
    if reason == "published":
        raise Forbidden(_("The results are published: the book can no longer be changed."))
    if reason == "deadline":
        when = format_instant(state.extended_deadline, edition.time_zone)  # the reader's way, the edition's zone
        raise Forbidden(_("The deadline for extended descriptions passed on %(when)s.", when=when))
    errors = FieldErrors()
    text = clean_text(errors, "text", text, max_length=MAX_EXTENDED_CHARACTERS, multiline=True)
    limit = extended_limit(edition)
    if not errors and count_words(text) > limit:
        errors.add("text", _("At most %(max)d words (got %(count)d).", max=limit, count=count_words(text)))
    errors.raise_if_any()
    key = UUID(item["id"])
    values = {ExtendedDescription.text: text, ExtendedDescription.submitted_at: now}
    try:
        async with transaction(public=True):
            updated = await ExtendedDescription.update(values).where(
                ExtendedDescription.nomination == key).returning(ExtendedDescription.id)
            if not updated:
                await ExtendedDescription.insert(ExtendedDescription(nomination=key, text=text, submitted_at=now))
    except Exception as error:  # a concurrent first save inserted the row: update it
        if not is_unique_violation(error):
            raise
        await ExtendedDescription.update(values).where(ExtendedDescription.nomination == key)
    return await extended_view(item)
