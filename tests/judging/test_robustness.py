"""The bootstrap over the panel (judging/robustness.py) on hand-made panels: figures that are
right, reproducible, and flag a tie only when the leader depends on the judges drawn."""

from __future__ import annotations

from judging.robustness import bootstrap, seed_of
from judging.rules import ProjectRef, Sheet, rank_projects


def panel(scores: dict[str, dict[str, float]]) -> tuple[list[ProjectRef], list[Sheet]]:
    """{judge: {project: total}} → projects (titled by id) and sheets."""
    projects = sorted({p for row in scores.values() for p in row})
    return ([ProjectRef(p, p) for p in projects],
            [Sheet(j, p, t) for j, row in scores.items() for p, t in row.items()])


def robustness_of(scores, year=2027, category="C1", **kw):
    projects, sheets = panel(scores)
    return bootstrap(rank_projects(projects, sheets), sheets, year, category, **kw)


def test_a_unanimous_panel_gives_the_leader_every_resample():
    result = robustness_of({f"j{n}": {"a": 90 - n, "b": 60, "c": 40} for n in range(5)})
    assert result.resamples == 1000
    assert result.leader_share == 1.0 and result.statistical_tie is False
    assert result.first_share == {"a": 1.0, "b": 0.0, "c": 0.0}


def test_a_split_panel_flags_a_statistical_tie():
    # three judges prefer a, two prefer b, narrowly: the leader depends on who is drawn
    scores = {"j1": {"a": 80, "b": 70}, "j2": {"a": 80, "b": 70}, "j3": {"a": 80, "b": 70},
              "j4": {"a": 60, "b": 85}, "j5": {"a": 60, "b": 85}}
    result = robustness_of(scores)
    assert result.statistical_tie is True
    assert 0.5 < result.leader_share < 0.9
    assert abs(result.first_share["a"] + result.first_share["b"] - 1.0) < 0.01  # level means are rare here


def test_the_figures_are_reproducible_and_seeded_by_year_and_category():
    scores = {"j1": {"a": 80, "b": 70}, "j2": {"a": 62, "b": 71}, "j3": {"a": 75, "b": 74}}
    first = robustness_of(scores)
    assert robustness_of(scores) == first
    assert seed_of(2027, "C1") != seed_of(2027, "C2") != seed_of(2028, "C1")
    others = {robustness_of(scores, year=y, category=c).leader_share for y, c in [(2028, "C1"), (2027, "C2"), (2029, "C9")]}
    assert others != {first.leader_share}  # another seed, other draws (but close figures)
    assert all(abs(share - first.leader_share) < 0.1 for share in others)


def test_the_threshold_decides_the_tie():
    scores = {"j1": {"a": 90, "b": 10}, "j2": {"a": 90, "b": 10}, "j3": {"a": 90, "b": 10}, "j4": {"a": 10, "b": 90}}
    share = robustness_of(scores).leader_share
    assert robustness_of(scores, threshold=share).statistical_tie is False
    assert robustness_of(scores, threshold=min(1.0, share + 0.001)).statistical_tie is True


def test_level_leaders_each_count_as_first():
    result = robustness_of({"j1": {"a": 70, "b": 70}, "j2": {"a": 70, "b": 70}})
    assert result.first_share == {"a": 1.0, "b": 1.0} and result.statistical_tie is False


def test_empty_and_unscored_panels():
    assert robustness_of({}).leader_share is None
    projects = [ProjectRef("a", "a")]
    result = bootstrap(rank_projects(projects, []), [], 2027, "C1")
    assert (result.leader_share, result.statistical_tie, result.first_share) == (None, False, {})


def test_a_project_some_judges_skipped_is_out_of_the_resamples_without_them():
    # only j1 scored c (very high): c is first exactly when j1 is drawn — 1 - (2/3)^3 ≈ 0.704
    result = robustness_of({"j1": {"a": 50, "c": 99}, "j2": {"a": 60}, "j3": {"a": 55}})
    assert abs(result.first_share["c"] - (1 - (2 / 3) ** 3)) < 0.05
    assert abs(result.first_share["a"] - (2 / 3) ** 3) < 0.05
