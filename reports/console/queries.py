"""Reads of the staff console: an edition's figures for the dashboard, what an account
owns, and the audit log with its filters. Reads every domain; writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

from piccolo.columns.combination import WhereRaw
from piccolo.query.methods.select import Count

from accounts.tables import User
from core.errors import FieldError, InvalidInput
from core.i18n import gettext as _
from core.tables import AuditEntry
from judging import queries as judging
from judging.tables import JudgeAssignment
from prizes.editions import queries as editions
from prizes.editions.tables import Category
from prizes.nominations.rules import FINALIST_STATUSES, NOMINATED_STATUSES
from prizes.nominations.tables import Nomination
from prizes.results import queries as results
from reports.console.labels import describe
from voting import fraud
from voting import queries as voting
from voting.tables import Vote


async def _status_counts(edition_id: int) -> dict[str, int]:
    rows = await Nomination.select(Nomination.status, Count(Nomination.id).as_alias("n")).where(
        Nomination.edition == edition_id).group_by(Nomination.status)
    return {r["status"]: r["n"] for r in rows}


async def _votes(edition_id: int) -> tuple[int, int]:
    raw = await Vote.count().where(Vote.edition == edition_id)
    valid = await Vote.count().where((Vote.edition == edition_id) & (Vote.valid == True))  # noqa: E712
    return raw, valid


async def _judging(year: int, round_: str) -> tuple[int, int, int]:
    """(judges on panels, sheets submitted, sheets expected) of a round."""
    progress = await judging.progress(year, round_)
    judges = progress["judges"]
    return len(judges), sum(j["submitted"] for j in judges), sum(j["assigned"] for j in judges)


async def dashboard(year: int, phase: str) -> dict:
    """The figures of an edition that the dashboard shows (and `rules.next_actions` reads).
    Fraud signals are looked for only from the voting phase on (they read every vote)."""
    edition = await editions.edition_row(year)
    counts = await _status_counts(edition["id"])
    submitted = sum(n for s, n in counts.items() if s != "draft")
    round_ = "selection" if phase in ("selection", "announcement") else "nomination"
    judges, sheets, expected = await _judging(year, round_)
    assigned = await JudgeAssignment.count().where(
        JudgeAssignment.category.is_in(Category.select(Category.id).where(Category.edition == edition["id"])))
    raw, valid = await _votes(edition["id"])
    signals = 0
    if phase in ("voting", "selection"):
        voting_edition = await voting.edition_by_year(year)
        signals = len(await fraud.signals(voting_edition)) if voting_edition else 0
    extended = await results.extended_overview(year)
    decisions = await results.decisions(year)
    publication = await results.publication_status(year)
    return {
        "by_status": counts,
        "submitted": submitted,
        "drafts": counts.get("draft", 0),
        "screening_left": counts.get("submitted", 0),
        "screening_done": counts.get("eligible", 0) + counts.get("ineligible", 0),
        "nominated": sum(counts.get(s, 0) for s in NOMINATED_STATUSES),
        "round": round_,
        "judges": judges,
        "judges_assigned": assigned,
        "sheets": sheets,
        "sheets_expected": expected,
        "raw_votes": raw,
        "valid_votes": valid,
        "fraud_signals": signals,
        "finalists": sum(counts.get(s, 0) for s in FINALIST_STATUSES),
        "extended_asked": sum(1 for e in extended if e["requested_at"] is not None),
        "extended_answered": sum(1 for e in extended if e["submitted_at"] is not None),
        "winners": counts.get("winner", 0),
        "champions": counts.get("champion", 0),
        "undecided": len(decisions["undecided"]),
        "published": decisions["published"],
        "publication": publication["state"],
        "publication_requested_by": publication["requested_by"],
        "publication_requested_by_id": publication["requested_by_id"],
    }


async def owned_projects(user_id: UUID) -> list[dict]:
    """The projects an account submitted (any edition): never how it voted."""
    return await Nomination.select(
        Nomination.id, Nomination.title, Nomination.status, Nomination.edition.year.as_alias("year"),
        Nomination.category.code.as_alias("category"), Nomination.owned_by_submitter,
    ).where(Nomination.owner == user_id).order_by(Nomination.edition.year, ascending=False).order_by(Nomination.title)


# --- the audit log ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilters:
    edition: int | None = None
    actor: str | None = None  # an address, any letter case
    kind: str | None = None  # an action (`edition.winners`) or a family (`edition`)
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    offset: int = 0
    limit: int = 50


def _where(f: AuditFilters):
    where = AuditEntry.id.is_not_null()
    if f.edition is not None:
        where &= WhereRaw(
            '("subject" IN ({}, {}) OR "subject" IN (SELECT {} || CAST(n."id" AS TEXT) FROM "nomination" n '
            'WHERE n."edition" = (SELECT e."id" FROM "edition" e WHERE e."year" = {})))',
            f"edition:{f.edition}", f"judging:{f.edition}", "nomination:", f.edition)
    if f.actor:
        where &= WhereRaw('LOWER("actor_email") = {}', f.actor.strip().lower())
    if f.kind:
        where &= (AuditEntry.action == f.kind) | AuditEntry.action.like(f.kind.replace("%", "").replace("_", "") + ".%")
    if f.since is not None:
        where &= AuditEntry.at >= f.since
    if f.until is not None:
        where &= AuditEntry.at < f.until
    return where


async def audit_entries(f: AuditFilters) -> tuple[list[dict], int]:
    """Newest first; each with `actor` (the account's name, else its address) and the titles
    of the projects the page of entries mentions (`titles`, id → title)."""
    where = _where(f)
    total = await AuditEntry.count().where(where)
    rows = await AuditEntry.select().where(where).order_by(AuditEntry.at, ascending=False).order_by(
        AuditEntry.id, ascending=False).offset(f.offset).limit(f.limit).output(load_json=True)
    ids = {r["actor_id"] for r in rows if r["actor_id"]}
    names = {}
    if ids:
        names = {u["id"]: u["display_name"] for u in await User.select(User.id, User.display_name).where(
            User.id.is_in(list(ids)))}
    for r in rows:
        r["details"] = r["details"] if isinstance(r["details"], dict) else {}
        r["actor"] = names.get(r["actor_id"]) or (r["actor_email"] if r["actor_email"] != "system" else "")
    return rows, total


async def titles_for(rows: list[dict]) -> dict[str, str]:
    """Project titles mentioned by these entries (subjects and winners' lists)."""
    wanted: set[str] = set()
    for r in rows:
        subject = r.get("subject") or ""
        if subject.startswith("nomination:"):
            wanted.add(subject.partition(":")[2])
        if r.get("action") == "edition.winners":
            for ids in r["details"].values():
                wanted.update(str(i) for i in ids if isinstance(ids, list))
    keys = []
    for value in wanted:
        try:
            keys.append(UUID(value))
        except ValueError:
            continue
    if not keys:
        return {}
    return {str(n["id"]): n["title"] for n in await Nomination.select(Nomination.id, Nomination.title).where(
        Nomination.id.is_in(keys))}


def day_bounds(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """`YYYY-MM-DD` days (UTC), both inclusive → [since, until + 1 day). ValueError if malformed."""
    start = datetime.fromisoformat(since).replace(tzinfo=timezone.utc) if since else None
    end = datetime.fromisoformat(until).replace(tzinfo=timezone.utc) + timedelta(days=1) if until else None
    return start, end


async def audit_kinds() -> list[str]:
    return sorted(r["action"] for r in await AuditEntry.select(AuditEntry.action).distinct())


class BadQuery(InvalidInput):
    """A malformed filter in a query string."""

    status_code = 400


def audit_filters(edition: str | None, actor: str | None, kind: str | None, since: str | None, until: str | None,
                  offset: int, limit: int) -> AuditFilters:
    """The filters from a query string; 400 naming the field when one is malformed."""
    errors = []
    year = None
    if edition:
        try:
            year = int(edition)
            if not 1900 <= year <= 9999:
                raise ValueError
        except ValueError:
            errors.append(FieldError("edition", _("Enter a year, such as 2026.")))
    start = end = None
    for key, raw in (("since", since), ("until", until)):
        try:
            bounds = day_bounds(raw if key == "since" else None, raw if key == "until" else None)
        except ValueError:
            errors.append(FieldError(key, _("Enter a date such as 2026-03-31.")))
            continue
        start = bounds[0] if key == "since" else start
        end = bounds[1] if key == "until" else end
    if errors:
        raise BadQuery(errors)
    return AuditFilters(year, (actor or "").strip()[:320] or None, (kind or "").strip()[:80] or None,
                                start, end, max(0, min(offset, 10**9)), min(max(1, limit), 200))


async def described(f: AuditFilters) -> tuple[list[dict], int]:
    rows, total = await audit_entries(f)
    titles = await titles_for(rows)
    for r in rows:
        r["actor"] = r["actor"] or _("The system")
        r["summary"] = describe(r, titles)
    return rows, total
