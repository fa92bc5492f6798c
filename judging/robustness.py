"""Robust rankings: how much the leader of a category owes to the particular judges on its
panel. Pure (numpy, no I/O), beside `rules.rank_projects`.

A bootstrap over the panel: `resamples` times (at least 1,000), draw as many judges as the
panel has, with replacement, and rank the projects by the mean of the totals those judges
gave (a judge drawn twice counts twice; a project none of the drawn judges scored is out of
that resample). A project "ranks first" in a resample when its mean, as shown (two
decimals), equals the highest — so projects level at the top each count as first, as in the
competition ranking. `first_share` is the share of resamples in which a project ranks first;
`leader_share` is that of the ranking's leader (its rank 1, by the tie-break rule), and the
category is a `statistical_tie` when the leader ranks first in fewer than `threshold` (the
edition's `tie_threshold`, 0.9 by default) of the resamples.

The random draws are seeded from the edition's year and the category's code, so the figures
are the same on every machine and every call. Vectorised: one (resamples × judges) matrix of
draw counts, two matrix products for the sums and the counts; no Python loop per resample.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from judging.rules import Ranking, Sheet

RESAMPLES = 1000
TIE_THRESHOLD = 0.9


@dataclass(frozen=True)
class Robustness:
    resamples: int
    leader_share: float | None  # None: nobody was scored
    statistical_tie: bool
    first_share: dict[str, float]  # project id → share of resamples in which it ranks first

    def as_dict(self) -> dict:
        return {"resamples": self.resamples, "leader_share": self.leader_share, "statistical_tie": self.statistical_tie}


def seed_of(year: int, category: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{year}:{category}".encode()).digest()[:8], "big")


def bootstrap(ranking: Ranking, sheets: Sequence[Sheet], year: int, category: str, resamples: int = RESAMPLES,
              threshold: float = TIE_THRESHOLD) -> Robustness:
    scored = [p.id for p in ranking.items if p.rank is not None]
    if not scored:
        return Robustness(resamples, None, False, {})
    judges = sorted({s.judge for s in sheets})
    row = {pid: i for i, pid in enumerate(scored)}
    col = {jid: j for j, jid in enumerate(judges)}
    totals = np.zeros((len(scored), len(judges)))
    scored_by = np.zeros((len(scored), len(judges)))
    for s in sheets:
        if s.project in row:
            totals[row[s.project], col[s.judge]] = s.total
            scored_by[row[s.project], col[s.judge]] = 1.0
    rng = np.random.default_rng(seed_of(year, category))
    draws = rng.multinomial(len(judges), np.full(len(judges), 1.0 / len(judges)), size=resamples).T.astype(float)
    sums = totals @ draws  # projects × resamples
    counts = scored_by @ draws
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, np.round(sums / np.where(counts > 0, counts, 1.0), 2), -np.inf)
    best = means.max(axis=0)
    first = (means == best) & np.isfinite(means)
    shares = first.sum(axis=1) / resamples
    first_share = {pid: round(float(shares[i]), 3) for pid, i in row.items()}
    leader = first_share[scored[0]]
    return Robustness(resamples, leader, leader < threshold, first_share)
