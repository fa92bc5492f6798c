"""The audit log in words: every kind of entry has a describer, filters, paging, the CSV."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from core import audit
from core.audit import Actor
from core.tables import AuditEntry
from reports.console.labels import DESCRIBERS, describe
from tests.factories import make_user, signed_in

ROOT = Path(__file__).resolve().parents[2]
# `record(actor, "kind", ...)`, over several lines too
RECORD = re.compile(r"\brecord\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*\"([a-z_.]+)\"", re.S)


def recorded_kinds() -> set[str]:
    kinds = set()
    for package in ("accounts", "prizes", "judging", "voting", "reports", "core"):
        for path in (ROOT / package).rglob("*.py"):
            kinds.update(RECORD.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "main.py", ROOT / "cli.py"):
        kinds.update(RECORD.findall(path.read_text(encoding="utf-8")))
    return kinds


def test_every_kind_of_audit_entry_in_the_source_has_a_describer():
    kinds = recorded_kinds()
    assert {"edition.phase", "edition.winners", "role.grant", "account.suspend", "votes.void"} <= kinds
    assert sorted(kinds - set(DESCRIBERS)) == []


def test_the_grep_sees_a_multiline_call_and_a_system_actor():
    sample = 'await audit.record(\n    Actor.system(),\n    "edition.phase",\n    f"edition:1")'
    assert RECORD.findall(sample) == ["edition.phase"]


def test_describers_say_the_entry_in_words_and_survive_odd_details():
    entry = {"actor": "Alice Martin", "action": "edition.winners", "subject": "edition:2026",
             "details": {"C7.4": ["a1"], "C1": []}}
    assert describe(entry, {"a1": "Clinic reminders"}) == "Alice Martin set the winners of C1: none; C7.4: “Clinic reminders”"
    approved = {"actor": "Bob", "action": "edition.publish_approve", "subject": "edition:2026",
                "details": {"requested_by": "alice@example.org", "release_at": "2026-12-01T10:00:00+00:00"}}
    assert describe(approved, {}) == "Bob approved the publication asked by alice@example.org"
    assert describe({"actor": "Alice", "action": "edition.publish_request", "details": {"release_at": None}}, {}) == (
        "Alice asked to publish the results")
    for kind in DESCRIBERS:
        for details in ({}, {"round": 3, "judges": None, "count": "x", "finalists": [], "C1": "x"}):
            text = describe({"actor": "A", "action": kind, "subject": "", "details": details}, {})
            assert isinstance(text, str) and text


async def _record_at(at, actor, action, subject, details) -> None:
    """An entry dated in the past, chained like `audit.record` chains (the log refuses UPDATE)."""
    text = json.dumps(details, sort_keys=True)
    head = await audit.head() or ""
    digest = audit.chain_hash(head, audit.canonical(at, actor.id, actor.email, action, subject, "", text))
    await AuditEntry.insert(AuditEntry(at=at, actor_id=actor.id, actor_email=actor.email, action=action, subject=subject,
                                       reason="", details=text, prev_hash=head, hash=digest))


async def test_the_audit_api_filters_pages_and_says_each_entry_in_words(app, client):
    alice = await make_user(app, "alice@example.org", display_name="Alice Martin", roles=("staff",))
    # The log is append-only: the edition's creation at start-up stays (the oldest but one).
    old = datetime(2026, 1, 10, 12, tzinfo=timezone.utc)
    await audit.record(alice.as_actor(), "edition.publish", "edition:2026", "", {"winners": 18, "champions": 72})
    await audit.record(Actor.system(), "edition.phase", "edition:2026", "closed", {"from": "voting", "to": "selection",
                                                                                   "automatic": True})
    await audit.record(alice.as_actor(), "role.grant", "account:x", "Expert", {"email": "k@example.org", "role": "judge"})
    await _record_at(old, alice.as_actor(), "judging.assign", "judging:2025", {"email": "k@example.org", "category": "C1"})
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        page = (await staff.get("/api/audit")).json()
        assert page["total"] == 5 and page["offset"] == 0
        assert [i["action"] for i in page["items"]] == ["role.grant", "edition.phase", "edition.publish", "edition.create",
                                                        "judging.assign"]
        first = page["items"][0]
        assert set(first) == {"id", "at", "actor", "actor_email", "action", "summary", "reason", "object", "details"}
        assert first["summary"] == "Alice Martin granted the judge role to k@example.org" and first["reason"] == "Expert"
        by_edition = (await staff.get("/api/audit", params={"edition": "2026"})).json()
        assert [i["action"] for i in by_edition["items"]] == ["edition.phase", "edition.publish", "edition.create"]
        assert by_edition["items"][0]["summary"] == "The Online voting phase closed; the Selection phase began"
        assert by_edition["items"][0]["actor"] == "The system"
        assert (await staff.get("/api/audit", params={"kind": "edition"})).json()["total"] == 3
        assert (await staff.get("/api/audit", params={"kind": "edition.publish"})).json()["total"] == 1
        assert (await staff.get("/api/audit", params={"actor": "ALICE@example.org"})).json()["total"] == 3
        dated = (await staff.get("/api/audit", params={"since": "2026-01-10", "until": "2026-01-10"})).json()
        assert [i["action"] for i in dated["items"]] == ["judging.assign"]
        paged = (await staff.get("/api/audit", params={"offset": 1, "limit": 2})).json()
        assert [i["action"] for i in paged["items"]] == ["edition.phase", "edition.publish"]
        for params, key in (({"since": "yesterday"}, "since"), ({"until": "2026-13-01"}, "until"),
                            ({"edition": "twenty"}, "edition"), ({"edition": str(10**30)}, "edition")):
            bad = await staff.get("/api/audit", params=params)
            assert bad.status_code == 400 and [e["key"] for e in bad.json()["extra"]] == [key], bad.text
        html = await staff.get("/staff/audit", params={"edition": "2026"})
        assert html.status_code == 200 and "Alice Martin published the results: 18 winners, 72 champions" in html.text
        staff.http.cookies.set("lang", "fr")
        french = await staff.get("/staff/audit", params={"edition": "2026"})
        assert french.status_code == 200 and "Alice Martin a publié les résultats : 18 lauréats, 72 champions" in french.text


async def test_the_audit_csv_is_formula_safe(app, client):
    alice = await make_user(app, "alice@example.org", display_name="=HYPERLINK(\"x\")", roles=("staff",))
    await audit.record(alice.as_actor(), "role.grant", "account:x", "=1+1", {"email": "k@example.org", "role": "judge"})
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        response = await staff.get("/staff/audit.csv", params={"kind": "role"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        lines = response.text.splitlines()
        assert lines[0] == "at,actor,actor_email,action,summary,reason,object,details"
        assert "'=1+1" in lines[1] and "'=HYPERLINK" in lines[1]
        assert (await staff.get("/staff/audit.csv", params={"since": "bad"})).status_code == 400


async def test_the_audit_page_lists_entries_of_a_real_action_newest_first(app, client):
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        year = (await client.get("/api/editions/current")).json()["year"]
        for size in ("6", "7"):
            form = {"shortlist_size": size, "reason": f"size {size}", "_csrf_token": await staff.csrf()}
            assert (await staff.post(f"/staff/editions/{year}/settings", data=form, csrf=False)).status_code == 303
        page = await staff.get("/staff/audit", params={"kind": "edition.update"})
        text = page.text
        assert text.index("size 7") < text.index("size 6")
        assert "changed the settings (shortlist_size)" in text


async def test_starting_a_book_build_is_audited_with_who_and_which_edition(app, client):
    from accounts.tables import User

    async with await signed_in(app, "alice@example.org", roles=("staff",)) as alice:
        await User.update({User.display_name: "Alice Martin"}).where(User.email_key == "alice@example.org")
        year = (await client.get("/api/editions/current")).json()["year"]
        for _ in range(2):  # the second asks while the first runs: it starts nothing, records nothing
            started = await alice.post(f"/staff/reports/{year}/build", data={"_csrf_token": await alice.csrf()},
                                       csrf=False)
            assert started.status_code == 303
        await app.state["books"].wait(year)
        assert (await alice.post("/staff/reports/2099/build", data={"_csrf_token": await alice.csrf()},
                                 csrf=False)).status_code == 404
        page = (await alice.get("/api/audit", params={"kind": "edition.book_build"})).json()
        assert page["total"] == 1, page
        entry = page["items"][0]
        assert entry["actor_email"] == "alice@example.org" and entry["details"] == {"year": year}
        assert entry["summary"] == f"Alice Martin started building the Success Stories book of {year}"
        assert [i["action"] for i in (await alice.get("/api/audit", params={"edition": str(year)})).json()["items"]
                ][0] == "edition.book_build"
        html = await alice.get("/staff/audit", params={"kind": "edition"})
        assert f"Alice Martin started building the Success Stories book of {year}" in html.text
        alice.http.cookies.set("lang", "fr")
        french = await alice.get("/staff/audit", params={"kind": "edition.book_build"})
        assert f"Alice Martin a lancé la génération du recueil « Exemples de réussite » {year}" in french.text
