"""Reads for the book: the edition, its laureates with their texts and photos, and the
figures. Reports reads every domain and owns no table; the vote figures are voting's
integrity report (`voting.ledger.counts`: counted as the edition's frozen rules count), so the
book, the published tallies and the public list of votes agree; without a vote table the
book says vote figures are unavailable."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from piccolo.conf.apps import Finder
from piccolo.query.methods.select import Count

from prizes.editions import queries
from prizes.nominations import images
from prizes.nominations.queries import goals_by_nomination
from prizes.nominations.rules import LAUREATE_STATUSES, NOMINATED_STATUSES
from prizes.results.queries import publication
from prizes.nominations.tables import Nomination, NominationImage
from prizes.results.tables import ExtendedDescription
from reports.builder import BookSource, FiguresIn, LaureateIn, PhotoIn
from voting import ledger
from voting import queries as voting_queries


def table_named(name: str):
    """A registered Piccolo table by its database name, or None."""
    for table in Finder().get_table_classes():
        if table._meta.tablename == name:
            return table
    return None


def _goals(raw) -> tuple[int, ...]:
    values = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(int(v) for v in values or [])


async def _counted(column, where) -> dict[str, int]:
    rows = await Nomination.select(column.as_alias("key"), Count(Nomination.id).as_alias("n")).where(where).group_by(column)
    return {r["key"]: r["n"] for r in rows}


async def _vote_figures(edition_id: int) -> dict:
    """The vote figures of the integrity report (voting's public ledger): counted votes as the
    edition's rules count them, voids, voters, and the rules' fingerprint."""
    if table_named("vote") is None:
        return {}
    edition = await voting_queries.edition_by_id(edition_id)
    counted = await ledger.counts(edition)
    totals = counted["totals"]
    return {
        "valid_votes": totals["valid"], "voters": totals["voters"], "raw_votes": totals["raw"],
        "voided_votes": totals["voided"], "rules_fingerprint": edition.state.rules_fingerprint,
        "votes_by_category": {c["category"]: c["valid"] for c in counted["categories"] if c["valid"]},
    }


async def figures(edition_id: int) -> FiguresIn:
    submitted = (Nomination.edition == edition_id) & (Nomination.status != "draft")
    nominated = (Nomination.edition == edition_id) & Nomination.status.is_in(list(NOMINATED_STATUSES))
    countries = await Nomination.select(Nomination.country).where(submitted).distinct()
    votes = await _vote_figures(edition_id)
    return FiguresIn(
        submitted=await Nomination.count().where(submitted),
        nominated=await Nomination.count().where(nominated),
        countries=len({r["country"] for r in countries if r["country"]}),
        by_region=await _counted(Nomination.region, submitted),
        by_stakeholder=await _counted(Nomination.stakeholder_type, submitted),
        submitted_by_category=await _counted(Nomination.category.code, submitted),
        **votes,
    )


async def book_source(year: int, media_dir: Path) -> BookSource:
    state = await publication(year)
    edition = await queries.get_edition(year)
    rows = await Nomination.select(
        Nomination.all_columns(), Nomination.category.code.as_alias("code"),
    ).where((Nomination.edition == state.edition_id) & Nomination.status.is_in(list(LAUREATE_STATUSES)))
    ids = [r["id"] for r in rows] or [UUID(int=0)]
    goals = await goals_by_nomination(ids)
    texts = {r["nomination"]: r["text"] for r in await ExtendedDescription.select(
        ExtendedDescription.nomination, ExtendedDescription.text).where(ExtendedDescription.nomination.is_in(ids))}
    photos: dict[UUID, list[PhotoIn]] = {}
    for image in await NominationImage.select().where(NominationImage.nomination.is_in(ids)).order_by(
            NominationImage.uploaded_at).order_by(NominationImage.id):
        path = images.path_of(media_dir, image["id"], image["content_type"])
        if path.is_file():  # a photo whose file is gone is left out rather than drawn broken
            photos.setdefault(image["nomination"], []).append(
                PhotoIn(str(image["id"]), image["content_type"], image["credit"], image["caption"], str(path)))
    laureates = tuple(
        LaureateIn(
            id=str(r["id"]), status=r["status"], category=r["code"], title=r["title"], entity_name=r["entity_name"],
            stakeholder_type=r["stakeholder_type"], country=r["country"], region=r["region"], website=r["website"],
            short_description=r["short_description"], extended_description=texts.get(r["id"], ""),
            sdgs=_goals(r["sdgs"]), impact=r["impact"], partnerships=r["partnerships"],
            photos=tuple(photos.get(r["id"], ())), goals=goals.get(str(r["id"]), {}), frameworks=edition.frameworks,
        )
        for r in rows
    )
    return BookSource(
        year=year,
        published_at=state.published_at,
        foreword=state.foreword,
        categories=edition.categories,
        laureates=laureates,
        figures=await figures(state.edition_id),
    )
