"""The scoring maths and the other pure rules of judging, with exact values and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.rules import (
    DEFAULT_CRITERIA,
    ConflictFacts,
    Criterion,
    ProjectRef,
    Sheet,
    automatic_conflict,
    judge_stats,
    krippendorff_alpha_interval,
    normalise,
    rank_projects,
    rubric_errors,
    sheet_errors,
    weighted_total,
)

# --- weighted totals -------------------------------------------------------------------------


def test_the_default_rubric_is_the_contests_eight_criteria_equally_weighted_on_1_to_10():
    assert [(c.key, c.weight, c.min, c.max) for c in DEFAULT_CRITERIA] == [
        ("action_line", 1.0, 1, 10), ("impact", 1.0, 1, 10), ("empowerment", 1.0, 1, 10), ("sdgs", 1.0, 1, 10),
        ("replication", 1.0, 1, 10), ("sustainability", 1.0, 1, 10), ("partnerships", 1.0, 1, 10),
        ("wsis_values", 1.0, 1, 10),
    ]


def test_a_weighted_total_is_a_weighted_mean_out_of_100_across_scales():
    criteria = [Criterion("a", "A", weight=2, min=1, max=10), Criterion("b", "B", weight=1, min=0, max=4)]
    # a: (7 - 1) / 9 = 2/3, b: 3/4; (2 * 2/3 + 3/4) / 3 = 25/36
    assert weighted_total({"a": 7, "b": 3}, criteria) == pytest.approx(2500 / 36)
    assert weighted_total({"a": 10, "b": 4}, criteria) == 100
    assert weighted_total({"a": 1, "b": 0}, criteria) == 0
    assert weighted_total({"a": 7}, criteria) is None  # incomplete


# --- sheets and rubrics ------------------------------------------------------------------------


def test_sheet_errors_name_each_criterion():
    criteria = [Criterion("impact", "Impact", min=1, max=10), Criterion("reach", "Reach", min=0, max=5)]
    errors = sheet_errors({"impact": 11, "bogus": 3, "reach": 2.5}, criteria, complete=False)
    assert [e.key for e in errors] == ["scores.impact", "scores.bogus", "scores.reach"]
    assert errors[0].message == "Enter a whole number from 1 to 10."
    assert errors[1].message == "There is no criterion bogus in this rubric."
    # a draft may leave criteria empty; a submission may not
    assert sheet_errors({"impact": 4, "reach": None}, criteria, complete=False) == []
    assert [e.key for e in sheet_errors({"impact": 4, "reach": None}, criteria, complete=True)] == ["scores.reach"]
    assert sheet_errors({"impact": 1, "reach": 5.0}, criteria, complete=True) == []
    assert [e.key for e in sheet_errors({"impact": True, "reach": 0}, criteria, complete=True)] == ["scores.impact"]


def test_rubric_errors_name_each_field():
    errors = rubric_errors([
        {"key": "impact", "title": "Impact", "weight": 1, "min": 1, "max": 10},
        {"key": "impact", "title": "", "weight": 0, "min": 5, "max": 5},
        {"key": "Bad Key", "title": "x", "weight": 1.5, "min": 0, "max": 101},
    ])
    assert [e.key for e in errors] == ["criteria.1.key", "criteria.1.title", "criteria.1.weight", "criteria.1.max",
                                       "criteria.2.key", "criteria.2.max"]
    assert [e.key for e in rubric_errors([])] == ["criteria"]


# --- automatic conflicts -------------------------------------------------------------------------


def facts(judge="judge@who.int", owner="owner@health.go.ke", contact="amina@health.go.ke", judge_id=1, owner_id=2):
    return ConflictFacts(judge_id, judge, owner_id, owner, contact)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (facts(), None),
        (facts(judge_id=2), "owner"),
        (facts(judge="Amina@Health.go.ke"), "contact"),
        (facts(judge="someone@health.go.ke"), "domain"),  # the contact's organisation
        (facts(judge="someone@health.go.ke", contact="amina@gmail.com"), "domain"),  # the submitter's
        (facts(judge="someone@moh.health.go.ke"), "domain"),  # a subdomain of it
        (facts(judge="someone@gmail.com", owner="owner@gmail.com", contact="c@gmail.com"), None),  # public mail
        (facts(judge="someone@go.ke.example"), None),
        # registrable domains, by the public-suffix list: a public suffix names no organisation
        (facts(judge="x@gov.uk", owner="o@health.gov.uk", contact="c@nhs.gov.uk"), None),
        (facts(judge="j@health.gov.uk", owner="o@gov.uk", contact="c@gov.uk"), None),
        (facts(judge="b@health.gov.uk", owner="o@gmail.com", contact="a@health.gov.uk"), "domain"),
        (facts(judge="b@clinic.health.gov.uk", owner="o@gmail.com", contact="a@health.gov.uk"), "domain"),
        (facts(judge="b@health.gov.uk", owner="o@gmail.com", contact="a@education.gov.uk"), None),
        (facts(judge="j@co.uk", owner="o@acme.co.uk", contact="c@acme.co.uk"), None),
        (facts(judge="j@mail.gmail.com", owner="o@gmail.com", contact="c@gmail.com"), None),  # a provider still
        (facts(judge="j@localhost", owner="o@localhost", contact="c@localhost"), None),
    ],
)
def test_automatic_conflicts(given, expected):
    assert automatic_conflict(given) == expected


# --- normalisation -------------------------------------------------------------------------------


def test_normalisation_removes_a_judges_severity():
    sheets = [Sheet("harsh", "p1", 40), Sheet("harsh", "p2", 60), Sheet("lenient", "p1", 70), Sheet("lenient", "p2", 90)]
    # grand mean 65, pooled sd 10; each judge: -1 and +1 standard deviation
    assert normalise(sheets) == {("harsh", "p1"): 55, ("harsh", "p2"): 75, ("lenient", "p1"): 55, ("lenient", "p2"): 75}


def test_a_constant_judge_or_a_single_sheet_counts_as_the_panel_mean():
    sheets = [Sheet("a", "p1", 40), Sheet("a", "p2", 80), Sheet("flat", "p1", 70), Sheet("flat", "p2", 70),
              Sheet("once", "p1", 10)]
    normalised = normalise(sheets)
    mean = (40 + 80 + 70 + 70 + 10) / 5
    assert normalised[("flat", "p1")] == normalised[("flat", "p2")] == normalised[("once", "p1")] == mean
    assert normalised[("a", "p1")] == pytest.approx(mean - 20) and normalised[("a", "p2")] == pytest.approx(mean + 20)


def test_normalisation_can_change_an_outcome_and_the_ranking_shows_both():
    # A harsh judge scored P and Q, a lenient one Q and R: raw means favour R, which only the
    # lenient judge saw, and the lenient judge liked it least.
    sheets = [Sheet("harsh", "P", 50), Sheet("harsh", "Q", 30), Sheet("lenient", "Q", 90), Sheet("lenient", "R", 70)]
    ranking = rank_projects([ProjectRef("P", "P"), ProjectRef("Q", "Q"), ProjectRef("R", "R")], sheets)
    assert [(p.id, p.mean, p.normalised_mean, p.rank, p.normalised_rank) for p in ranking.items] == [
        ("R", 70.0, 50.0, 1, 3),
        ("Q", 60.0, 60.0, 2, 2),
        ("P", 50.0, 70.0, 3, 1),
    ]


# --- a whole ranking, exact ----------------------------------------------------------------------


def test_a_ranking_with_exact_values_and_the_tie_break_rule():
    sheets = [
        Sheet("a", "p1", 80), Sheet("b", "p1", 70), Sheet("c", "p1", 60),
        Sheet("a", "p2", 70), Sheet("b", "p2", 70), Sheet("c", "p2", 70),
        Sheet("a", "p3", 90), Sheet("b", "p3", 50),
        Sheet("a", "p4", 40), Sheet("b", "p4", 60), Sheet("c", "p4", 50),
    ]
    projects = [ProjectRef("p1", "One"), ProjectRef("p2", "Two"), ProjectRef("p3", "Three"), ProjectRef("p4", "Four"),
                ProjectRef("p5", "Five")]
    ranking = rank_projects(projects, sheets)
    # p1, p2 and p3 all have a mean and a median of 70: p2 and p1 have more judges than p3,
    # and p2's smaller spread puts it first. Nobody scored p5: last, unranked.
    assert [(p.id, p.judges, p.mean, p.median, p.spread, p.normalised_mean, p.rank, p.normalised_rank)
            for p in ranking.items] == [
        ("p2", 3, 70.0, 70.0, 0.0, 73.57, 1, 1),
        ("p1", 3, 70.0, 70.0, 8.16, 70.65, 2, 2),
        ("p3", 2, 70.0, 70.0, 20.0, 61.76, 3, 3),
        ("p4", 3, 50.0, 50.0, 8.16, 51.27, 4, 4),
        ("p5", 0, None, None, None, None, None, None),
    ]
    assert ranking.agreement == 0.035
    assert [(j.judge, j.sheets, round(j.departure, 2), j.severity, j.outlier) for j in ranking.judges] == [
        ("b", 4, 14.69, -6.25, False), ("a", 4, 14.51, 10.0, False), ("c", 3, 7.48, -5.0, False),
    ]


def test_projects_equal_on_every_measure_share_the_rank():
    sheets = [Sheet("a", "x", 60), Sheet("b", "x", 80), Sheet("a", "y", 80), Sheet("b", "y", 60), Sheet("a", "z", 90),
              Sheet("b", "z", 90)]
    ranking = rank_projects([ProjectRef("x", "Xylophone"), ProjectRef("y", "Yak"), ProjectRef("z", "Zebra")], sheets)
    assert [(p.title, p.rank) for p in ranking.items] == [("Zebra", 1), ("Xylophone", 2), ("Yak", 2)]


# --- agreement and outliers ---------------------------------------------------------------------


def test_krippendorffs_alpha_matches_the_published_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12
    # units, missing values; alpha (interval) = 0.849.
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [[row[i] for row in rows if row[i] is not None] for i in range(12)]
    assert round(krippendorff_alpha_interval(units), 3) == 0.849
    assert krippendorff_alpha_interval([[1, 1], [5, 5]]) == 1.0
    assert krippendorff_alpha_interval([[3, 3], [3, 3]]) is None  # no variation: undefined
    assert krippendorff_alpha_interval([[3]]) is None


def test_the_judge_who_reverses_the_panels_order_is_the_outlier():
    totals = [10, 20, 30, 40, 50]
    sheets = [Sheet(j, f"p{i}", t) for j in ("a", "b", "c") for i, t in enumerate(totals)]
    sheets += [Sheet("d", f"p{i}", t) for i, t in enumerate(reversed(totals))]
    stats = {s.judge: s for s in judge_stats(sheets, normalise(sheets))}
    assert round(stats["d"].departure, 6) == 24.0 and stats["d"].outlier
    assert [round(stats[j].departure, 6) for j in "abc"] == [8.0, 8.0, 8.0]
    assert not any(stats[j].outlier for j in "abc")
    ranking = rank_projects([ProjectRef(f"p{i}", f"P{i}") for i in range(5)], sheets)
    assert [j.judge for j in ranking.outliers] == ["d"]


# --- properties ----------------------------------------------------------------------------------

judges = st.sampled_from(["a", "b", "c", "d", "e"])
projects = st.sampled_from([f"p{i}" for i in range(8)])
totals = st.integers(min_value=0, max_value=100).map(float)


@st.composite
def panels(draw, min_sheets=1):
    """Sheets of a panel: at most one per judge and project, integer totals."""
    pairs = draw(st.lists(st.tuples(judges, projects), min_size=min_sheets, max_size=30, unique=True))
    return [Sheet(j, p, draw(totals)) for j, p in pairs]


@settings(max_examples=300, deadline=None)
@given(panels())
def test_normalisation_keeps_the_order_of_each_judges_totals(sheets):
    normalised = normalise(sheets)
    assert all(math.isfinite(v) for v in normalised.values())
    for a in sheets:
        for b in sheets:
            if a.judge == b.judge and a.total < b.total:
                assert normalised[(a.judge, a.project)] < normalised[(b.judge, b.project)]
            if a.judge == b.judge and a.total == b.total:
                assert normalised[(a.judge, a.project)] == normalised[(b.judge, b.project)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(totals, min_size=3, max_size=3), min_size=2, max_size=8), totals)
def test_a_constant_judge_does_not_break_normalisation(rows, constant):
    """A full panel of three judges, then the same with a fourth judge who gives every project
    the same total: nothing is infinite or undefined, and the normalised means keep their order."""
    ids = [f"p{i}" for i in range(len(rows))]
    sheets = [Sheet(j, pid, row[k]) for pid, row in zip(ids, rows) for k, j in enumerate("abc")]
    with_constant = sheets + [Sheet("flat", pid, constant) for pid in ids]
    refs = [ProjectRef(pid, pid) for pid in ids]
    before = {p.id: p.normalised_mean for p in rank_projects(refs, sheets).items}
    after_ranking = rank_projects(refs, with_constant)
    after = {p.id: p.normalised_mean for p in after_ranking.items}
    assert all(v is not None and math.isfinite(v) for v in after.values())
    exact_before = _normalised_means(sheets)
    exact_after = _normalised_means(with_constant)
    for x in ids:
        for y in ids:
            if exact_before[x] < exact_before[y] - 1e-9:
                assert exact_after[x] < exact_after[y]
    assert set(before) == set(after)


def _normalised_means(sheets):
    normalised = normalise(sheets)
    by: dict[str, list[float]] = {}
    for (judge, project), value in normalised.items():
        by.setdefault(project, []).append(value)
    return {p: sum(v) / len(v) for p, v in by.items()}


def _raw_key(p):
    return (-p.mean, -p.median, -p.judges, p.spread, -p.normalised_mean)


@settings(max_examples=300, deadline=None)
@given(panels(min_sheets=2))
def test_ties_follow_the_rule(sheets):
    """Ranks are standard competition ranks by (mean, median, judges, spread, normalised mean)
    as shown: an item's rank is 1 + the number of items strictly before it by that key; equal
    keys share the rank; the list is in rank order."""
    refs = [ProjectRef(f"p{i}", f"Project {i}") for i in range(8)]
    items = [p for p in rank_projects(refs, sheets).items if p.rank is not None]
    for p in items:
        assert p.rank == 1 + sum(1 for q in items if _raw_key(q) < _raw_key(p))
        assert p.normalised_rank == 1 + sum(
            1 for q in items
            if (-q.normalised_mean, -q.median, -q.judges, q.spread, -q.mean)
            < (-p.normalised_mean, -p.median, -p.judges, p.spread, -p.mean))
    assert [p.rank for p in items] == sorted(p.rank for p in items)
