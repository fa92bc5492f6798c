"""The phase rule and the edition checks, as pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from prizes.editions.rules import DEFAULT_CATEGORIES, PHASES, PhaseWindow, default_windows, due_transitions, effective_phase, settings_errors, timeline_errors

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
CLOSES = {
    "submission": T0 + timedelta(days=1),
    "nomination": T0 + timedelta(days=2),
    "voting": T0 + timedelta(days=3),
    "selection": T0 + timedelta(days=4),
    "announcement": T0 + timedelta(days=5),
}


def test_phase_holds_until_its_closing_instant():
    assert effective_phase("submission", T0, CLOSES, CLOSES["submission"] - timedelta(microseconds=1)) == "submission"


def test_deadline_is_strict_to_the_instant():
    assert effective_phase("submission", T0, CLOSES, CLOSES["submission"]) == "nomination"


def test_several_closing_instants_passed_move_several_phases():
    assert effective_phase("submission", T0, CLOSES, CLOSES["voting"] + timedelta(seconds=1)) == "selection"
    assert due_transitions("submission", T0, CLOSES, CLOSES["voting"]) == [
        ("submission", "nomination", CLOSES["submission"]),
        ("nomination", "voting", CLOSES["nomination"]),
        ("voting", "selection", CLOSES["voting"]),
    ]


def test_announcement_is_the_last_phase():
    later = CLOSES["announcement"] + timedelta(days=400)
    assert effective_phase("announcement", T0, CLOSES, later) == "announcement"


def test_a_phase_staff_moved_back_to_after_its_deadline_is_not_moved_on_again():
    moved_back_at = CLOSES["submission"] + timedelta(hours=3)
    assert effective_phase("submission", moved_back_at, CLOSES, moved_back_at + timedelta(hours=1)) == "submission"


def test_a_phase_moved_back_moves_on_at_a_new_closing_instant():
    moved_back_at = CLOSES["submission"] + timedelta(hours=3)
    extended = dict(CLOSES, submission=moved_back_at + timedelta(hours=2))
    assert effective_phase("submission", moved_back_at, extended, moved_back_at + timedelta(hours=2)) == "nomination"


def test_timeline_must_be_ordered():
    good = [PhaseWindow(n, T0 + timedelta(days=i), T0 + timedelta(days=i + 1)) for i, n in enumerate(PHASES)]
    assert timeline_errors(good) == []
    inverted = [PhaseWindow("submission", T0 + timedelta(days=1), T0)] + good[1:]
    assert [e.key for e in timeline_errors(inverted)] == ["phases.submission.closes_at"]
    overlapping = good[:1] + [PhaseWindow("nomination", T0, T0 + timedelta(days=2))] + good[2:]
    assert [e.key for e in timeline_errors(overlapping)] == ["phases.nomination.opens_at"]


@pytest.mark.parametrize(
    ("settings", "keys"),
    [
        ({"shortlist_size": 5}, []),
        ({"shortlist_size": 0}, ["settings.shortlist_size"]),
        ({"shortlist_size": True}, ["settings.shortlist_size"]),
        ({"public_tallies": "yes"}, ["settings.public_tallies"]),
        ({"duplicate_threshold": 0.2}, ["settings.duplicate_threshold"]),
        ({"winners_per_category": 3}, ["settings.winners_per_category"]),
        ({"short_description_min_words": 300, "short_description_max_words": 200}, ["settings.short_description_max_words"]),
        ({"nonsense": 1}, ["settings.nonsense"]),
    ],
)
def test_settings_are_checked(settings, keys):
    assert [e.key for e in settings_errors(settings)] == keys


def test_default_dates_surround_today_and_close_at_23_00_local():
    now = datetime(2026, 11, 22, 19, 0, tzinfo=timezone.utc)
    windows = default_windows(now, "Europe/Zurich")
    assert [w.name for w in windows] == list(PHASES)
    assert windows[0].opens_at < now < windows[0].closes_at
    assert timeline_errors(windows) == []
    assert windows[0].closes_at.astimezone().strftime("%H:%M") in {"22:00", "21:00"}  # 23:00 CET / CEST


def test_the_18_categories_of_recent_editions():
    codes = [code for code, _title in DEFAULT_CATEGORIES]
    assert len(codes) == 18 == len(set(codes))
    assert codes[6:14] == [f"C7.{i}" for i in range(1, 9)]
