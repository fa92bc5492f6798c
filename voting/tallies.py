"""Tallies in Redis, derived from the durable record of votes (the `vote` table).

The order of a vote's steps is what makes it safe (see `voting.services.cast_vote`): the
vote is committed to the database first, then applied to Redis, then acknowledged. So Redis
only ever holds votes the database holds, and every step below is idempotent:

- applying a vote is `HSETNX ballots voter nomination` and, only when that set the field,
  `HINCRBY raw`; the valid count moves by the change in whether the voter's vote counts
  (applied, not voided, and — when the edition requires complete ballots — the ballot
  complete). Re-applying a vote, a void or a completion changes nothing; applying them in
  any order gives the same counts. One Lua script does it, on keys of one category of one
  edition, which share one Redis Cluster slot (`voting.keys.tally_keys`).
- each category's slot holds an epoch key, set when the slot was (re)built from the
  database: the counting mode, and on a Redis Cluster the id of the node that built it. A
  missing epoch means Redis lost the slot (a restart with no data, a node emptied); an
  epoch of another node means the slot failed over to a replica, which may lack the last
  writes its master acknowledged. Either way the next vote, tally read or sweeper tick
  rebuilds those slots — only those — from the database, under a per-edition lock so that
  one process rebuilds while the others wait, before another vote is acknowledged.
- the sweeper (every few seconds, one process at a time) re-applies the votes cast or voided
  since its last pass once they are `SWEEP_GRACE` old: a process that died between its
  commit and its Redis step, or a Redis that lost its last second of writes, is made good
  without anyone's help. `python main.py tallies --check` compares the two at any time.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, Sequence

from redis.asyncio import Redis

from core.errors import DomainError
from core.i18n import gettext as _
from core.batching import Coalescer
from core.redis import run_scripts
from prizes.editions.tables import Edition
from voting import queries
from voting.queries import RecordedVote, VotingEdition
from voting.keys import SWEEP_CURSOR_KEY, SWEEP_LOCK_KEY, rebuild_lock_key, tally_keys
from voting.rules import COUNT_COMPLETE, counting_mode

log = logging.getLogger("prizes.tallies")

LOCK_MS = 30_000  # a rebuild extends its lock after every page; a dead rebuilder's lapses
WAIT_SECONDS = 120.0  # how long a request waits for another process's rebuild
SWEEP_GRACE = timedelta(seconds=30)  # a vote's commit is assumed done this long after cast_at
SWEEP_MAX_WINDOW = timedelta(seconds=60)  # at most this much history per sweeper pass
SWEEP_FIRST_LOOKBACK = timedelta(hours=1)  # where a sweeper with no cursor starts
BATCH = 1000  # votes per script call when rebuilding or sweeping
PIPELINE_CALLS = 4  # script calls per round trip
SWEEP_LOCK_MS = 15_000  # extended after every window; a dead sweeper's lapses soon

# The slot's state, in every script: the epoch must be this counting mode, built on this
# node (CLUSTER MYID; a server outside a cluster answers an error and is just itself).
_COUNTS = """
local mode = ARGV[1]
local me = redis.pcall('CLUSTER', 'MYID')
local built = mode
if type(me) == 'string' then built = mode .. '@' .. me end
local function counts(v)
  if redis.call('HEXISTS', KEYS[1], v) == 0 then return 0 end
  if redis.call('SISMEMBER', KEYS[4], v) == 1 then return 0 end
  if mode == 'complete' and redis.call('SISMEMBER', KEYS[5], v) == 0 then return 0 end
  return 1
end
local epoch = redis.call('GET', KEYS[6])
local state = 0
if not epoch then state = 1
elseif epoch ~= built then
  if string.match(epoch, '^[^@]*') ~= mode then state = 2 else state = 3 end
end
"""

# KEYS: ballots, raw, valid, voided, complete, epoch (one slot). ARGV[1]: the counting mode;
# then groups of four: voter, nomination ('' when only marking), voided ('1'), complete ('1').
# Returns the slot's state before the call: 0 live, 1 lost (no epoch), 2 built for another
# counting mode, 3 built on another node (failed over). The votes are applied whatever the
# state (it is always safe to apply).
_APPLY = _COUNTS + """
for i = 2, #ARGV, 4 do
  local v, nom = ARGV[i], ARGV[i + 1]
  local before = counts(v)
  if ARGV[i + 2] == '1' then redis.call('SADD', KEYS[4], v) end
  if ARGV[i + 3] == '1' then redis.call('SADD', KEYS[5], v) end
  if nom ~= '' and redis.call('HSETNX', KEYS[1], v, nom) == 1 then
    redis.call('HINCRBY', KEYS[2], nom, 1)
  end
  local after = counts(v)
  if after ~= before then
    redis.call('HINCRBY', KEYS[3], redis.call('HGET', KEYS[1], v), after - before)
  end
end
return state
"""

# Same KEYS and ARGV[1]: the slot's state (reads only).
_STATE = _COUNTS + """
return state
"""

# Same KEYS and ARGV[1]: marks the slot built, for this mode on this node.
_STAMP = _COUNTS + """
redis.call('SET', KEYS[6], built)
return state
"""

_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

LIVE, LOST, OTHER_MODE, OTHER_NODE = 0, 1, 2, 3


class TalliesUnavailable(DomainError):
    """Another process is rebuilding the tallies and has not finished in time."""

    status_code = 503

    def __init__(self) -> None:
        super().__init__(_("The vote counters are being rebuilt; try again in a minute."), headers={"Retry-After": "30"})


@dataclass(frozen=True)
class Mark:
    """One vote as the tally scripts take it (Redis ids)."""

    voter: str
    nomination: str = ""
    voided: bool = False
    complete: bool = False

    def args(self) -> list[str]:
        return [self.voter, self.nomination, "1" if self.voided else "0", "1" if self.complete else "0"]


Progress = Callable[[str], None]


def _apply_call(year: int, code: str, mode: str, marks: Sequence[Mark]) -> tuple[list[str], list[str]]:
    """The keys and arguments of one _APPLY call: marks of one slot."""
    return tally_keys(year, code).all(), [mode, *(arg for mark in marks for arg in mark.args())]


class TallyStore:
    def __init__(self, redis: Redis, sweep_grace: timedelta = SWEEP_GRACE) -> None:
        self.redis = redis
        self.sweep_grace = sweep_grace
        self._apply = redis.register_script(_APPLY)
        self._state = redis.register_script(_STATE)
        self._stamp = redis.register_script(_STAMP)
        self._extend = redis.register_script(_EXTEND)
        self._release = redis.register_script(_RELEASE)
        # The votes acknowledged together are applied together: one round trip for a batch.
        self._marks: Coalescer[tuple[int, str, str, Mark], int] = Coalescer(self._apply_batch, max_batch=200,
                                                                            concurrency=2)

    # --- the vote path ------------------------------------------------------------------------

    async def mark(self, year: int, code: str, mode: str, mark: Mark) -> int:
        """Apply one vote's mark (idempotently), batched with the marks of the votes of the same
        moment; returns its slot's state (see _APPLY)."""
        return await self._marks((year, code, mode, mark))

    async def _apply_batch(self, items: list[tuple[int, str, str, Mark]]) -> list[int]:
        slots: dict[tuple[int, str, str], list[Mark]] = defaultdict(list)
        for year, code, mode, mark in items:
            slots[(year, code, mode)].append(mark)
        calls = [_apply_call(year, code, mode, marks) for (year, code, mode), marks in slots.items()]
        states = dict(zip(slots, (int(state) for state in await self._scripts(self._apply, calls))))
        return [states[(year, code, mode)] for year, code, mode, _mark in items]

    async def apply_many(self, year: int, mode: str, marks: dict[str, list[Mark]]) -> int:
        """Apply marks to several slots, a few script calls per round trip."""
        calls = [_apply_call(year, code, mode, items[start : start + BATCH])
                 for code, items in marks.items() for start in range(0, len(items), BATCH)]
        state = LIVE
        for start in range(0, len(calls), PIPELINE_CALLS):
            results = await self._scripts(self._apply, calls[start : start + PIPELINE_CALLS])
            state = max([state, *(int(result) for result in results)])
        return state

    async def _scripts(self, script, calls: Sequence[tuple[list[str], list]]) -> list:
        return await run_scripts(self.redis, script, calls)

    # --- reading --------------------------------------------------------------------------------

    async def valid_tallies(self, edition: VotingEdition) -> dict[str, dict[str, int]]:
        """Valid votes per project (Redis ids), per category code; rebuilt first if lost."""
        await self.ensure(edition)
        return await self._hashes(edition.year, edition.categories.codes, "valid")

    async def raw_tallies(self, edition: VotingEdition) -> dict[str, dict[str, int]]:
        await self.ensure(edition)
        return await self._hashes(edition.year, edition.categories.codes, "raw")

    async def _hashes(self, year: int, codes: Iterable[str], which: str) -> dict[str, dict[str, int]]:
        codes = list(codes)
        pipe = self.redis.pipeline(transaction=False)
        for code in codes:
            pipe.hgetall(getattr(tally_keys(year, code), which))
        results = await pipe.execute()
        return {code: {_text(k): int(v) for k, v in result.items()} for code, result in zip(codes, results)}

    # --- losing Redis and rebuilding ----------------------------------------------------------

    async def _states(self, edition: VotingEdition, mode: str) -> dict[str, int]:
        codes = edition.categories.codes
        states = await self._scripts(self._state, [(tally_keys(edition.year, code).all(), [mode]) for code in codes])
        return {code: int(state) for code, state in zip(codes, states)}

    async def ensure(self, edition: VotingEdition, *, force: bool = False, progress: Progress | None = None,
                     wait: float = WAIT_SECONDS) -> bool:
        """Make the edition's slots live: rebuild from the database those that Redis lost
        (or all, with `force`). One process rebuilds, under the edition's lock; the others
        wait for it. True if this call rebuilt something."""
        mode = counting_mode(edition.state.settings)
        deadline = time.monotonic() + wait
        lock = rebuild_lock_key(edition.year)
        while True:
            if not force:
                states = await self._states(edition, mode)
                if all(state == LIVE for state in states.values()):
                    return False
            token = secrets.token_hex(8)
            if await self.redis.set(lock, token, nx=True, px=LOCK_MS):
                try:
                    states = await self._states(edition, mode)
                    codes = [code for code, state in states.items() if force or state != LIVE]
                    if codes:
                        await self._rebuild(edition, codes, mode, lock, token, progress)
                    return bool(codes)
                finally:
                    await self._release(keys=[lock], args=[token])
            # Another process rebuilds: wait for its lock to go (one key to poll, where the
            # slots' states are one script per slot — a round trip each on a cluster), then
            # look at the states again.
            while await self.redis.exists(lock):
                if time.monotonic() > deadline:
                    raise TalliesUnavailable()
                await asyncio.sleep(0.1)

    async def _rebuild(self, edition: VotingEdition, codes: list[str], mode: str, lock: str, token: str,
                       progress: Progress | None) -> None:
        """Empty the slots, then apply every recorded vote of their categories. Votes that
        commit meanwhile are applied by their own requests (it is idempotent), and their
        requests wait for this rebuild before they answer."""
        started = time.monotonic()
        year = edition.year
        pipe = self.redis.pipeline(transaction=False)
        for code in codes:
            pipe.delete(*tally_keys(year, code).all())
        await pipe.execute()
        complete: set[str] = set()
        if mode == COUNT_COMPLETE:
            complete = await queries.complete_voters(edition.id, len(edition.categories.items))
        category_ids = [cid for cid, code in edition.categories.items if code in codes]
        total = await queries.count_votes(edition.id, category_ids)
        done = 0
        if progress:
            progress(f"{year}: rebuilding {len(codes)} categories from {total} recorded votes")
        async for page in queries.recorded_votes(edition.id, category_ids):
            await self.apply_many(year, mode, _marks(page, edition, complete))
            done += len(page)
            await self._extend(keys=[lock], args=[token, LOCK_MS])
            if progress:
                progress(f"{year}: {done} of {total} votes")
        await self._scripts(self._stamp, [(tally_keys(year, code).all(), [mode]) for code in codes])
        log.info("rebuilt the %s tallies of %s categories (%s) from %s votes in %.2fs", year, len(codes),
                 " ".join(codes), done, time.monotonic() - started)

    # --- checking ---------------------------------------------------------------------------------

    async def differences(self, edition: VotingEdition) -> list[str]:
        """Where Redis and the durable record disagree (empty when they agree)."""
        mode = counting_mode(edition.state.settings)
        recorded = await queries.recorded_counts(edition, mode)
        codes = edition.categories.codes
        states = await self._states(edition, mode)
        pipe = self.redis.pipeline(transaction=False)
        for code in codes:
            keys = tally_keys(edition.year, code)
            pipe.get(keys.epoch)
            pipe.hlen(keys.ballots)
            pipe.hgetall(keys.raw)
            pipe.hgetall(keys.valid)
        results = await pipe.execute()
        found = []
        for index, code in enumerate(codes):
            epoch, ballots, raw, valid = results[4 * index : 4 * index + 4]
            where = f"{edition.year} {code}"
            if epoch is None:
                found.append(f"{where}: no tallies in Redis (lost; --rebuild restores them)")
                continue
            if states[code] == OTHER_MODE:
                found.append(f"{where}: counted as {_text(epoch).split('@')[0]!r} but the edition counts {mode!r}")
            elif states[code] == OTHER_NODE:
                found.append(f"{where}: built on another Redis node, which has failed over since "
                             "(its last writes may be missing; --rebuild restores them)")
            if int(ballots) != recorded.ballots[code]:
                found.append(f"{where}: {int(ballots)} ballots in Redis, {recorded.ballots[code]} in the database")
            for label, redis_counts, db_counts in (("raw", raw, recorded.raw[code]), ("valid", valid, recorded.valid[code])):
                have = {_text(k): int(v) for k, v in redis_counts.items() if int(v) != 0}
                for nomination in sorted(set(have) | set(db_counts)):
                    if have.get(nomination, 0) != db_counts.get(nomination, 0):
                        found.append(f"{where}: project {nomination}: {have.get(nomination, 0)} {label} votes in "
                                     f"Redis, {db_counts.get(nomination, 0)} in the database")
        return found

    # --- the sweeper --------------------------------------------------------------------------------

    async def sweep(self, now: datetime) -> int:
        """Re-apply what was cast or voided since the last pass (see the module's doc);
        one process at a time. Returns how many votes it re-applied."""
        token = secrets.token_hex(8)
        if not await self.redis.set(SWEEP_LOCK_KEY, token, nx=True, px=SWEEP_LOCK_MS):
            return 0
        try:
            for edition in await _editions_in_voting(now):
                await self.ensure(edition)
            raw_cursor = await self.redis.get(SWEEP_CURSOR_KEY)
            lower = datetime.fromisoformat(_text(raw_cursor)) if raw_cursor else now - SWEEP_FIRST_LOOKBACK
            end = now - self.sweep_grace
            swept = 0
            while lower < end:  # a window at a time, so that catching up never loads too much at once
                upper = min(end, lower + SWEEP_MAX_WINDOW)
                touched = await queries.votes_touched_between(lower, upper)
                by_edition: dict[int, list[RecordedVote]] = defaultdict(list)
                for vote in touched:
                    by_edition[vote.edition_id].append(vote)
                for edition_id, votes in by_edition.items():
                    edition = await queries.edition_by_id(edition_id)
                    await self.ensure(edition)
                    await self.reapply(edition, votes)
                await self.redis.set(SWEEP_CURSOR_KEY, upper.isoformat())
                await self._extend(keys=[SWEEP_LOCK_KEY], args=[token, SWEEP_LOCK_MS])
                swept += len(touched)
                lower = upper
            return swept
        finally:
            await self._release(keys=[SWEEP_LOCK_KEY], args=[token])

    async def reapply(self, edition: VotingEdition, votes: list[RecordedVote]) -> None:
        """Apply recorded votes with everything the database knows of them (voided, and
        the voter's ballot complete)."""
        mode = counting_mode(edition.state.settings)
        complete: set[str] = set()
        if mode == COUNT_COMPLETE:
            voters = sorted({v.voter_uuid for v in votes})
            complete = await queries.complete_voters(edition.id, len(edition.categories.items), voters)
            if complete:
                # a completed ballot counts in every category, not only those in this window
                votes = votes + await queries.votes_of_voters(edition.id, [v for v in voters if v.hex in complete])
        await self.apply_many(edition.year, mode, _marks(votes, edition, complete))


def _marks(votes: Iterable[RecordedVote], edition: VotingEdition, complete: set[str]) -> dict[str, list[Mark]]:
    grouped: dict[str, list[Mark]] = defaultdict(list)
    for vote in votes:
        grouped[edition.categories.code_of(vote.category_id)].append(
            Mark(vote.voter, vote.nomination, voided=not vote.valid, complete=vote.voter in complete)
        )
    return grouped


async def _editions_in_voting(now: datetime) -> list[VotingEdition]:
    found = []
    for row in await Edition.select(Edition.id).where(Edition.phase.is_in(["nomination", "voting"])):
        edition = await queries.edition_by_id(row["id"])
        if edition.state.phase_at(now) == "voting":
            found.append(edition)
    return found


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def tallies_command(store: TallyStore, *, rebuild: bool, year: int | None = None,
                          out: Callable[[str], None] = print) -> int:
    """`python main.py tallies --check|--rebuild [--year Y]`: every edition that has votes
    (and the current one), or the year given. --check exits 1 and prints the differences
    when Redis and the database disagree; --rebuild rebuilds from the database, with its
    progress, then checks."""
    from prizes.editions.queries import current_year
    from core.clock import utcnow

    if year is not None:
        found = await queries.edition_by_year(year)
        if found is None:
            out(f"there is no {year} edition")
            return 2
        editions = [found]
    else:
        ids = set(await queries.edition_ids_with_votes())
        current = await queries.edition_by_year(await current_year(utcnow()))
        if current is not None:
            ids.add(current.id)
        editions = [await queries.edition_by_id(i) for i in sorted(ids)]
    if rebuild:
        for edition in editions:
            await store.ensure(edition, force=True, progress=out)
    differences = []
    for edition in editions:
        differences += await store.differences(edition)
    for line in differences:
        out(line)
    years = ", ".join(str(e.year) for e in editions)
    if differences:
        out(f"{len(differences)} difference(s) between Redis and the database ({years})")
        return 1
    out(f"{'rebuilt; ' if rebuild else ''}Redis tallies agree with the database ({years})")
    return 0
