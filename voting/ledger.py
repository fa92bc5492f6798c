"""The public ledger of an edition's votes: the receipts list (JSON pages and CSV), one
receipt's status, the integrity report and the votes per campaign source. Reads only.

Nothing here names a voter, an address or a time: each vote is the SHA-256 of its receipt,
its category, its project and whether it counts. Rows come in category order, then by the
vote's random id — an order that says nothing about when a vote was cast or what its receipt
is. From the selection phase on only (`ledger_is_open`): nobody, staff included, watches the
ledger grow during the vote.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import AsyncIterator
from uuid import UUID

from core.audit import entries, head as audit_head
from core.errors import DomainError, FieldError, Forbidden, InvalidInput, NotFound
from core.i18n import gettext as _
from prizes.editions.queries import settings_of
from prizes.editions.rules import PHASES
from voting import queries
from voting.keys import redis_id
from voting.queries import VotingEdition
from voting.rules import COUNT_COMPLETE, VOID_CODES, counting_mode
from voting.tables import Vote

RECEIPT = re.compile(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}")
CSV_HEADER = "receipt_sha256,category,nomination_id,counted\n"
BATCH = 5000
MAX_PAGE = 1000


def receipt_sha256(receipt: str) -> str:
    return hashlib.sha256(receipt.encode("utf-8")).hexdigest()


def ledger_is_open(edition: VotingEdition, now: datetime) -> bool:
    return PHASES.index(edition.state.phase_at(now)) >= PHASES.index("selection")


async def open_edition(year: int, now: datetime) -> VotingEdition:
    """The edition, if its ledger is public now: 404 unknown, 403 before the vote closed."""
    edition = await edition_or_404(year)
    if not ledger_is_open(edition, now):
        raise Forbidden(_("The list of votes is published when voting closes, for everyone at once."))
    return edition


async def edition_or_404(year: int) -> VotingEdition:
    """The edition (404 for an unknown year, out-of-range ones included: never a 500)."""
    edition = await queries.edition_by_year(year) if 1900 <= year <= 9999 else None
    if edition is None:
        raise NotFound(_("There is no %(year)s edition.", year=year))
    return edition


@dataclass(frozen=True)
class LedgerRow:
    receipt_sha256: str
    category: str
    nomination_id: str
    counted: bool
    void_code: str


async def _complete(edition: VotingEdition) -> set[str] | None:
    """Voters whose ballots count (complete-ballots mode), or None when every ballot counts."""
    if counting_mode(edition.state.settings) != COUNT_COMPLETE:
        return None
    return await queries.complete_voters(edition.id, len(edition.categories.items))


def _row(r: dict, code: str, complete: set[str] | None) -> LedgerRow:
    counted = bool(r["valid"]) and (complete is None or redis_id(r["voter"]) in complete)
    return LedgerRow(receipt_sha256(r["receipt"]), code, str(queries.parse_uuid(r["nomination"])), counted,
                     r["void_code"] or "")


_COLUMNS = (Vote.id, Vote.receipt, Vote.nomination, Vote.valid, Vote.voter, Vote.void_code)


async def rows(edition: VotingEdition, category: str | None = None, batch: int = BATCH) -> AsyncIterator[LedgerRow]:
    """Every vote of the edition (or one category), in the ledger's order, read in batches
    (keyset on the id, so a long list costs no more per row than a short one)."""
    complete = await _complete(edition)
    for category_id, code in edition.categories.items:
        if category is not None and code != category:
            continue
        after: UUID | None = None
        while True:
            where = (Vote.edition == edition.id) & (Vote.category == category_id)
            if after is not None:
                where = where & (Vote.id > after)
            found = await Vote.select(*_COLUMNS).where(where).order_by(Vote.id).limit(batch)
            for r in found:
                yield _row(r, code, complete)
            if len(found) < batch:
                break
            after = found[-1]["id"]


async def page(edition: VotingEdition, category: str | None, offset: int, limit: int) -> tuple[list[LedgerRow], int]:
    """One page of the list, and the total."""
    errors = []
    if category is not None and category not in edition.categories.codes:
        errors.append(FieldError("category", _("Unknown category %(code)s.", code=category)))
    if not 0 <= offset <= 10**9:
        errors.append(FieldError("offset", _("Must be between %(low)s and %(high)s.", low=0, high=10**9)))
    if not 1 <= limit <= MAX_PAGE:
        errors.append(FieldError("limit", _("Must be between %(low)s and %(high)s.", low=1, high=MAX_PAGE)))
    if errors:
        raise InvalidInput(errors)
    complete = await _complete(edition)
    where = Vote.edition == edition.id
    if category is not None:
        where = where & (Vote.category == dict((c, i) for i, c in edition.categories.items)[category])
    total = await Vote.count().where(where)
    position = {cid: i for i, (cid, _code) in enumerate(edition.categories.items)}
    codes = dict(edition.categories.items)
    # the category's position then the id: the CSV's order (categories are few, so the
    # ordering by position is a CASE over the ids)
    order = "CASE " + " ".join(f'WHEN "category" = {int(cid)} THEN {position[cid]}' for cid in codes) + " END"
    sql = ('SELECT "id", "receipt", "nomination", "valid", "voter", "void_code", "category" FROM "vote" '
           'WHERE "edition" = {}')
    args: list = [edition.id]
    if category is not None:
        sql += ' AND "category" = {}'
        args.append(dict((c, i) for i, c in edition.categories.items)[category])
    sql += f' ORDER BY {order}, "id" LIMIT {int(limit)} OFFSET {int(offset)}'
    found = await Vote.raw(sql, *args)
    return [_row(r, codes[r["category"]], complete) for r in found], total


def csv_line(row: LedgerRow) -> str:
    return f"{row.receipt_sha256},{row.category},{row.nomination_id},{'true' if row.counted else 'false'}\n"


async def csv_chunks(edition: VotingEdition) -> AsyncIterator[bytes]:
    """receipts.csv, in chunks of about BATCH lines (the integrity report hashes these bytes)."""
    yield CSV_HEADER.encode("utf-8")
    lines: list[str] = []
    async for row in rows(edition):
        lines.append(csv_line(row))
        if len(lines) >= BATCH:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


# --- one receipt ------------------------------------------------------------------------------

_LOOKUP = (
    'SELECT v."valid", v."void_code", v."nomination", c."code", e."year", e."settings", e."rules_json", '
    '(SELECT COUNT(DISTINCT o."category") FROM "vote" o WHERE o."voter" = v."voter" AND o."edition" = v."edition") '
    'AS "voted", (SELECT COUNT(*) FROM "category" k WHERE k."edition" = v."edition") AS "categories" '
    'FROM "vote" v JOIN "category" c ON c."id" = v."category" JOIN "edition" e ON e."id" = v."edition" '
    'WHERE v."receipt" = {}'
)


class MalformedReceipt(DomainError):
    """400: not of a receipt's form (nothing was looked up)."""


def check_receipt(text: str) -> str:
    """A receipt as the vote's answer gave it (case and surrounding spaces forgiven); 400 else."""
    cleaned = (text or "").strip().upper()
    if not RECEIPT.fullmatch(cleaned):
        raise MalformedReceipt(_("This is not a receipt."),
                               [FieldError("receipt", _("A receipt looks like ABCD-EFGH-JKLM-NPQR."))])
    return cleaned


# Every answer about a well-formed receipt takes at least this long, found or not: the one
# query's cost differs a little between a hit and a miss, the floor hides it.
ANSWER_FLOOR_SECONDS = 0.05


async def receipt_status(text: str) -> dict:
    """What became of the vote with this receipt. One indexed query, found or not (the vote's
    ballot is counted inside it), and an answer never sooner than ANSWER_FLOOR_SECONDS, so the
    time of the answer says nothing more than the answer."""
    receipt = check_receipt(text)
    started = time.monotonic()
    found = await Vote.raw(_LOOKUP, receipt)
    answer = _status_of(found[0]) if found else {"status": "unknown"}
    await asyncio.sleep(max(0.0, ANSWER_FLOOR_SECONDS - (time.monotonic() - started)))
    return answer


def _status_of(r: dict) -> dict:
    answer = {"year": r["year"], "category": r["code"], "nomination_id": str(queries.parse_uuid(r["nomination"]))}
    if not r["valid"]:
        return {"status": "voided", **answer, "void_reason": r["void_code"] or "manual"}
    if _complete_ballots(r["rules_json"], settings_of(r["settings"])) and r["voted"] < r["categories"]:
        return {"status": "not_counted_yet", **answer, "reason": "incomplete_ballot"}
    return {"status": "counted", **answer}


def _complete_ballots(rules_json: str | None, settings: dict) -> bool:
    if rules_json:
        return bool(json.loads(rules_json).get("complete_ballots"))
    return bool(settings.get("complete_ballots"))


# --- the integrity report ------------------------------------------------------------------------


async def voting_closed_at(edition: VotingEdition) -> datetime | None:
    """When the vote closed: staff's move out of it if that came first, else its closing instant."""
    closes = edition.state.window("voting").closes_at
    moves = await entries(subject=f"edition:{edition.year}", action="edition.phase", limit=1000)
    manual = [e["at"] for e in moves if (e["details"] or {}).get("from") == "voting"
              and not (e["details"] or {}).get("automatic")]
    first = min(manual) if manual else None
    return min(first, closes) if first is not None else closes


_COMPLETE_VOTERS = ('SELECT "voter" FROM "vote" WHERE "edition" = {} GROUP BY "voter" '
                   'HAVING COUNT(DISTINCT "category") >= {}')


async def counts(edition: VotingEdition) -> dict:
    """Per category: votes recorded (raw), counted (valid), voided, and the voids per public
    reason; and the voters with at least one counted vote. Counted by the database, apart
    from the receipts list (the recount test checks that the two agree)."""
    complete = counting_mode(edition.state.settings) == COUNT_COMPLETE
    # complete ballots: a join on the complete voters (a GROUP BY on an expression with
    # parameters is not one PostgreSQL can match to the selected one)
    join = f' LEFT JOIN ({_COMPLETE_VOTERS}) c ON c."voter" = v."voter"' if complete else ""
    flag = 'CASE WHEN c."voter" IS NULL THEN 0 ELSE 1 END' if complete else "1"
    args: list = [edition.id, len(edition.categories.items)] if complete else []
    sql = (f'SELECT v."category", v."valid", v."void_code", {flag} AS "complete", COUNT(*) AS "n" FROM "vote" v'
           f'{join} WHERE v."edition" = {{}} GROUP BY v."category", v."valid", v."void_code"'
           + (f", {flag}" if complete else ""))
    per: dict[str, Counter] = {code: Counter() for code in edition.categories.codes}
    reasons: dict[str, Counter] = defaultdict(Counter)
    codes = dict(edition.categories.items)
    for r in await Vote.raw(sql, *args, edition.id):
        counts_ = per[codes[r["category"]]]
        counts_["raw"] += r["n"]
        if r["valid"] and int(r["complete"]):
            counts_["valid"] += r["n"]
        if not r["valid"]:
            counts_["voided"] += r["n"]
            reasons[codes[r["category"]]][r["void_code"] or "manual"] += r["n"]
    voters_sql = 'SELECT COUNT(DISTINCT "voter") AS "n" FROM "vote" WHERE "edition" = {} AND "valid" = {}'
    voter_args: list = [edition.id, True]
    if complete:
        voters_sql += f' AND "voter" IN ({_COMPLETE_VOTERS})'
        voter_args += [edition.id, len(edition.categories.items)]
    voters = await Vote.raw(voters_sql, *voter_args)
    categories = [{"category": code, "raw": per[code]["raw"], "valid": per[code]["valid"],
                   "voided": per[code]["voided"],
                   "void_reasons": {k: reasons[code][k] for k in VOID_CODES if reasons[code][k]}}
                  for code in edition.categories.codes]
    return {
        "totals": {"raw": sum(c["raw"] for c in categories), "valid": sum(c["valid"] for c in categories),
                   "voided": sum(c["voided"] for c in categories), "voters": voters[0]["n"] if voters else 0},
        "categories": categories,
    }


# After the close the list changes only when votes are voided: each process keeps the digest
# of what it hashed, keyed by the votes' count, the voids' count and the latest void.
_digests: dict[int, tuple[tuple, str]] = {}


async def receipts_digest(edition: VotingEdition) -> str:
    """The SHA-256 of the exact bytes of receipts.csv."""
    state = await Vote.raw('SELECT COUNT(*) AS "n", SUM(CASE WHEN "valid" THEN 0 ELSE 1 END) AS "voided", '
                           'MAX("voided_at") AS "last" FROM "vote" WHERE "edition" = {}', edition.id)
    key = (state[0]["n"], state[0]["voided"], str(state[0]["last"]), edition.state.rules_json)
    cached = _digests.get(edition.id)
    if cached and cached[0] == key:
        return cached[1]
    digest = hashlib.sha256()
    async for chunk in csv_chunks(edition):
        digest.update(chunk)
    _digests[edition.id] = (key, digest.hexdigest())
    return digest.hexdigest()


async def integrity(edition: VotingEdition) -> dict:
    return {
        "year": edition.year,
        "rules": edition.state.rules,
        "rules_fingerprint": edition.state.rules_fingerprint,
        "voting_closed_at": await voting_closed_at(edition),
        **await counts(edition),
        "receipts_sha256": await receipts_digest(edition),
        "audit_head": await audit_head(),
    }


# --- vote sources --------------------------------------------------------------------------------


async def sources(edition: VotingEdition, nomination_id: UUID | None = None) -> list[dict]:
    """Votes per project per campaign source tag (null: untagged), most votes first."""
    sql = 'SELECT "nomination", "source", COUNT(*) AS "votes" FROM "vote" WHERE "edition" = {}'
    args: list = [edition.id]
    if nomination_id is not None:
        sql += ' AND "nomination" = {}'
        args.append(nomination_id)
    sql += ' GROUP BY "nomination", "source"'
    found = await Vote.raw(sql, *args)
    items = [{"nomination_id": str(queries.parse_uuid(r["nomination"])), "source": r["source"], "votes": r["votes"]}
             for r in found]
    items.sort(key=lambda i: (i["nomination_id"], -i["votes"], i["source"] or ""))
    return items


async def project_sources(viewer, nomination_id: object, now: datetime) -> list[dict]:
    """A project's votes per source: staff at any time, its owner once voting has closed."""
    target = await queries.vote_target(nomination_id)
    if target is None or viewer is None or not (viewer.is_staff or viewer.id == target.owner_id):
        raise NotFound(_("There is no such project."))
    if not viewer.is_staff and not ledger_is_open(target.edition, now):
        raise Forbidden(_("Your project's votes per source are shown once voting has closed."))
    return await sources(target.edition, target.nomination_id)
