"""The end of an edition: extended descriptions from the finalists, the winners (and so the
champions), and the publication that makes them public.

Prizes owns the statuses and the publication state: `finalist` is set by the voting domain;
`set_winners` turns the finalists of a category into one or two `winner`s and `champion`s;
`publish` stamps `Edition.published_at`. Until that stamp exists nothing here is public: the
lists, the pages and the book (the reports domain asks `is_published`) answer 404 to anyone
but staff. Each action is one transaction with its audit entry (and its mails).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser
from core import audit
from core.audit import Actor
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, InvalidInput, NotFound
from core.i18n import gettext as _
from core.i18n import in_language
from core.i18n import ngettext
from core.mail import Mail, enqueue
from core.templating import render_text
from core.validation import clean_text
from prizes import nominations, queries
from prizes.nomination_rules import count_words
from prizes.rules import SETTINGS_SPEC, EditionState
from prizes.services import PHASE_LABELS, PhaseClosed, require_phase
from prizes.tables import Edition, ExtendedDescription, Nomination, NominationImage

# The statuses of a project once it is a finalist: decided (winner, champion) or not yet.
FINALIST_STATUSES = ("finalist", "winner", "champion")
LAUREATE_STATUSES = ("winner", "champion")
# Phases in which finalists are asked for their texts and staff decide the winners (the
# message of `require_results_phase` names them).
RESULTS_PHASES = ("selection", "announcement")
MAX_EXTENDED_CHARACTERS = 200_000
MAX_FOREWORD_CHARACTERS = 20_000


# --- publication state -------------------------------------------------------------------------


@dataclass(frozen=True)
class Publication:
    edition_id: int
    year: int
    published_at: datetime | None
    foreword: str
    extended_deadline: datetime | None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


async def publication(year: int) -> Publication:
    row = await queries.edition_row(year)
    return Publication(row["id"], row["year"], row["published_at"], row["foreword"], row["extended_deadline"])


async def is_published(year: int) -> bool:
    return (await publication(year)).is_published


def not_published(year: int) -> NotFound:
    return NotFound(_("The results of the %(year)s edition are not published yet.", year=year))


async def require_visible(year: int, viewer: CurrentUser | None) -> Publication:
    """The results of `year` as the viewer may see them: staff always (a preview), everyone
    else only once published — 404 before, as if nothing existed."""
    state = await publication(year)
    if not state.is_published and not (viewer is not None and viewer.is_staff):
        raise not_published(year)
    return state


# The published years, for the navigation link every page shows. A cache of this process,
# refreshed at start-up, at each publication here and on the phase ticker; a page may show
# the link a few seconds late in another process, never a result before publication.
_published_years: set[int] = set()


async def refresh_published_years() -> set[int]:
    rows = await Edition.select(Edition.year).where(Edition.published_at.is_not_null())
    _published_years.clear()
    _published_years.update(r["year"] for r in rows)
    return set(_published_years)


def latest_published_year() -> int | None:
    return max(_published_years) if _published_years else None


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


# --- winners -----------------------------------------------------------------------------------


def winners_limit(edition: EditionState) -> int:
    return int(edition.settings.get("winners_per_category", SETTINGS_SPEC["winners_per_category"][0]))  # type: ignore[arg-type]


async def _finalists_by_category(edition_id: int) -> dict[str, list[dict]]:
    rows = await Nomination.select(
        Nomination.id, Nomination.status, Nomination.title, Nomination.category.code.as_alias("code")
    ).where((Nomination.edition == edition_id) & Nomination.status.is_in(list(FINALIST_STATUSES))).order_by(
        Nomination.title
    )
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["code"], []).append(row)
    return out


async def decisions(year: int) -> dict:
    """Where the winners stand: per category with finalists, its winners and champions (ids),
    and the categories whose finalists are still undecided."""
    state = await publication(year)
    edition = await queries.get_edition(year)
    by_category = await _finalists_by_category(state.edition_id)
    winners, champions, undecided = {}, {}, []
    for code, _title in edition.categories:
        rows = by_category.get(code, [])
        if not rows:
            continue
        if any(r["status"] == "finalist" for r in rows):
            undecided.append(code)
            continue
        winners[code] = [str(r["id"]) for r in rows if r["status"] == "winner"]
        champions[code] = [str(r["id"]) for r in rows if r["status"] == "champion"]
    return {"winners": winners, "champions": champions, "undecided": undecided,
            "published": state.is_published}


async def set_winners(actor: Actor, year: int, choice: dict[str, list[str]], now: datetime) -> dict:
    """Staff name the winners of the categories given (zero, one or two each, at most the
    edition's `winners_per_category`), among that category's finalists; every other finalist
    of those categories becomes a champion. Categories not given are left as they are."""
    edition = await queries.get_edition(year)
    require_results_phase(edition, now)
    state = await publication(year)
    if state.is_published:
        raise _already_published(year)
    limit = winners_limit(edition)
    codes = {code for code, _title in edition.categories}
    by_category = await _finalists_by_category(state.edition_id)
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

    async with transaction():
        if await Edition.exists().where((Edition.id == state.edition_id) & Edition.published_at.is_not_null()):
            raise _already_published(year)
        for code, winners in chosen.items():
            in_category = ((Nomination.edition == state.edition_id) & (Nomination.category.code == code)
                           & Nomination.status.is_in(list(FINALIST_STATUSES)))
            ids = [r["id"] for r in await Nomination.select(Nomination.id).where(in_category)]
            if winners:
                await Nomination.update({Nomination.status: "winner", Nomination.updated_at: now}).where(
                    Nomination.id.is_in(list(winners)))
            others = [i for i in ids if i not in winners]
            if others:
                await Nomination.update({Nomination.status: "champion", Nomination.updated_at: now}).where(
                    Nomination.id.is_in(others))
        await audit.record(actor, "edition.winners", f"edition:{year}", "",
                           {code: sorted(str(i) for i in ids) for code, ids in chosen.items()})
    return await decisions(year)


# --- publication -------------------------------------------------------------------------------


async def publish(actor: Actor, year: int, now: datetime, base_url: str) -> dict:
    """Staff publish the winners, the champions and the book, in the announcement phase, once
    every category with finalists is decided. The owners of the laureates are mailed."""
    edition = await queries.get_edition(year)
    require_phase(edition, "announcement", now)
    state = await publication(year)
    if state.is_published:
        raise _already_published(year)
    standing = await decisions(year)
    if standing["undecided"]:
        raise Conflict(
            _("Choose the winners of every category first; still undecided: %(codes)s.",
              codes=", ".join(standing["undecided"])),
            [FieldError(code, _("Winners not chosen yet.")) for code in standing["undecided"]],
        )
    laureates = await Nomination.select(
        Nomination.id, Nomination.title, Nomination.status, Nomination.owner.email.as_alias("email"),
        Nomination.owner.language.as_alias("language"),
        Nomination.category.code.as_alias("code"), Nomination.category.title.as_alias("category_title"),
    ).where((Nomination.edition == state.edition_id) & Nomination.status.is_in(list(LAUREATE_STATUSES)))
    if not laureates:
        raise Conflict(_("There are no winners or champions to publish."), [FieldError("winners", _("None chosen."))])
    async with transaction():
        stamped = await Edition.update({Edition.published_at: now}).where(
            (Edition.id == state.edition_id) & Edition.published_at.is_null()).returning(Edition.id)
        if not stamped:
            raise _already_published(year)
        for item in laureates:
            won = item["status"] == "winner"
            with in_language(item["language"]):  # the owner's, not the staff member's
                await enqueue(Mail(
                    to=item["email"], kind="results",
                    subject=(_("WSIS Prizes %(year)s: “%(title)s” is a winner", year=year, title=item["title"]) if won
                             else _("WSIS Prizes %(year)s: “%(title)s” is a champion", year=year, title=item["title"])),
                    text=render_text("mail/prizes/results_published.txt", title=item["title"], winner=won, year=year,
                                     category=f"{item['code']} — {item['category_title']}",
                                     results_link=f"{base_url}/results/{year}",
                                     certificate_link=f"{base_url}/api/nominations/{item['id']}/certificate.pdf",
                                     book_link=f"{base_url}/reports/{year}/success-stories.pdf"),
                ))
        await audit.record(actor, "edition.publish", f"edition:{year}", "",
                           {"winners": sum(1 for i in laureates if i["status"] == "winner"),
                            "champions": sum(1 for i in laureates if i["status"] == "champion")})
    _published_years.add(year)
    return {"year": year, "published_at": now,
            "winners": sum(1 for i in laureates if i["status"] == "winner"),
            "champions": sum(1 for i in laureates if i["status"] == "champion")}


async def laureates(year: int, status: str) -> list[dict]:
    """The winners (or champions) of an edition, in category order then by title. The caller
    decides visibility (`require_visible`)."""
    state = await publication(year)
    rows = await Nomination.select(
        Nomination.id, Nomination.title, Nomination.entity_name, Nomination.country, Nomination.region,
        Nomination.stakeholder_type, Nomination.website, Nomination.short_description,
        Nomination.category.code.as_alias("category"), Nomination.category.title.as_alias("category_title"),
        Nomination.category.position.as_alias("position"),
    ).where((Nomination.edition == state.edition_id) & (Nomination.status == status))
    rows.sort(key=lambda r: (r["position"], r["title"].casefold(), str(r["id"])))
    return [{"id": str(r["id"]), "category": r["category"], "category_title": r["category_title"],
             "title": r["title"], "entity": r["entity_name"], "country": r["country"], "region": r["region"],
             "stakeholder_type": r["stakeholder_type"], "website": r["website"],
             "short_description": r["short_description"]} for r in rows]


async def set_foreword(actor: Actor, year: int, text: str | None) -> str:
    """The book's foreword, written by staff (any time: the book is rebuilt from it)."""
    errors = FieldErrors()
    text = clean_text(errors, "foreword", text, max_length=MAX_FOREWORD_CHARACTERS, required=False, multiline=True)
    errors.raise_if_any()
    state = await publication(year)
    async with transaction():
        await Edition.update({Edition.foreword: text}).where(Edition.id == state.edition_id)
        await audit.record(actor, "edition.foreword", f"edition:{year}", "", {"characters": len(text)})
    return text


# --- extended descriptions ---------------------------------------------------------------------


def extended_limit(edition: EditionState) -> int:
    return int(edition.settings.get("extended_description_max_words",
                                    SETTINGS_SPEC["extended_description_max_words"][0]))  # type: ignore[arg-type]


def _as_utc(value: datetime, time_zone: str) -> datetime:
    """A naive instant is read in the edition's time zone, as deadlines are announced."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(time_zone))
    return value.astimezone(timezone.utc)


async def request_extended(actor: Actor, year: int, deadline: datetime | None, now: datetime, base_url: str) -> dict:
    """Mail the owners of the finalists who have not answered yet, asking for an extended
    description and photos by `deadline` (required the first time; a later call may move it).
    Answers how many were asked and the deadline."""
    edition = await queries.get_edition(year)
    require_results_phase(edition, now)
    state = await publication(year)
    if state.is_published:
        raise _already_published(year)
    if deadline is not None:
        deadline = _as_utc(deadline, edition.time_zone)
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
    when = final.astimezone(ZoneInfo(edition.time_zone)).strftime("%Y-%m-%d %H:%M %Z")
    async with transaction():
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
                                     year=year, deadline=when, max_words=extended_limit(edition),
                                     link=f"{base_url}/nominations/{item['id']}/extended"),
                ))
        await audit.record(actor, "edition.extended_requests", f"edition:{year}", "",
                           {"asked": len(asked), "deadline": final.isoformat()})
    return {"requested": len(asked), "deadline": final}


async def _extended_row(nomination_id: UUID) -> dict | None:
    return await ExtendedDescription.select().where(ExtendedDescription.nomination == nomination_id).first()


async def extended_view(item: dict) -> dict:
    """A finalist's extended description, with what its owner needs to write it."""
    edition = await queries.get_edition(item["year"])
    state = await publication(item["year"])
    row = await _extended_row(UUID(item["id"]))
    text = row["text"] if row else ""
    return {
        "nomination_id": item["id"],
        "title": item["title"],
        "status": item["status"],
        "text": text,
        "words": count_words(text),
        "max_words": extended_limit(edition),
        "deadline": state.extended_deadline,
        "requested_at": row["requested_at"] if row else None,
        "submitted_at": row["submitted_at"] if row else None,
        "open": _extended_closed_reason(item, edition, state, datetime.now(timezone.utc)) is None,
    }


def _extended_closed_reason(item: dict, edition: EditionState, state: Publication, now: datetime) -> str | None:
    if item["status"] not in FINALIST_STATUSES:
        return "status"
    if edition.phase_at(now) not in RESULTS_PHASES:
        return "phase"
    if state.is_published:
        return "published"
    if state.extended_deadline is not None and now >= state.extended_deadline:
        return "deadline"
    return None


async def get_extended(viewer: CurrentUser, nomination_id: str) -> dict:
    """Its owner and staff read a finalist's extended description; anyone else gets 404."""
    item = await nominations.get_full(nomination_id)
    if not (viewer.is_staff or item["owner_email"] == viewer.email):
        raise NotFound(_("There is no such project."))
    if item["status"] not in FINALIST_STATUSES:
        raise NotFound(_("Only finalists write an extended description."))
    return await extended_view(item)


async def save_extended(owner: CurrentUser, nomination_id: str, text: str | None, now: datetime) -> dict:
    """The owner of a finalist writes its extended description, within the edition's word
    limit, until the deadline (and never after publication)."""
    item = await nominations.get_for_owner(owner, nomination_id)
    edition = await queries.get_edition(item["year"])
    state = await publication(item["year"])
    reason = _extended_closed_reason(item, edition, state, now)
    if reason == "status":
        raise Conflict(_("Only finalists write an extended description."),
                       [FieldError("status", _("Not a finalist."))])
    if reason == "phase":
        require_results_phase(edition, now)
    if reason == "published":
        raise Forbidden(_("The results are published: the book can no longer be changed."))
    if reason == "deadline":
        when = state.extended_deadline.astimezone(ZoneInfo(edition.time_zone)).strftime("%Y-%m-%d %H:%M %Z")
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
        async with transaction():
            updated = await ExtendedDescription.update(values).where(
                ExtendedDescription.nomination == key).returning(ExtendedDescription.id)
            if not updated:
                await ExtendedDescription.insert(ExtendedDescription(nomination=key, text=text, submitted_at=now))
    except Exception as error:  # a concurrent first save inserted the row: update it
        if not is_unique_violation(error):
            raise
        await ExtendedDescription.update(values).where(ExtendedDescription.nomination == key)
    return await extended_view(item)


async def extended_overview(year: int) -> list[dict]:
    """For staff: every finalist, whether it was asked and whether it answered, with its
    word count and photos."""
    state = await publication(year)
    rows = await Nomination.select(
        Nomination.id, Nomination.title, Nomination.entity_name, Nomination.status,
        Nomination.owner.email.as_alias("owner_email"), Nomination.category.code.as_alias("category"),
        Nomination.category.position.as_alias("position"),
    ).where((Nomination.edition == state.edition_id) & Nomination.status.is_in(list(FINALIST_STATUSES)))
    ids = [r["id"] for r in rows]
    texts = {r["nomination"]: r for r in await ExtendedDescription.select().where(
        ExtendedDescription.nomination.is_in(ids or [UUID(int=0)]))}
    photos: dict = {}
    for image in await NominationImage.select(NominationImage.nomination).where(
            NominationImage.nomination.is_in(ids or [UUID(int=0)])):
        photos[image["nomination"]] = photos.get(image["nomination"], 0) + 1
    out = []
    for r in sorted(rows, key=lambda r: (r["position"], r["title"].casefold())):
        extended = texts.get(r["id"])
        out.append({
            "id": str(r["id"]), "category": r["category"], "title": r["title"], "entity": r["entity_name"],
            "status": r["status"], "owner_email": r["owner_email"],
            "requested_at": extended["requested_at"] if extended else None,
            "submitted_at": extended["submitted_at"] if extended else None,
            "words": count_words(extended["text"]) if extended else 0,
            "photos": photos.get(r["id"], 0),
        })
    return out

