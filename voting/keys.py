"""The Redis key names of voting.

Every key of one category of one edition carries the hash tag {year:code}, so each atomic
step (a Lua script) touches one Redis Cluster slot; the 18 categories of an edition spread
over 18 slots. Per-edition keys (the rebuild lock) carry {year}."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TallyKeys:
    """The Redis keys of one category of one edition, in the order the scripts take them."""

    ballots: str  # hash voter -> nomination: the votes applied to this slot (the one-vote marker)
    raw: str  # hash nomination -> raw votes
    valid: str  # hash nomination -> valid votes (not voided; complete ballots if required)
    voided: str  # set of voters whose vote in this category is voided
    complete: str  # set of voters whose ballot is complete (only read in "complete" mode)
    epoch: str  # the counting mode the slot was built with; missing = lost, rebuild

    def all(self) -> list[str]:
        return [self.ballots, self.raw, self.valid, self.voided, self.complete, self.epoch]


def tally_keys(year: int, code: str) -> TallyKeys:
    tag = f"{{{year}:{code}}}"
    return TallyKeys(
        ballots=f"prizes:ballots:{tag}",
        raw=f"prizes:tally:{tag}:raw",
        valid=f"prizes:tally:{tag}:valid",
        voided=f"prizes:voided:{tag}",
        complete=f"prizes:complete:{tag}",
        epoch=f"prizes:tally-epoch:{tag}",
    )


def rebuild_lock_key(year: int) -> str:
    return f"prizes:tally-lock:{{{year}}}"


SWEEP_LOCK_KEY = "prizes:tally-sweep-lock"
SWEEP_CURSOR_KEY = "prizes:tally-sweep-cursor"


def redis_id(value) -> str:
    """Ids as Redis stores them: the UUID's 32 hex digits."""
    return str(value).replace("-", "").lower()
