"""Benchmark: the rankings of a whole edition — 1,300 projects in 18 categories, 5 judges per
category who each score every project of it (6,500 sheets), 7 criteria on a 1-10 scale.

    .venv/bin/python -m bench.rankings [--runs 15] [--seed 2027]   (or: python bench/rankings.py)

Prints, for the same data in the same run, the median and best time of:

- baseline: a trivial pass over the data — each sheet's weighted total and each project's
  plain mean (what any ranking must at least do);
- rankings: what staff get for every category: weighted totals, mean, median, spread,
  per-judge normalisation, ranks by the tie-break rule (raw and normalised), Krippendorff's
  alpha and each judge's departure (`judging.rules.rank_projects`);
- rankings + bootstrap: the same, plus each category's bootstrap over its panel (1,000
  resamples of the judges, `judging.robustness.bootstrap`): what the rankings API answers.

Target: the full rankings, with the bootstrap, in at most 200 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the project's root first on the path, not bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)


from judging.robustness import bootstrap  # noqa: E402
from judging.rules import Criterion, ProjectRef, Sheet, rank_projects, scorer  # noqa: E402

PROJECTS = 1300
CATEGORIES = 18
JUDGES_PER_CATEGORY = 5
CRITERIA = [Criterion(f"c{i}", f"Criterion {i}", weight=w, min=1, max=10)
            for i, w in enumerate([2, 1, 1, 1.5, 1, 1, 0.5])]


def make_data(seed: int) -> dict[str, tuple[list[ProjectRef], list[tuple[str, str, dict[str, int]]]]]:
    """Per category: its projects, and its raw sheets (judge, project, scores). Each project
    has a quality, each judge a severity and some noise."""
    rng = random.Random(seed)
    data: dict[str, tuple[list[ProjectRef], list]] = {}
    for n in range(PROJECTS):
        code = f"C{n % CATEGORIES}"
        data.setdefault(code, ([], []))[0].append(ProjectRef(f"p{n}", f"Project {n}"))
    for code, (projects, sheets) in data.items():
        severities = {f"{code}-j{j}": rng.gauss(0, 1) for j in range(JUDGES_PER_CATEGORY)}
        for project in projects:
            quality = rng.gauss(6, 1.5)
            for judge, severity in severities.items():
                scores = {c.key: max(1, min(10, round(quality + severity + rng.gauss(0, 1)))) for c in CRITERIA}
                sheets.append((judge, project.id, scores))
    return data


def baseline(data) -> int:
    """Weighted totals and a plain mean per project."""
    count = 0
    total = scorer(CRITERIA)
    for projects, sheets in data.values():
        sums: dict[str, list[float]] = {}
        for judge, project, scores in sheets:
            sums.setdefault(project, []).append(total(scores))
        means = {p: sum(v) / len(v) for p, v in sums.items()}
        count += len(means)
    return count


def rankings(data) -> int:
    """Every category's full ranking."""
    count = 0
    total = scorer(CRITERIA)
    for projects, sheets in data.values():
        reduced = [Sheet(judge, project, total(scores)) for judge, project, scores in sheets]
        count += len(rank_projects(projects, reduced).items)
    return count


def rankings_with_bootstrap(data) -> int:
    """Every category's full ranking and its bootstrap."""
    count = 0
    total = scorer(CRITERIA)
    for code, (projects, sheets) in data.items():
        reduced = [Sheet(judge, project, total(scores)) for judge, project, scores in sheets]
        ranking = rank_projects(projects, reduced)
        robust = bootstrap(ranking, reduced, 2027, code)
        count += len(robust.first_share)
    return count


def measure(function, data, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function(data)
        times.append(time.perf_counter() - started)
        assert result == PROJECTS
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    data = make_data(args.seed)
    sheets = sum(len(s) for _p, s in data.values())
    print(f"{PROJECTS} projects, {CATEGORIES} categories, {JUDGES_PER_CATEGORY} judges per category, "
          f"{sheets} sheets, {len(CRITERIA)} criteria; {args.runs} runs each (median / best)")
    base_median, base_best = measure(baseline, data, args.runs)
    full_median, full_best = measure(rankings, data, args.runs)
    boot_median, boot_best = measure(rankings_with_bootstrap, data, args.runs)
    print(f"baseline (weighted totals + plain means): {base_median:8.1f} ms / {base_best:6.1f} ms")
    print(f"rankings (full, every category):          {full_median:8.1f} ms / {full_best:6.1f} ms"
          f"   ({full_median / base_median:.1f}x the baseline)")
    print(f"rankings + bootstrap (1,000 resamples):   {boot_median:8.1f} ms / {boot_best:6.1f} ms"
          f"   ({boot_median / base_median:.1f}x the baseline)")
    target = 200.0
    print(f"target: <= {target:.0f} ms -> {'met' if boot_median <= target else 'NOT met'}")
    return 0 if boot_median <= target else 1


if __name__ == "__main__":
    sys.exit(main())
