"""Editions through the API: the current edition, staff actions, the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.tables import AuditEntry
from prizes.editions.tables import Category, Edition, EditionPhase
from tests.factories import signed_in

CODES = ["C1", "C2", "C3", "C4", "C5", "C6", "C7.1", "C7.2", "C7.3", "C7.4", "C7.5", "C7.6", "C7.7", "C7.8",
         "C8", "C9", "C10", "C11"]


async def test_a_new_installation_has_the_current_edition_with_18_categories(client):
    response = await client.get("/api/editions/current")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == datetime.now(timezone.utc).year
    assert body["phase"] == "submission"
    assert body["time_zone"] == "Europe/Zurich"
    assert [c["code"] for c in body["categories"]] == CODES
    assert {k: body["categories"][9][k] for k in ("code", "title")} == {"code": "C7.4", "title": "ICT applications: e-health"}
    assert [p["name"] for p in body["phases"]] == ["submission", "nomination", "voting", "selection", "announcement"]
    assert all(p["opens_at"].endswith("Z") and p["closes_at"].endswith("Z") for p in body["phases"])
    assert body["settings"]["shortlist_size"] == 5
    assert body["settings"]["public_tallies"] is False
    assert body["settings"]["complete_ballots"] is False
    assert body["settings"]["min_words"] == 50
    assert response.cookies.get("csrftoken") or client.http.cookies.get("csrftoken")


async def test_seeding_is_idempotent(app, client):
    from core.clock import utcnow
    from prizes.editions.services import ensure_current_edition

    assert await ensure_current_edition(utcnow()) is False
    assert await Edition.count() == 1
    assert await Category.count() == 18


async def test_unknown_year_is_404(client):
    response = await client.get("/api/editions/2099")
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


async def test_staff_moves_the_phase_with_a_reason_and_it_is_audited(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "voting", "reason": "jury ready early"})
        assert response.status_code == 200
        assert response.json()["phase"] == "voting"
    assert (await client.get("/api/editions/current")).json()["phase"] == "voting"
    entry = await AuditEntry.select().where(AuditEntry.action == "edition.phase").first().output(load_json=True)
    assert entry["actor_email"] == "staff@example.org"
    assert entry["reason"] == "jury ready early"
    assert entry["details"] == {"from": "submission", "to": "voting"}
    assert entry["subject"] == f"edition:{year}"


async def test_moving_the_phase_backwards_is_allowed(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        await staff.put(f"/api/editions/{year}/phase", json={"phase": "selection", "reason": "r1"})
        response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "nomination", "reason": "r2"})
        assert response.json()["phase"] == "nomination"


async def test_phase_move_needs_a_known_phase_and_a_reason(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "party", "reason": "  "})
        assert response.status_code == 422
        assert sorted(e["key"] for e in response.json()["extra"]) == ["phase", "reason"]
        response = await staff.put(f"/api/editions/{year}/phase", json={"phase": "voting"})
        assert response.status_code == 422
        assert [e["key"] for e in response.json()["extra"]] == ["reason"]
    assert (await client.get("/api/editions/current")).json()["phase"] == "submission"
    assert await AuditEntry.count().where(AuditEntry.action == "edition.phase") == 0


async def test_staff_change_dates_settings_and_titles_in_one_audited_patch(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        body = (await staff.get(f"/api/editions/{year}")).json()
        closes = body["phases"][0]["closes_at"]
        new_close = "2031-01-10T22:00:00Z"
        response = await staff.patch(
            f"/api/editions/{year}",
            json={
                "phases": [
                    {"name": "submission", "closes_at": "2030-12-31T22:00:00Z"},
                    {"name": "nomination", "opens_at": "2030-12-31T22:00:00Z", "closes_at": new_close},
                    {"name": "voting", "opens_at": new_close, "closes_at": "2031-02-10T22:00:00Z"},
                    {"name": "selection", "opens_at": "2031-02-10T22:00:00Z", "closes_at": "2031-03-10T22:00:00Z"},
                    {"name": "announcement", "opens_at": "2031-03-10T22:00:00Z", "closes_at": "2032-03-10T22:00:00Z"},
                ],
                "settings": {"shortlist_size": 3, "public_tallies": True},
                "categories": [{"code": "C9", "title": "Media and journalism"}],
                "reason": "new calendar",
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["phases"][0]["closes_at"] == "2030-12-31T22:00:00Z"
        assert body["settings"]["shortlist_size"] == 3
        assert body["settings"]["public_tallies"] is True
        assert {"code": "C9", "title": "Media and journalism"} in [{"code": c["code"], "title": c["title"]}
                                                                   for c in body["categories"]]
        assert closes != body["phases"][0]["closes_at"]
    entry = await AuditEntry.select().where(AuditEntry.action == "edition.update").first().output(load_json=True)
    assert entry["reason"] == "new calendar"
    assert entry["details"]["settings"] == {"shortlist_size": {"from": 5, "to": 3}, "public_tallies": {"from": False, "to": True}}
    assert entry["details"]["categories"]["C9"]["to"] == "Media and journalism"
    assert set(entry["details"]["phases"]) == {"submission", "nomination", "voting", "selection", "announcement"}


async def test_naive_dates_are_read_in_the_edition_time_zone(app, client):
    from zoneinfo import ZoneInfo

    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        phases = (await staff.get(f"/api/editions/{year}")).json()["phases"]
        closes = datetime.fromisoformat(phases[0]["closes_at"].replace("Z", "+00:00"))
        local_day = closes.astimezone(ZoneInfo("Europe/Zurich")).date()
        naive = f"{local_day.isoformat()}T22:30:00"
        response = await staff.patch(
            f"/api/editions/{year}", json={"phases": [{"name": "submission", "closes_at": naive}], "reason": "earlier"}
        )
        assert response.status_code == 200, response.text
        expected = datetime.fromisoformat(naive).replace(tzinfo=ZoneInfo("Europe/Zurich")).astimezone(timezone.utc)
        assert response.json()["phases"][0]["closes_at"] == expected.isoformat().replace("+00:00", "Z")


async def test_an_invalid_patch_changes_nothing(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    before = (await client.get(f"/api/editions/{year}")).json()
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        response = await staff.patch(
            f"/api/editions/{year}",
            json={
                "settings": {"shortlist_size": 7, "duplicate_threshold": 3.0},
                "categories": [{"code": "C1", "title": "A new title"}, {"code": "C99", "title": "Nope"}],
                "phases": [{"name": "voting", "opens_at": "2030-01-01T00:00:00Z", "closes_at": "2029-01-01T00:00:00Z"}],
                "time_zone": "Mars/Olympus_Mons",
            },
        )
        assert response.status_code == 422
        keys = sorted(e["key"] for e in response.json()["extra"])
        assert "settings.duplicate_threshold" in keys
        assert "categories.1.code" in keys
        assert "phases.voting.closes_at" in keys
        assert "time_zone" in keys
    assert (await client.get(f"/api/editions/{year}")).json() == before
    assert await AuditEntry.count().where(AuditEntry.action == "edition.update") == 0


async def test_staff_create_next_edition_copied_from_the_latest(app, client):
    current = (await client.get("/api/editions/current")).json()
    year = current["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        await staff.patch(f"/api/editions/{year}", json={"settings": {"shortlist_size": 4}, "categories": [{"code": "C9", "title": "Media!"}]})
        response = await staff.post("/api/editions", json={"year": year + 1})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["year"] == year + 1
        assert body["phase"] == "submission"
        assert body["settings"]["shortlist_size"] == 4
        assert len(body["categories"]) == 18
        assert {"code": "C9", "title": "Media!"} in [{"code": c["code"], "title": c["title"]} for c in body["categories"]]
        old_close = datetime.fromisoformat(current["phases"][0]["closes_at"].replace("Z", "+00:00"))
        new_close = datetime.fromisoformat(body["phases"][0]["closes_at"].replace("Z", "+00:00"))
        assert timedelta(days=360) < new_close - old_close < timedelta(days=370)
        duplicate = await staff.post("/api/editions", json={"year": year + 1})
        assert duplicate.status_code == 409
        assert duplicate.json()["extra"][0]["key"] == "year"
    # next year's edition has not opened yet: the current edition is still this year's,
    # and both stay readable
    assert (await client.get("/api/editions/current")).json()["year"] == year
    assert (await client.get(f"/api/editions/{year + 1}")).status_code == 200
    assert await EditionPhase.count() == 10


async def test_an_edition_becomes_current_when_its_submission_opens(app, client):
    year = (await client.get("/api/editions/current")).json()["year"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        await staff.post("/api/editions", json={"year": year + 1})
        body = (await staff.get(f"/api/editions/{year + 1}")).json()
        opened = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        response = await staff.patch(f"/api/editions/{year + 1}", json={"phases": [{"name": "submission", "opens_at": opened}]})
        assert response.status_code == 200, response.text
    assert (await client.get("/api/editions/current")).json()["year"] == year + 1
    assert body["year"] == year + 1


async def test_the_edition_cache_forgets_at_once_what_this_process_changed(settings):
    from main import create_app
    from tests.factories import ApiClient, make_user

    app = create_app(settings.replace(edition_cache_seconds=60))
    async with ApiClient.for_app(app) as api:
        year = (await api.get("/api/editions/current")).json()["year"]
        await make_user(app, "staff@example.org", roles=("staff",))
        await api.sign_in("staff@example.org")
        await api.put(f"/api/editions/{year}/phase", json={"phase": "voting", "reason": "cache"})
        assert (await api.get("/api/editions/current")).json()["phase"] == "voting"
        # a change made behind this process's back shows once the cache expires (not here)
        await Edition.update({Edition.phase: "selection"}).where(Edition.year == year)
        assert (await api.get("/api/editions/current")).json()["phase"] == "voting"
