"""Pure rules of voting: the shortlist and its tie rule, bursts against a project's own
baseline, signal ids, disposable domains, receipts, the badge, and Redis keys that keep each
atomic step in one Redis Cluster slot."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from redis.crc import key_slot

from voting.badge import badge_svg
from voting.keys import tally_keys
from voting.rules import (
    Standing,
    find_bursts,
    is_disposable,
    new_receipt,
    parse_signal_id,
    shortlist,
    signal_id,
)


def at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=timezone.utc)


def ids(standings) -> list[str]:
    return [s.nomination_id for s in standings]


def test_the_shortlist_takes_the_most_voted_and_everyone_tied_with_the_last():
    standings = [Standing("a", 9, at(5)), Standing("b", 7, at(4)), Standing("c", 7, at(3)), Standing("d", 2, at(1))]
    assert ids(shortlist(standings, 1)) == ["a"]
    assert ids(shortlist(standings, 2)) == ["a", "c", "b"]  # b and c tied at the boundary; earliest first
    assert ids(shortlist(standings, 3)) == ["a", "c", "b"]
    assert ids(shortlist(standings, 4)) == ["a", "c", "b", "d"]
    assert ids(shortlist(standings, 10)) == ["a", "c", "b", "d"]
    assert shortlist([], 5) == []


def test_a_tie_inside_the_shortlist_changes_nothing_and_zero_votes_tie_too():
    standings = [Standing("a", 3, at(2)), Standing("b", 3, at(1)), Standing("c", 1, at(3)), Standing("d", 0, at(4)),
                 Standing("e", 0, at(5))]
    assert ids(shortlist(standings, 3)) == ["b", "a", "c"]
    assert ids(shortlist(standings, 4)) == ["b", "a", "c", "d", "e"]


def test_a_burst_is_measured_against_the_projects_own_baseline():
    hourly = {
        "busy": {h: 40 for h in range(100, 110)} | {110: 60},  # always busy: 60 is not 5 times 40
        "quiet": {100: 1, 103: 2, 105: 1, 108: 30},  # baseline (1+2+1)/8 -> 1: 30 is a burst
        "small": {100: 0, 101: 12},  # 12 votes: under the minimum of 20
        "new": {200: 25},  # a first hour of 25 votes: a burst (no baseline)
    }
    found = find_bursts(hourly)
    assert [(b.nomination_id, b.bucket, b.votes) for b in found] == [("quiet", 108, 30), ("new", 200, 25)]
    assert found[0].baseline == 0.5


def test_signal_ids_say_what_they_stand_for():
    nomination = "0f8e3a2c-1111-4222-8333-944455556666"
    assert parse_signal_id(signal_id("burst", 2026, nomination, 493000)).parts == (nomination, "493000")
    assert parse_signal_id(signal_id("network", 2026, "2001:db8:1234::/48")).parts == ("2001:db8:1234::/48",)
    assert parse_signal_id("disposable:2026:mailinator.com").kind == "disposable"
    assert parse_signal_id(f"quick:2026:{nomination}").year == 2026
    for bad in ("", "burst:2026:x:1", "quick:2026:nope", "network:year:1.2.3.0/24", "other:2026:x", "network:2026:"):
        assert parse_signal_id(bad) is None, bad


def test_disposable_domains_match_the_domain_and_its_subdomains():
    from voting.fraud import disposable_domains

    LISTED = disposable_domains()
    assert is_disposable("mailinator.com", LISTED) and is_disposable("team.mailinator.com", LISTED) and is_disposable("MAILINATOR.COM", LISTED)
    assert not is_disposable("example.org", LISTED) and not is_disposable("itu.int", LISTED) and not is_disposable("com", LISTED)


def test_receipts_are_readable_and_random():
    receipts = {new_receipt() for _ in range(1000)}
    assert len(receipts) == 1000
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}", r) for r in receipts)


def test_the_badge_escapes_every_text():
    svg = badge_svg('<script>alert(1)</script> & "quotes"\x00', 'Vote for <x> — WSIS Prizes 2026', "Vote for", "WSIS <2026>")
    assert "<script>" not in svg and "\x00" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in svg
    assert "<title id=\"badge-title\">Vote for &lt;x&gt; — WSIS Prizes 2026</title>" in svg
    assert "WSIS &lt;2026&gt;" in svg


def test_each_categorys_keys_share_one_cluster_slot_and_categories_spread():
    keys = tally_keys(2026, "C7.4")
    assert len({key_slot(k.encode()) for k in keys.all()}) == 1
    codes = ["C1", "C2", "C3", "C4", "C5", "C6", "C7.1", "C7.2", "C7.3", "C7.4", "C7.5", "C7.6", "C7.7", "C7.8",
             "C8", "C9", "C10", "C11"]
    assert len({key_slot(tally_keys(2026, code).valid.encode()) for code in codes}) == 18
