"""Reads of the end of an edition: the publication state, where the winners stand, the
laureates, and the finalists' extended descriptions.

Until `Edition.published_at` is stamped, and has passed, nothing here is public: the lists,
the pages and the book (the reports domain asks `require_visible`) answer 404 to anyone but
staff. Approving a publication may stamp an instant in the future (a release time): the
stored instant is compared with now on every request, so the results become public at that
second on every process, with no write needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from accounts.services import CurrentUser
from core.clock import utcnow
from core.errors import NotFound
from core.i18n import gettext as _
from prizes.editions import queries as editions
from prizes.editions.rules import category_title, titles_of
from prizes.editions.tables import Edition
from prizes.nominations import queries as nominations
from prizes.nominations.rules import FINALIST_STATUSES, count_words
from prizes.nominations.tables import Nomination, NominationImage
from prizes.results.rules import extended_closed_reason, extended_limit
from prizes.results.tables import ExtendedDescription, PublicationRequest


@dataclass(frozen=True)
class Publication:
    edition_id: int
    year: int
    published_at: datetime | None  # None until the stamped instant has passed
    foreword: str
    extended_deadline: datetime | None
    scheduled_at: datetime | None = None  # the stamped instant while it is still to come

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_fixed(self) -> bool:
        """Published or scheduled: an approved publication."""
        return self.published_at is not None or self.scheduled_at is not None


def released(stamp: datetime | None, now: datetime) -> bool:
    return stamp is not None and stamp <= now


async def publication(year: int, now: datetime | None = None) -> Publication:
    row = await editions.edition_row(year)
    now = now or utcnow()
    stamp = row["published_at"]
    return Publication(row["id"], row["year"], stamp if released(stamp, now) else None, row["foreword"],
                       row["extended_deadline"], stamp if stamp is not None and not released(stamp, now) else None)


async def live_request(year: int) -> dict | None:
    """The edition's publication request that is not cancelled (awaiting or approved)."""
    return await PublicationRequest.select(*PublicationRequest.all_columns()).where(
        (PublicationRequest.edition.year == year) & (PublicationRequest.state != "cancelled")).first()


async def publication_status(year: int, now: datetime | None = None) -> dict:
    """Where the publication stands: `state` none | awaiting_approval | scheduled | published,
    who asked and approved, and the release instant."""
    now = now or utcnow()
    state = await publication(year, now)
    row = await live_request(year)
    if state.is_published:
        name = "published"
    elif state.scheduled_at is not None:
        name = "scheduled"
    elif row is not None and row["state"] == "awaiting":
        name = "awaiting_approval"
    else:
        name = "none"
    return {"state": name, "requested_by": row["requested_by_email"] if row else None,
            "requested_by_id": str(row["requested_by"]) if row and row["requested_by"] else None,
            "requested_at": row["requested_at"] if row else None,
            "approved_by": (row["approved_by_email"] or None) if row else None,
            "release_at": state.published_at or state.scheduled_at or (row["release_at"] if row else None)}


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
    rows = await Edition.select(Edition.year).where(Edition.published_at <= utcnow())
    _published_years.clear()
    _published_years.update(r["year"] for r in rows)
    return set(_published_years)


def note_published(year: int) -> None:
    _published_years.add(year)


def latest_published_year() -> int | None:
    return max(_published_years) if _published_years else None


async def finalists_by_category(edition_id: int) -> dict[str, list[dict]]:
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
    edition = await editions.get_edition(year)
    by_category = await finalists_by_category(state.edition_id)
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


async def laureates(year: int, status: str) -> list[dict]:
    """The winners (or champions) of an edition, in category order then by title. The caller
    decides visibility (`require_visible`)."""
    state = await publication(year)
    rows = await Nomination.select(
        Nomination.id, Nomination.title, Nomination.entity_name, Nomination.country, Nomination.region,
        Nomination.stakeholder_type, Nomination.website, Nomination.short_description,
        Nomination.category.code.as_alias("category"), Nomination.category.title.as_alias("category_title"),
        Nomination.category.titles.as_alias("category_titles"), Nomination.category.position.as_alias("position"),
    ).where((Nomination.edition == state.edition_id) & (Nomination.status == status))
    rows.sort(key=lambda r: (r["position"], r["title"].casefold(), str(r["id"])))
    return [{"id": str(r["id"]), "category": r["category"], "category_title": category_title(titles_of(r["category_titles"]), r["category_title"]),
             "title": r["title"], "entity": r["entity_name"], "country": r["country"], "region": r["region"],
             "stakeholder_type": r["stakeholder_type"], "website": r["website"],
             "short_description": r["short_description"]} for r in rows]


async def extended_row(nomination_id: UUID) -> dict | None:
    return await ExtendedDescription.select().where(ExtendedDescription.nomination == nomination_id).first()


async def extended_view(item: dict) -> dict:
    """A finalist's extended description, with what its owner needs to write it."""
    edition = await editions.get_edition(item["year"])
    state = await publication(item["year"])
    row = await extended_row(UUID(item["id"]))
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
        "open": extended_closed_reason(item, edition, state.is_published, state.extended_deadline, utcnow()) is None,
    }


async def get_extended(viewer: CurrentUser, nomination_id: str) -> dict:
    """Its owner and staff read a finalist's extended description; anyone else gets 404."""
    item = await nominations.get_full(nomination_id)
    if not (viewer.is_staff or item["owner_email"] == viewer.email):
        raise NotFound(_("There is no such project."))
    if item["status"] not in FINALIST_STATUSES:
        raise NotFound(_("Only finalists write an extended description."))
    return await extended_view((await nominations.veiled([item], viewer))[0])


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
