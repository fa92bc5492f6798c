"""Nominations: drafting, submitting, withdrawing, screening, confirming the nominated list,
and the reads behind the catalogue. Each action is one transaction; the database's
constraints (one project per entity per category) back the friendly checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Awaitable, Callable
from uuid import UUID

from piccolo.columns.combination import WhereRaw

from accounts.services import CurrentUser
from core import audit
from core.audit import Actor
from core.db import is_sqlite, is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, InvalidInput, NotFound
from core.i18n import gettext as _
from core.i18n import in_language
from core.mail import Mail, enqueue
from core.templating import render_text
from core.validation import clean_text
from prizes import queries
from prizes.nomination_rules import (
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
    submission_errors,
)
from prizes.rules import EditionState
from prizes.services import require_phase
from prizes.tables import NOMINATED_STATUSES, Category, Edition, Nomination

# Who may screen a project besides the route's guard: set by the composition root (main.py) to
# the judging domain's rule, which prizes must not import (a judge only on their categories'
# projects, never where conflicted). Awaited with the actor and the project's row before a
# screening decision; it raises to refuse. None: anyone the route lets in may screen.
screening_policy: Callable[[CurrentUser, dict], Awaitable[None]] | None = None
# Set by main.py to judging's rule: what a judge (not staff, not the owner) may read of a
# project — the judging view (blind mode applied), or None when it is not theirs to judge.
judge_view_policy: Callable[[CurrentUser, dict, datetime], Awaitable[dict | None]] | None = None

TEXT_FIELDS = tuple(MAX_LENGTHS)
EDITABLE = TEXT_FIELDS + ("category", "stakeholder_type", "country", "region", "sdgs", "project_status",
                          "started_on", "owned_by_submitter", "declarations")
PUBLIC_FIELDS = ("id", "category", "title", "entity_name", "stakeholder_type", "country", "region", "website",
                 "short_description", "sdgs", "sdg_linkages", "impact", "partnerships", "challenges",
                 "project_status", "started_on", "status")


def _not_found() -> NotFound:
    return NotFound(_("There is no such project."))


def _check_fields(fields: dict[str, Any], categories: set[str]) -> dict[str, Any]:
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
    if "sdgs" in clean:
        goals = clean["sdgs"] or []
        if any(not isinstance(g, int) or isinstance(g, bool) or not 1 <= g <= 17 for g in goals) or len(goals) != len(set(goals)):
            errors.add("sdgs", _("Goals are numbered 1 to 17, each at most once."))
        else:
            clean["sdgs"] = sorted(goals)
    if "declarations" in clean and clean["declarations"] is not None:
        unknown = set(clean["declarations"]) - set(DECLARATIONS)
        if unknown:
            errors.add("declarations", _("Unknown declaration: %(names)s.", names=", ".join(sorted(unknown))))
    errors.raise_if_any()
    return clean


async def _category_ids(edition_id: int) -> dict[str, int]:
    rows = await Category.select(Category.id, Category.code).where(Category.edition == edition_id)
    return {r["code"]: r["id"] for r in rows}


def _row_values(clean: dict[str, Any], category_ids: dict[str, int]) -> dict:
    values: dict = {}
    for key, value in clean.items():
        if key == "category":
            values[Nomination.category] = category_ids[value]
        elif key == "sdgs":
            values[Nomination.sdgs] = json.dumps(value)
        elif key == "declarations":
            merged = {name: bool((value or {}).get(name, False)) for name in DECLARATIONS}
            values[Nomination.declarations] = json.dumps(merged)
        elif key == "entity_name":
            values[Nomination.entity_name] = value
            values[Nomination.entity_key] = fold(value)
        else:
            values[getattr(Nomination, key)] = value
    return values


async def _current(now: datetime) -> tuple[EditionState, dict]:
    edition = await queries.get_current_edition(now)
    row = await queries.edition_row(edition.year)
    return edition, row


async def create_draft(owner: CurrentUser, fields: dict[str, Any], now: datetime) -> dict:
    edition, row = await _current(now)
    require_phase(edition, "submission", now)
    category_ids = await _category_ids(row["id"])
    if not fields.get("category"):
        raise InvalidInput([FieldError("category", _("Choose the category first."))])
    clean = _check_fields(fields, set(category_ids))
    nomination = Nomination(edition=row["id"], owner=owner.id, status="draft", created_at=now, updated_at=now,
                            category=category_ids[clean["category"]])
    async with transaction():
        await Nomination.insert(nomination)
        await Nomination.update({**_row_values(clean, category_ids), Nomination.updated_at: now}).where(
            Nomination.id == nomination.id
        )
    return await get_for_owner(owner, nomination.id)


async def _owned(owner: CurrentUser, nomination_id: UUID | str) -> dict:
    try:
        key = UUID(str(nomination_id))
    except ValueError:
        raise _not_found() from None
    row = await Nomination.select().where((Nomination.id == key) & (Nomination.owner == owner.id)).first()
    if row is None:
        raise _not_found()
    return row


async def _edition_of(row: dict) -> EditionState:
    edition = await Edition.select(Edition.year).where(Edition.id == row["edition"]).first()
    return await queries.get_edition(edition["year"])


async def update_draft(owner: CurrentUser, nomination_id: UUID | str, fields: dict[str, Any], now: datetime) -> dict:
    row = await _owned(owner, nomination_id)
    edition = await _edition_of(row)
    require_phase(edition, "submission", now)
    if row["status"] != "draft":
        raise Conflict(_("A submitted project cannot be edited: withdraw it to a draft first."),
                       [FieldError("status", _("Only drafts can be edited."))])
    category_ids = await _category_ids(row["edition"])
    clean = _check_fields(fields, set(category_ids))
    async with transaction():
        await Nomination.update({**_row_values(clean, category_ids), Nomination.updated_at: now}).where(
            (Nomination.id == row["id"]) & (Nomination.status == "draft")
        )
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
    row = await _owned(owner, nomination_id)
    edition = await _edition_of(row)
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
                                 submitted_at=now.strftime("%Y-%m-%d %H:%M UTC")),
                kind="receipt",
            ))
    except Exception as error:
        if is_unique_violation(error):
            raise _entity_conflict() from None
        raise
    return await get_for_owner(owner, row["id"])


async def withdraw(owner: CurrentUser, nomination_id: UUID | str, now: datetime) -> dict:
    row = await _owned(owner, nomination_id)
    edition = await _edition_of(row)
    require_phase(edition, "submission", now)
    if row["status"] != "submitted":
        raise Conflict(_("Only a submitted project can be withdrawn."), [FieldError("status", _("Not submitted."))])
    await Nomination.update({Nomination.status: "draft", Nomination.submitted_at: None, Nomination.updated_at: now}).where(
        (Nomination.id == row["id"]) & (Nomination.status == "submitted")
    )
    return await get_for_owner(owner, row["id"])


async def decide_eligibility(actor: CurrentUser, nomination_id: UUID | str, eligible: bool, reason: str | None,
                             now: datetime) -> dict:
    """Screening, in the nomination phase, by staff or a judge. The judging domain narrows
    judges to their categories and conflicts (see `judging`)."""
    try:
        key = UUID(str(nomination_id))
    except ValueError:
        raise _not_found() from None
    row = await Nomination.select().where(Nomination.id == key).first()
    if row is None or row["status"] == "draft":
        raise _not_found()
    edition = await _edition_of(row)
    require_phase(edition, "nomination", now)
    if screening_policy is not None:
        await screening_policy(actor, row)
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=4000, required=not eligible, multiline=True)
    errors.raise_if_any()
    if row["status"] not in ("submitted", "eligible", "ineligible"):
        raise Conflict(_("The nominated list is already confirmed for this project."), [FieldError("status", row["status"])])
    status = "eligible" if eligible else "ineligible"
    async with transaction():
        await Nomination.update({Nomination.status: status, Nomination.eligibility_reason: reason,
                                 Nomination.eligibility_by: actor.id, Nomination.eligibility_at: now}).where(
            Nomination.id == key
        )
        await audit.record(actor.as_actor(), "nomination.eligibility", f"nomination:{key}", reason, {"status": status})
    return await get_full(key)


async def confirm_nominated(actor: Actor, year: int, now: datetime) -> dict[str, int]:
    """Staff confirm the list: eligible projects become nominated; owners are told the
    outcome. Projects not yet screened stay as they are (and are reported)."""
    edition = await queries.get_edition(year)
    require_phase(edition, "nomination", now)
    row = await queries.edition_row(year)
    undecided = await Nomination.count().where((Nomination.edition == row["id"]) & (Nomination.status == "submitted"))
    async with transaction():
        chosen = await Nomination.update({Nomination.status: "nominated", Nomination.nominated_at: now}).where(
            (Nomination.edition == row["id"]) & (Nomination.status == "eligible")
        ).returning(Nomination.id, Nomination.title)
        refused = await Nomination.select(Nomination.id, Nomination.title, Nomination.owner.email,
                                          Nomination.owner.language, Nomination.eligibility_reason).where(
            (Nomination.edition == row["id"]) & (Nomination.status == "ineligible")
        )
        for item in chosen:  # each mail in its reader's language, not the staff member's
            email, language = await _owner_address(item["id"])
            with in_language(language):
                await enqueue(Mail(to=email, kind="nominated",
                                   subject=_("WSIS Prizes: “%(title)s” is nominated", title=item["title"]),
                                   text=render_text("mail/prizes/outcome.txt", title=item["title"], nominated=True,
                                                    year=year, reason="")))
        for item in refused:
            with in_language(item["owner.language"]):
                await enqueue(Mail(to=item["owner.email"], kind="not_nominated",
                                   subject=_("WSIS Prizes: the outcome for “%(title)s”", title=item["title"]),
                                   text=render_text("mail/prizes/outcome.txt", title=item["title"], nominated=False,
                                                    year=year, reason=item["eligibility_reason"])))
        await audit.record(actor, "edition.nominated", f"edition:{year}", "",
                           {"nominated": len(chosen), "not_nominated": len(refused), "undecided": undecided})
    return {"nominated": len(chosen), "not_nominated": len(refused), "undecided": undecided}


async def _owner_address(nomination_id: UUID) -> tuple[str, str]:
    """The owner's e-mail address and the language they read the site in."""
    row = await Nomination.select(Nomination.owner.email, Nomination.owner.language).where(
        Nomination.id == nomination_id).first()
    return row["owner.email"], row["owner.language"]


# --- reads ----------------------------------------------------------------------------------

_SELECT = (
    Nomination.all_columns(),
    Nomination.category.code.as_alias("category_code"),
    Nomination.edition.year.as_alias("year"),
    Nomination.owner.email.as_alias("owner_email"),
)


def _shape(row: dict) -> dict:
    sdgs = row["sdgs"]
    declarations = row["declarations"]
    return {
        "id": str(row["id"]),
        "year": row["year"],
        "status": row["status"],
        "category": row["category_code"],
        "title": row["title"],
        "entity_name": row["entity_name"],
        "stakeholder_type": row["stakeholder_type"],
        "country": row["country"],
        "region": row["region"],
        "contact_name": row["contact_name"],
        "contact_email": row["contact_email"],
        "website": row["website"],
        "short_description": row["short_description"],
        "sdgs": json.loads(sdgs) if isinstance(sdgs, str) else sdgs,
        "sdg_linkages": row["sdg_linkages"],
        "impact": row["impact"],
        "partnerships": row["partnerships"],
        "challenges": row["challenges"],
        "project_status": row["project_status"],
        "started_on": row["started_on"].isoformat() if isinstance(row["started_on"], date) else row["started_on"],
        "owned_by_submitter": row["owned_by_submitter"],
        "declarations": json.loads(declarations) if isinstance(declarations, str) else declarations,
        "submitted_at": row["submitted_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "owner_email": row["owner_email"],
        "eligibility_reason": row["eligibility_reason"],
    }


def public_view(item: dict) -> dict:
    return {k: item[k] for k in PUBLIC_FIELDS} | {"year": item["year"], "status": "nominated"
                                                   if item["status"] in NOMINATED_STATUSES else item["status"]}


async def get_full(nomination_id: UUID | str) -> dict:
    try:
        key = UUID(str(nomination_id))
    except ValueError:
        raise _not_found() from None
    row = await Nomination.select(*_SELECT).where(Nomination.id == key).first()
    if row is None:
        raise _not_found()
    return _shape(row)


async def get_for_owner(owner: CurrentUser, nomination_id: UUID | str) -> dict:
    item = await get_full(nomination_id)
    if item["owner_email"] != owner.email:
        raise _not_found()
    return item


def is_public(item: dict, edition: EditionState, now: datetime) -> bool:
    return item["status"] in NOMINATED_STATUSES and edition.phase_at(now) in ("voting", "selection", "announcement")


async def get_visible(viewer: CurrentUser | None, nomination_id: UUID | str, now: datetime) -> tuple[dict, bool]:
    """A project and whether the viewer sees every field (its owner, staff and judges)."""
    item = await get_full(nomination_id)
    if viewer is not None and (viewer.is_staff or item["owner_email"] == viewer.email):
        return item, True
    if viewer is not None and viewer.is_judge and judge_view_policy is not None:
        view = await judge_view_policy(viewer, item, now)
        if view is not None:
            return view, True
    edition = await queries.get_edition(item["year"])
    if not is_public(item, edition, now):
        raise _not_found()
    return public_view(item), False


@dataclass
class Filters:
    category: str | None = None
    status: str | None = None
    q: str | None = None
    region: str | None = None
    stakeholder_type: str | None = None
    sdg: int | None = None
    country: str | None = None
    offset: int = 0
    limit: int = 20


async def search(edition: EditionState, filters: Filters, everything: bool, now: datetime,
                 owner: CurrentUser | None = None) -> tuple[list[dict], int]:
    """The catalogue. The public sees nominated projects from the voting phase on (an empty
    list before); staff (`everything`) see every project that is not a draft; an owner
    listing their own (`owner`) sees their drafts too."""
    row = await queries.edition_row(edition.year)
    where = Nomination.edition == row["id"]
    if owner is not None:
        where &= Nomination.owner == owner.id
    elif not everything:
        if edition.phase_at(now) not in ("voting", "selection", "announcement"):
            return [], 0
        # The public sees one status, nominated: filtering on finalist, winner or champion
        # would tell the results before they are published (prizes/results.py publishes them).
        if filters.status and filters.status != "nominated":
            return [], 0
        where &= Nomination.status.is_in(list(NOMINATED_STATUSES))
    else:
        where &= Nomination.status != "draft"
    if filters.status:
        if filters.status == "nominated":
            where &= Nomination.status.is_in(list(NOMINATED_STATUSES))
        else:
            where &= Nomination.status == filters.status
    if filters.category:
        where &= Nomination.category.code == filters.category
    if filters.region:
        where &= Nomination.region == filters.region
    if filters.stakeholder_type:
        where &= Nomination.stakeholder_type == filters.stakeholder_type
    if filters.country:
        where &= Nomination.country == filters.country.upper()
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "").replace("%", "").replace("_", " ").strip() + "%"
        # SQLite's LIKE ignores ASCII case already; PostgreSQL needs ILIKE
        match = (lambda column: column.like(pattern)) if is_sqlite() else (lambda column: column.ilike(pattern))
        where &= match(Nomination.title) | match(Nomination.entity_name) | match(Nomination.short_description)
    if filters.sdg:
        # `sdgs` is stored as json.dumps(sorted goals), e.g. "[3, 10]": match the number as a
        # whole element, first, middle or last.
        goal = int(filters.sdg)
        where &= (WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"[{goal}]") | WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"[{goal},%")
                  | WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"% {goal},%") | WhereRaw("CAST(sdgs AS TEXT) LIKE {}", f"% {goal}]"))
    total = await Nomination.count().where(where)
    rows = await Nomination.select(*_SELECT).where(where).order_by(Nomination.category.position).order_by(
        Nomination.title).order_by(Nomination.id).limit(filters.limit).offset(filters.offset)
    return [_shape(r) for r in rows], total


async def require_verified_owner(user: CurrentUser) -> None:
    if not user.email_verified:
        raise Forbidden(_("Verify your e-mail address first: follow the link in the mail we sent you."))
