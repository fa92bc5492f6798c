"""Actions of public voting: casting a vote, a voter's votes, tallies behind the embargo,
voiding votes after review, computing the finalists, and the campaign link and badge."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from accounts.services import CurrentUser
from core import audit
from core.audit import Actor
from core.db import transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, InvalidInput, NotFound, RateLimited
from core.i18n import gettext as _
from core.ratelimit import RateLimiter, network_block
from core.settings import Settings
from core.validation import clean_text
from prizes.editions import queries as prize_queries
from prizes.editions.services import require_phase
from prizes.nominations.rules import is_public
from prizes.nominations.services import mark_finalists
from voting import fraud, queries, recording
from voting.queries import Target, VotingEdition
from voting.badge import badge_svg
from voting.keys import redis_id
from voting.rules import (
    COUNT_COMPLETE,
    Standing,
    counting_mode,
    parse_signal_id,
    shortlist,
    void_code,
)
from voting.tables import Vote
from voting.tallies import LIVE, Mark, TallyStore

log = logging.getLogger("prizes.voting")

@dataclass(frozen=True)
class Origin:
    """Where a vote comes from, as the request shows it."""

    address: str
    user_agent: str = ""
    source: str | None = None  # the campaign source tag, already cleaned (`rules.clean_source`)


async def count_vote_attempt(limiter: RateLimiter, settings: Settings, address: str, voter_id: UUID) -> None:
    """Every vote attempt counts against the three limits — per client address, per account
    and per network block — each an exact sliding window in Redis; 429 if any is exceeded."""
    verdicts = await limiter.hit_many([
        ("votes-ip", address, settings.rate_limit_votes_per_ip),
        ("votes-account", str(voter_id), settings.rate_limit_votes_per_account),
        ("votes-network", network_block(address), settings.rate_limit_votes_per_network),
    ])
    refused = [v.retry_after for v in verdicts if not v.allowed]
    if refused:
        raise RateLimited(max(refused), _("Too many votes from here; try again in a moment."))


def _not_nominated() -> NotFound:
    return NotFound(_("There is no such nominated project."),
                    [FieldError("nomination_id", _("Not a nominated project of this edition."))])


async def cast_vote(store: TallyStore, user: CurrentUser, nomination_id: object, origin: Origin, now: datetime,
                    cache_seconds: float = 0.0) -> dict:
    """One vote: the database first (its unique constraint is the one-vote guarantee), then
    Redis (idempotent), then the answer — after rebuilding the tallies if Redis lost them.
    When several refusals apply: 403 (unverified, not in the voting phase of the project's
    edition), then 404 (not a nominated project), then 409 (already voted in that category).
    Rate limits (429) are counted before, by the route's guard. `cache_seconds`: how long this
    process may reuse what it read of a project and its edition (the edition cache's setting)."""
    if not user.email_verified:
        raise Forbidden(_("Verify your e-mail address first: follow the link in the mail we sent you."))
    target = await queries.vote_target(nomination_id, cache_seconds)
    phase_edition = target.edition.state if target else await prize_queries.get_current_edition(now)
    require_phase(phase_edition, "voting", now)
    if target is None or not target.is_nominated:
        raise _not_nominated()
    mode = counting_mode(target.edition.state.settings)
    # Shielded: a client that hangs up (the request is cancelled) does not stop a vote
    # between its commit and its Redis step.
    step = asyncio.ensure_future(_record_and_count(store, user, target, origin, mode, now))
    step.add_done_callback(_log_failure)
    receipt = await asyncio.shield(step)
    return {"nomination_id": str(target.nomination_id), "category": target.category_code, "receipt": receipt}


async def _record_and_count(store: TallyStore, user: CurrentUser, target: Target, origin: Origin, mode: str,
                            now: datetime) -> str:
    edition = target.edition
    receipt = await recording.insert(user, target, origin, now)
    state = await store.mark(edition.year, target.category_code, mode, Mark(redis_id(user.id), redis_id(target.nomination_id)))
    if state != LIVE:
        await store.ensure(edition)
    if mode == COUNT_COMPLETE:
        await _complete_ballot(store, edition, user.id)
    return receipt


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None and not isinstance(task.exception(), Conflict):
        log.error("recording a vote failed: %r", task.exception())


async def _complete_ballot(store: TallyStore, edition: VotingEdition, voter_id: UUID) -> None:
    """When the edition counts only complete ballots and this voter's ballot just became
    complete, their votes start counting in every category (idempotent; concurrent last
    votes are fine: each runs this after its own commit, so the later one sees them all)."""
    votes = await queries.votes_of_voters(edition.id, [voter_id])
    if len({v.category_id for v in votes}) < len(edition.categories.items):
        return
    await store.reapply(edition, votes)


# --- a voter's votes --------------------------------------------------------------------------


async def _edition(year: int | None, now: datetime) -> VotingEdition:
    if year is None:
        year = await prize_queries.current_year(now)
    edition = await queries.edition_by_year(year)
    if edition is None:
        raise NotFound(_("There is no %(year)s edition.", year=year))
    return edition


async def votes_of(user: CurrentUser, now: datetime, year: int | None = None) -> tuple[VotingEdition, list[dict]]:
    edition = await _edition(year, now)
    return edition, await queries.my_votes(user.id, edition.id)


# --- tallies ------------------------------------------------------------------------------------


async def tallies_are_public(year: object) -> bool:
    try:
        edition = await queries.edition_by_year(int(year))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return bool(edition and edition.state.settings.get("public_tallies"))


async def tallies(store: TallyStore, year: int, now: datetime) -> list[dict]:
    """Valid votes of every nominated project (zero included), live from Redis: by category,
    most-voted first. Who may see them is the route's guard (staff; the public only when the
    edition's `public_tallies` is on)."""
    edition = await _edition(year, now)
    counts = await store.valid_tallies(edition)
    projects = await queries.nominated_projects(edition.id)
    order = {code: i for i, code in enumerate(edition.categories.codes)}
    items = [
        {"nomination_id": p.nomination_id, "category": p.category,
         "votes": counts.get(p.category, {}).get(redis_id(p.nomination_id), 0), "title": p.title}
        for p in projects
    ]
    items.sort(key=lambda i: (order.get(i["category"], 99), -i["votes"], i["title"], i["nomination_id"]))
    return [{k: i[k] for k in ("nomination_id", "category", "votes")} for i in items]


async def tally_table(store: TallyStore, year: int, now: datetime) -> tuple[VotingEdition, list[dict]]:
    """For the staff page: per category, each project's raw and valid votes and status."""
    edition = await _edition(year, now)
    valid = await store.valid_tallies(edition)
    raw = await store.raw_tallies(edition)
    projects = await queries.nominated_projects(edition.id)
    table = []
    for code in edition.categories.codes:
        rows = [
            {"nomination_id": p.nomination_id, "title": p.title, "status": p.status,
             "raw": raw[code].get(redis_id(p.nomination_id), 0), "valid": valid[code].get(redis_id(p.nomination_id), 0)}
            for p in projects if p.category == code
        ]
        rows.sort(key=lambda r: (-r["valid"], -r["raw"], r["title"]))
        table.append({"code": code, "projects": rows, "raw": sum(r["raw"] for r in rows),
                      "valid": sum(r["valid"] for r in rows)})
    return edition, table


# --- fraud review and voids ---------------------------------------------------------------------


async def fraud_signals(year: int, now: datetime) -> list[dict]:
    return await fraud.signals(await _edition(year, now))


MAX_VOIDS = 100_000


async def void_votes(store: TallyStore, actor: Actor, vote_ids: list[str] | None, signal: str | None,
                     reason: str | None, now: datetime) -> dict:
    """Staff void votes — listed one by one, or every vote of a signal — with a reason. The
    votes stay in the record (raw); they leave the valid tallies; one audit entry per
    edition lists them."""
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, multiline=True)
    ids: list[UUID] = []
    if (vote_ids is None) == (signal is None):
        errors.add("vote_ids", _("Give either the votes (vote_ids) or a signal, not both."))
    elif signal is not None:
        ref = parse_signal_id(signal)
        found = await fraud.signal_vote_ids(ref) if ref else None
        if found is None:
            errors.add("signal", _("There is no such signal."))
        else:
            ids = found
    else:
        if not vote_ids:
            errors.add("vote_ids", _("List at least one vote."))
        elif len(vote_ids) > MAX_VOIDS:
            errors.add("vote_ids", _("At most %(n)s votes at a time.", n=MAX_VOIDS))
        else:
            for index, raw_id in enumerate(vote_ids):
                parsed = queries.parse_uuid(raw_id)
                if parsed is None:
                    errors.add(f"vote_ids.{index}", _("There is no such vote."))
                else:
                    ids.append(parsed)
            if not errors:
                existing = await _existing(ids)
                for index, vote_id in enumerate(ids):
                    if vote_id not in existing:
                        errors.add(f"vote_ids.{index}", _("There is no such vote."))
    errors.raise_if_any()

    voided: list[dict] = []
    code = void_code(signal.partition(":")[0] if signal else None)
    async with transaction(public=True):  # the book counts the valid votes
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            voided += await Vote.update(
                {Vote.valid: False, Vote.voided_at: now, Vote.voided_by: actor.id, Vote.void_reason: reason,
                 Vote.void_code: code}
            ).where(Vote.id.is_in(chunk) & (Vote.valid == True)).returning(  # noqa: E712
                Vote.id, Vote.edition, Vote.category, Vote.voter, Vote.nomination
            )
        by_edition: dict[int, list[dict]] = defaultdict(list)
        for row in voided:
            by_edition[row["edition"]].append(row)
        for edition_id, rows in by_edition.items():
            edition = await queries.edition_by_id(edition_id)
            await audit.record(actor, "votes.void", f"edition:{edition.year}", reason,
                               {"signal": signal, "count": len(rows), "vote_ids": sorted(str(r["id"]) for r in rows)})
    # after the commit, the tallies follow (idempotent; the sweeper re-applies it if we die here)
    for edition_id, rows in by_edition.items():
        edition = await queries.edition_by_id(edition_id)
        marks: dict[str, list[Mark]] = defaultdict(list)
        for row in rows:
            marks[edition.categories.code_of(row["category"])].append(Mark(redis_id(row["voter"]), voided=True))
        await store.ensure(edition)
        await store.apply_many(edition.year, counting_mode(edition.state.settings), marks)
    return {"voided": len(voided), "vote_ids": sorted(str(r["id"]) for r in voided)}


async def _existing(ids: list[UUID]) -> set[UUID]:
    found: set[UUID] = set()
    for start in range(0, len(ids), 500):
        rows = await Vote.select(Vote.id).where(Vote.id.is_in(ids[start : start + 500]))
        found.update(queries.parse_uuid(r["id"]) for r in rows)
    return found


# --- finalists ------------------------------------------------------------------------------------


async def compute_finalists(actor: Actor, year: int, now: datetime) -> dict[str, list[str]]:
    """In the selection phase: per category, the `shortlist_size` most valid-voted nominated
    projects (counted from the durable record, not Redis), with every project tied at the
    boundary (see `voting.rules.shortlist`). Stored as the status `finalist`; a recomputation
    replaces the earlier result (projects that drop out go back to `nominated`)."""
    edition = await _edition(year, now)
    require_phase(edition.state, "selection", now)
    size = int(edition.state.settings.get("shortlist_size", 5))  # type: ignore[call-overload]
    counts = await queries.valid_counts_by_project(edition, counting_mode(edition.state.settings))
    projects = await queries.nominated_projects(edition.id)
    result: dict[str, list[str]] = {}
    votes: dict[str, int] = {}
    for code in edition.categories.codes:
        standings = [Standing(p.nomination_id, counts.get(redis_id(p.nomination_id), 0), p.submitted_at)
                     for p in projects if p.category == code]
        chosen = shortlist(standings, size)
        result[code] = [s.nomination_id for s in chosen]
        votes.update({s.nomination_id: s.votes for s in chosen})
    finalists = [UUID(nid) for ids in result.values() for nid in ids]
    async with transaction():
        await mark_finalists(edition.id, finalists)
        await audit.record(actor, "edition.finalists", f"edition:{year}", "",
                           {"finalists": result, "valid_votes": votes, "shortlist_size": size,
                            "counting": counting_mode(edition.state.settings)})
    return result


# --- the campaign link and badge -------------------------------------------------------------------


async def visible_target(viewer: CurrentUser | None, nomination_id: object, now: datetime) -> tuple[Target, bool]:
    """A project as the vote page and the badge show it: public once its edition's voting has
    opened and it is nominated; before that only its owner and staff see it (a preview).
    Returns the project and whether the public can see it."""
    target = await queries.vote_target(nomination_id)
    if target is None:
        raise NotFound(_("There is no such project."))
    public = is_public(target.status, target.edition.state.phase_at(now), False)
    privileged = viewer is not None and (viewer.is_staff or viewer.id == target.owner_id)
    if not public and not privileged:
        raise NotFound(_("There is no such project."))
    return target, public


def badge_texts(target: Target) -> dict[str, str]:
    return {
        "label": _("Vote for %(title)s — WSIS Prizes %(year)s", title=target.title, year=target.edition.year),
        "call": _("Vote for"),
        "brand": _("WSIS Prizes %(year)s", year=target.edition.year),
    }


def badge_image(target: Target) -> str:
    texts = badge_texts(target)
    return badge_svg(target.title, texts["label"], texts["call"], texts["brand"])


async def campaign_kit(viewer: CurrentUser, nomination_id: object, base_url: str, now: datetime,
                       source: str | None = None) -> dict[str, str]:
    """The public link (tagged `?src=` for one campaign when `source` is given), the badge
    image and the HTML snippet, for the project's owner and staff, once it is nominated."""
    from html import escape

    target, _public = await visible_target(viewer, nomination_id, now)
    if not (viewer.is_staff or viewer.id == target.owner_id):
        raise NotFound(_("There is no such project."))
    if not target.is_nominated:
        raise Conflict(_("The link and the badge are ready once the project is nominated."),
                       [FieldError("status", target.status)])
    link = f"{base_url}/vote/{target.nomination_id}" + (f"?src={source}" if source else "")
    image = f"{base_url}/badge/{target.nomination_id}.svg"
    alt = badge_texts(target)["label"]
    html = (f'<a href="{escape(link)}"><img src="{escape(image)}" alt="{escape(alt)}" '
            f'width="360" height="64"></a>')
    return {"link": link, "image": image, "html": html}


async def vote_page_state(viewer: CurrentUser | None, target: Target, now: datetime) -> dict:
    """What the vote page says: whether voting is open, and the viewer's vote in the category."""
    mine = await queries.vote_in_category(viewer.id, target.category_id) if viewer else None
    return {
        "voting_open": target.edition.state.phase_at(now) == "voting",
        "my_vote": mine,
        "voted_here": bool(mine) and queries.parse_uuid(mine["nomination"]) == target.nomination_id,
    }
