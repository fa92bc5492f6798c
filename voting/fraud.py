"""Fraud review: the signals staff look at before the finalists are fixed, and the votes
each signal stands for. Signals are for review only; nothing here voids anything.

Six kinds (thresholds in `voting.rules`):
- `burst`: an hour in which a project got far more votes than its own baseline;
- `network`: many accounts voting from one /24 (IPv4) or /48 (IPv6) network block;
- `disposable`: voters whose address is at a disposable e-mail domain;
- `quick`: votes cast within seconds of the voter's registration, per project;
- `alias`: voters whose canonical address (`rules.canonical_email`) is shared;
- `domain`: unusually many voters for one project from one non-public mail domain.

A signal's id says what it stands for (`network:2026:203.0.113.0/24`), so voiding "by
signal" voids the votes that match its definition when staff confirm.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from uuid import UUID

from core.db import is_sqlite
from core.i18n import ngettext
from prizes.nominations.tables import Nomination
from voting.queries import VotingEdition, edition_by_year, parse_uuid
from accounts.tables import User
from voting.rules import (
    BURST_BUCKET_SECONDS,
    DOMAIN_MINIMUM_ACCOUNTS,
    canonical_email,
    is_public_provider,
    NETWORK_MINIMUM_ACCOUNTS,
    QUICK_VOTE_SECONDS,
    SignalRef,
    find_bursts,
    is_disposable,
    signal_id,
)
from voting.tables import Vote

DATA_DIR = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def disposable_domains() -> frozenset[str]:
    """The shipped list (voting/data/disposable_domains.txt)."""
    lines = (DATA_DIR / "disposable_domains.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _epoch_seconds(column: str) -> str:
    if is_sqlite():
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def _seconds_between(earlier: str, later: str) -> str:
    if is_sqlite():
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def _quick_join() -> str:
    seconds = _seconds_between('a."created_at"', 'v."cast_at"')
    return f'FROM "vote" v JOIN "account" a ON a."id" = v."voter" WHERE v."edition" = {{}} AND {seconds} < {{}}'


async def _rows(sql: str, *args) -> list[dict]:
    return await Vote.raw(sql, *args)


async def _hourly(edition_id: int) -> dict[str, dict[int, int]]:
    column = '"cast_at"'
    bucket = f"{_epoch_seconds(column)} / {BURST_BUCKET_SECONDS}"
    rows = await _rows(
        f'SELECT "nomination", {bucket} AS "bucket", COUNT(*) AS "votes" FROM "vote" WHERE "edition" = {{}} '
        f'GROUP BY "nomination", {bucket}',
        edition_id,
    )
    hourly: dict[str, dict[int, int]] = defaultdict(dict)
    for r in rows:
        hourly[str(parse_uuid(r["nomination"]))][int(r["bucket"])] = int(r["votes"])
    return hourly


async def _quick_votes(edition_id: int, nomination: UUID | None = None) -> list[UUID]:
    sql = 'SELECT v."id" AS "id", v."nomination" AS "nomination" ' + _quick_join()
    args: list = [edition_id, QUICK_VOTE_SECONDS]
    if nomination is not None:
        sql += ' AND v."nomination" = {}'
        args.append(nomination)
    return [(parse_uuid(r["id"]), parse_uuid(r["nomination"])) for r in await _rows(sql, *args)]


def _bucket_window(bucket: int) -> tuple[datetime, datetime]:
    start = datetime.fromtimestamp(bucket * BURST_BUCKET_SECONDS, tz=timezone.utc)
    end = datetime.fromtimestamp((bucket + 1) * BURST_BUCKET_SECONDS, tz=timezone.utc)
    return start, end


async def _vote_rows(where) -> list[dict]:
    return await Vote.select(Vote.id, Vote.voter, Vote.valid, Vote.cast_at).where(where).order_by(Vote.cast_at)


def _summary(rows: list[dict]) -> dict:
    return {
        "votes": len(rows),
        "valid": sum(1 for r in rows if r["valid"]),
        "accounts": len({r["voter"] for r in rows}),
        "first_at": rows[0]["cast_at"] if rows else None,
        "last_at": rows[-1]["cast_at"] if rows else None,
        "vote_ids": [str(r["id"]) for r in rows],
    }


async def _titles(edition_id: int) -> dict[str, tuple[str, str]]:
    rows = await Nomination.select(Nomination.id, Nomination.title, Nomination.category.code).where(
        Nomination.edition == edition_id
    )
    return {str(r["id"]): (r["title"], r["category.code"]) for r in rows}


def _signal(kind: str, sid: str, rows: list[dict], summary: str, **definition) -> dict:
    """A signal as staff review it: what it stands for (`definition`: nomination_id, title,
    category, network or domain; the others None), what its votes `rows` add up to, and its
    sentence."""
    return {"id": sid, "kind": kind, "nomination_id": None, "title": None, "category": None, "network": None,
            "domain": None, **_summary(rows), **definition, "summary": summary}


async def signals(edition: VotingEdition) -> list[dict]:
    """Every signal of the edition, the heaviest first."""
    year = edition.year
    titles = await _titles(edition.id)
    found: list[dict] = []

    for burst in find_bursts(await _hourly(edition.id)):
        start, end = _bucket_window(burst.bucket)
        rows = await _vote_rows((Vote.nomination == UUID(burst.nomination_id)) & (Vote.cast_at >= start) & (Vote.cast_at < end))
        title, category = titles.get(burst.nomination_id, ("", ""))
        found.append(_signal(
            "burst", signal_id("burst", year, burst.nomination_id, burst.bucket), rows,
            ngettext("%(num)d vote in one hour for “%(title)s”, against its usual %(baseline)s an hour",
                     "%(num)d votes in one hour for “%(title)s”, against its usual %(baseline)s an hour",
                     burst.votes, title=title, baseline=burst.baseline),
            nomination_id=burst.nomination_id, title=title, category=category))

    networks = await _rows(
        'SELECT "network", COUNT(DISTINCT "voter") AS "accounts" FROM "vote" WHERE "edition" = {} AND "network" <> {} '
        'GROUP BY "network" HAVING COUNT(DISTINCT "voter") >= {}',
        edition.id, "", NETWORK_MINIMUM_ACCOUNTS,
    )
    for r in networks:
        rows = await _vote_rows((Vote.edition == edition.id) & (Vote.network == r["network"]))
        found.append(_signal(
            "network", signal_id("network", year, r["network"]), rows,
            ngettext("%(num)d account voted from the network block %(network)s",
                     "%(num)d accounts voted from the network block %(network)s",
                     r["accounts"], network=r["network"]),
            network=r["network"]))

    domains = await Vote.select(Vote.email_domain).where(Vote.edition == edition.id).distinct()
    for domain in sorted(d["email_domain"] for d in domains if d["email_domain"] and is_disposable(d["email_domain"], disposable_domains())):
        rows = await _vote_rows((Vote.edition == edition.id) & (Vote.email_domain == domain))
        found.append(_signal(
            "disposable", signal_id("disposable", year, domain), rows,
            ngettext("%(num)d account with an address at %(domain)s, a disposable e-mail domain",
                     "%(num)d accounts with addresses at %(domain)s, a disposable e-mail domain",
                     len({r["voter"] for r in rows}), domain=domain),
            domain=domain))

    quick: dict[UUID, list[UUID]] = defaultdict(list)
    for vote_id, nomination in await _quick_votes(edition.id):
        quick[nomination].append(vote_id)
    for nomination, ids in quick.items():
        rows = await _vote_rows(Vote.id.is_in(ids))
        title, category = titles.get(str(nomination), ("", ""))
        found.append(_signal(
            "quick", signal_id("quick", year, nomination), rows,
            ngettext("%(num)d vote for “%(title)s” cast less than %(seconds)s seconds after the voter registered",
                     "%(num)d votes for “%(title)s” cast less than %(seconds)s seconds after the voter registered",
                     len(rows), title=title, seconds=QUICK_VOTE_SECONDS),
            nomination_id=str(nomination), title=title, category=category))

    for canonical, voters in sorted((await _aliases(edition.id)).items()):
        rows = await _vote_rows((Vote.edition == edition.id) & Vote.voter.is_in(voters))
        found.append(_signal(
            "alias", signal_id("alias", year, canonical), rows,
            ngettext("%(num)d account whose address reaches the mailbox %(address)s",
                     "%(num)d accounts whose addresses reach the mailbox %(address)s", len(voters), address=canonical)))

    crowds = await _rows(
        'SELECT "nomination", "email_domain", COUNT(DISTINCT "voter") AS "accounts" FROM "vote" WHERE "edition" = {} '
        'AND "email_domain" <> {} GROUP BY "nomination", "email_domain" HAVING COUNT(DISTINCT "voter") >= {}',
        edition.id, "", DOMAIN_MINIMUM_ACCOUNTS,
    )
    for r in crowds:
        if is_public_provider(r["email_domain"]) or is_disposable(r["email_domain"], disposable_domains()):
            continue
        nomination = str(r["nomination"])
        rows = await _vote_rows((Vote.edition == edition.id) & (Vote.nomination == UUID(nomination))
                                & (Vote.email_domain == r["email_domain"]))
        title, category = titles.get(nomination, ("", ""))
        found.append(_signal(
            "domain", signal_id("domain", year, nomination, r["email_domain"]), rows,
            ngettext("%(num)d voter for “%(title)s” with an address at %(domain)s",
                     "%(num)d voters for “%(title)s” with addresses at %(domain)s",
                     r["accounts"], title=title, domain=r["email_domain"]),
            nomination_id=nomination, title=title, category=category, domain=r["email_domain"]))

    found.sort(key=lambda s: (-s["valid"], -s["votes"], s["id"]))
    return found


async def _aliases(edition_id: int) -> dict[str, list[UUID]]:
    """Canonical address → the voters of the edition sharing it (two or more)."""
    voters = await Vote.select(Vote.voter).where(Vote.edition == edition_id).distinct()
    ids = [r["voter"] for r in voters]
    if not ids:
        return {}
    groups: dict[str, list[UUID]] = defaultdict(list)
    for row in await User.select(User.id, User.email).where(User.id.is_in(ids)):
        groups[canonical_email(row["email"])].append(row["id"])
    return {k: sorted(v, key=str) for k, v in groups.items() if len(v) > 1}


async def signal_vote_ids(ref: SignalRef) -> list[UUID] | None:
    """The votes a signal stands for now (None if its edition does not exist)."""
    edition = await edition_by_year(ref.year)
    if edition is None:
        return None
    if ref.kind == "burst":
        nomination, bucket = UUID(ref.parts[0]), int(ref.parts[1])
        start, end = _bucket_window(bucket)
        where = (Vote.edition == edition.id) & (Vote.nomination == nomination) & (Vote.cast_at >= start) & (Vote.cast_at < end)
    elif ref.kind == "network":
        where = (Vote.edition == edition.id) & (Vote.network == ref.parts[0])
    elif ref.kind == "disposable":
        where = (Vote.edition == edition.id) & (Vote.email_domain == ref.parts[0])
    elif ref.kind == "alias":
        voters = (await _aliases(edition.id)).get(ref.parts[0], [])
        where = (Vote.edition == edition.id) & Vote.voter.is_in(voters or [UUID(int=0)])
    elif ref.kind == "domain":
        where = ((Vote.edition == edition.id) & (Vote.nomination == UUID(ref.parts[0]))
                 & (Vote.email_domain == ref.parts[1]))
    else:
        return [vote_id for vote_id, _n in await _quick_votes(edition.id, UUID(ref.parts[0]))]
    return [r["id"] for r in await Vote.select(Vote.id).where(where)]
