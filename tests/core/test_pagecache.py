"""Anonymous public pages kept rendered per process (core/pagecache.py): fresh on the next
request through every process after a public change, never shared between people, and
answered 304 to a matching If-None-Match."""

from __future__ import annotations

import time

import httpx
import pytest

from prizes.nominations.tables import Nomination
from tests.conftest import make_settings
from tests.factories import publish_results, set_phase, signed_in
from tests.prizes.test_images import PNG
from tests.reports.factories import add_project, year_now
from tests.servers import _env, serving

CACHED = {"PAGE_CACHE_ENTRIES": "2000", "PUBLIC_VERSION_SECONDS": "0.5", "EDITION_CACHE_SECONDS": "1",
          "PHASE_TICK_SECONDS": "0"}


@pytest.fixture
def settings(redis_url):
    return make_settings(page_cache_entries=2000, public_version_seconds=0)


def cookie_token(api) -> str:
    """The value the page's CSRF field holds for this client (Litestar puts the cookie's)."""
    return api.http.cookies["csrftoken"]


def pages(bases: list[str], path: str) -> list[httpx.Response]:
    return [httpx.get(base + path, timeout=30) for base in bases]


async def test_a_phase_move_a_photo_and_a_publication_show_on_the_next_request_through_every_process(
        app, client, staff, owner, redis_url):
    year = await year_now()
    project = await add_project(app, "C7.4", title="Clinic records", owner="owner@example.org")
    other = await add_project(app, "C1", title="Village broadband", entity_name="Other entity")
    await set_phase(app, "voting")
    env = _env(REDIS_URL=redis_url, **CACHED)
    one = ("--workers", "1", "--no-migrate")  # two processes, each of one worker: every request reaches a known one
    with serving(*one, env=env) as (first, _a), serving(*one, env=env) as (second, _b):
        bases = [first, second]
        for response in pages(bases, "/") + pages(bases, f"/projects/{project}"):
            assert response.status_code == 200 and response.headers["etag"]
            assert response.headers["cache-control"] == "public, max-age=1, stale-while-revalidate=1"
        # kept: a write that bumps nothing (straight to the table) is not seen — the pages are
        # served from each process's cache, not rendered again
        await Nomination.update({Nomination.title: "Clinic records renamed"}).where(Nomination.id == project)
        time.sleep(0.6)
        kept = pages(bases, f"/projects/{project}")
        assert all("Clinic records renamed" not in r.text and r.headers["x-cache"] == "hit" for r in kept), [
            (dict(r.headers), r.text[:3000]) for r in kept]
        assert all("in its Online voting phase" in r.text for r in pages(bases, "/"))

        await set_phase(app, "selection")  # a phase move, from another process
        time.sleep(0.6)
        assert all("in its Selection phase" in r.text for r in pages(bases, "/"))


        assert f'href="/results/{year}"' not in pages(bases, "/")[0].text
        chosen = await staff.put(f"/api/editions/{year}/winners", json={"C7.4": [project], "C1": [other]})
        assert chosen.status_code == 200, chosen.text
        await set_phase(app, "announcement")
        assert (await publish_results(app, staff, year)).status_code == 200
        time.sleep(0.6)
        assert all(f'href="/results/{year}"' in r.text for r in pages(bases, "/"))
        assert all(r.status_code == 200 and "Clinic records renamed" in r.text for r in pages(bases, f"/results/{year}"))

        # a photo (after publication only staff change what the book and the pages show)
        response = await staff.post(f"/api/nominations/{project}/images", files={"file": ("a.png", PNG, "image/png")},
                                    data={"credit": "Photo: A. Odhiambo", "caption": "At work"})
        assert response.status_code == 201, response.text
        time.sleep(0.6)
        shown = pages(bases, f"/projects/{project}")
        assert all(f'src="{response.json()["url"]}"' in r.text for r in shown)


async def test_a_change_through_a_process_shows_on_its_own_next_request_at_once(app, client, staff):
    project = await add_project(app, "C7.4", title="Clinic records", owner="owner@example.org")
    await set_phase(app, "voting")
    assert "in its Online voting phase" in (await client.get("/")).text
    year = await year_now()
    moved = await staff.put(f"/api/editions/{year}/phase", json={"phase": "selection", "reason": "early"})
    assert moved.status_code == 200, moved.text
    assert "in its Selection phase" in (await client.get("/")).text
    assert "Clinic records" in (await client.get(f"/projects/{project}")).text
    renamed = await staff.patch(f"/api/editions/{year}", json={"categories": [{"code": "C7.4", "title": "E-health <b>now</b>"}],
                                                               "reason": "shorter"})
    assert renamed.status_code == 200, renamed.text
    assert "E-health &lt;b&gt;now&lt;/b&gt;" in (await client.get(f"/projects/{project}")).text


async def test_two_people_never_see_each_others_page(app, client):
    project = await add_project(app, "C7.4", title="Clinic records", owner="owner@example.org")
    await set_phase(app, "voting")
    anonymous_before = await client.get(f"/vote/{project}")
    async with await signed_in(app, "ada@example.org") as ada, await signed_in(app, "bob@example.org") as bob:
        for path in ("/", "/projects", f"/projects/{project}", f"/vote/{project}", "/account", "/votes/mine"):
            api_of = {"ada": ada, "bob": bob}
            seen = {name: await api.get(path) for name, api in api_of.items()}
            for name, response in seen.items():
                other = "bob" if name == "ada" else "ada"
                assert response.status_code == 200, (path, response.text)
                assert f"Signed in as <bdi>{name}</bdi>" in response.text and f"<bdi>{other}</bdi>" not in response.text, path
                assert cookie_token(api_of[name]) in response.text, path  # the CSRF token of this person only
                assert response.headers["cache-control"] == "private, no-store", path
                assert "etag" not in response.headers
    anonymous_after = await client.get(f"/vote/{project}")
    for response in (anonymous_before, anonymous_after):
        assert "Signed in as" not in response.text
        assert "_csrf_token" not in response.text and "Sign in to vote" in response.text
    assert anonymous_before.headers["etag"] == anonymous_after.headers["etag"]


async def test_staff_pages_and_forms_are_never_shared(app, client, staff):
    await set_phase(app, "voting")
    for path in ("/staff/nominations", f"/staff/editions/{await year_now()}"):
        response = await staff.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == "private, no-store", path
    for path in ("/login", "/signup", "/staff/nominations"):  # a form with a CSRF token, or a guard's answer
        first, second = await client.get(path), await client.get(path)
        assert "etag" not in first.headers and "etag" not in second.headers, path
        assert first.headers["cache-control"] == "private, no-store", path


async def test_a_matching_if_none_match_is_answered_304_until_the_data_changes(app, client):
    await add_project(app, "C7.4", title="Clinic records", owner="owner@example.org")
    await set_phase(app, "voting")
    first = await client.get("/projects?category=C7.4")
    etag = first.headers["etag"]
    assert first.status_code == 200 and "Clinic records" in first.text
    again = await client.get("/projects?category=C7.4", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await client.get("/projects?category=C7.4", headers={"If-None-Match": f'"x", W/{etag}'})).status_code == 304
    assert (await client.get("/projects?category=C7.4", headers={"If-None-Match": '"other"'})).status_code == 200
    assert (await client.get("/projects?category=C1", headers={"If-None-Match": etag})).status_code == 200
    await set_phase(app, "selection")
    changed = await client.get("/projects?category=C7.4", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_each_language_is_kept_apart(app, client):
    await set_phase(app, "voting")
    english = await client.get("/", headers={"Accept-Language": "en"})
    french = await client.get("/", headers={"Accept-Language": "fr"})
    assert english.headers["etag"] != french.headers["etag"]
    assert '<html lang="fr"' in french.text and '<html lang="en"' in english.text
    assert '<html lang="en"' in (await client.get("/", headers={"Accept-Language": "en"})).text


async def test_a_kept_page_is_not_served_past_a_closing_instant(app, client):
    """The phase rule moves the phase at its closing instant with no write: a page kept before
    the instant is rendered again after it."""
    from datetime import timedelta

    from core.clock import utcnow
    from core.freshness import public_changed
    from prizes.editions.tables import Edition, EditionPhase

    await set_phase(app, "voting")
    edition = await Edition.select(Edition.id).where(Edition.year == await year_now()).first()
    now = utcnow()
    await EditionPhase.update({EditionPhase.opens_at: now - timedelta(minutes=1),
                               EditionPhase.closes_at: now + timedelta(seconds=1.5)}).where(
        (EditionPhase.edition == edition["id"]) & (EditionPhase.name == "voting"))
    await public_changed()  # what the service that moves dates does after its commit
    assert "in its Online voting phase" in (await client.get("/")).text
    assert (await client.get("/")).headers.get("x-cache") == "hit"
    time.sleep(2)
    assert "in its Selection phase" in (await client.get("/")).text


async def test_a_scheduled_release_is_an_instant_at_which_kept_pages_end(app, client):
    """An approved publication goes public at its release instant with no write: that instant
    bounds how long a page is kept, like a phase's opening and closing instants."""
    from datetime import timedelta

    from core.clock import utcnow
    from prizes.editions.queries import next_instant_after
    from prizes.editions.tables import Edition

    now = utcnow().replace(microsecond=0)
    assert await next_instant_after(now) != now + timedelta(seconds=1)
    await Edition.update({Edition.published_at: now + timedelta(seconds=1)}).where(Edition.year == await year_now())
    assert await next_instant_after(now) == now + timedelta(seconds=1)
    assert await next_instant_after(now + timedelta(seconds=2)) != now + timedelta(seconds=1)  # once passed, not again


async def test_the_year_of_the_catalogue_is_part_of_the_kept_page(app, client, staff):
    from tests.prizes.test_catalogue_years import past_and_current

    past, current, _old = await past_and_current(app, staff)
    first = await client.get("/projects", params={"year": past})
    again = await client.get("/projects", params={"year": past})
    assert again.headers.get("x-cache") == "hit" and again.headers["etag"] == first.headers["etag"]
    other = await client.get("/projects", params={"year": current})
    assert other.headers.get("x-cache") != "hit" and other.headers["etag"] != first.headers["etag"]
    assert "Old clinic records" in again.text and "Old clinic records" not in other.text
    assert (await client.get("/projects", params={"year": past},
                             headers={"If-None-Match": first.headers["etag"]})).status_code == 304
