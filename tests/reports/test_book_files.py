"""The built book served from its files: what decides that a file is stale is worked out when
the data changes, a stale file is never served, and readers start at most one build per
change of the data."""

from __future__ import annotations

import asyncio

from prizes.editions.tables import Edition
from tests.factories import publish_results, set_phase, signed_in
from tests.prizes.test_images import PNG
from tests.reports.factories import add_project, year_now


async def published_edition(app, staff) -> tuple[int, str]:
    """Two laureates, decided and published through the services."""
    year = await year_now()
    winner = await add_project(app, "C7.4", title="Clinic records", owner="owner@example.org")
    other = await add_project(app, "C1", title="Village broadband", entity_name="Other entity")
    await set_phase(app, "selection")
    assert (await staff.put(f"/api/editions/{year}/winners", json={"C7.4": [winner], "C1": [other]})).status_code == 200
    await set_phase(app, "announcement")
    assert (await publish_results(app, staff, year)).status_code == 200
    return year, winner


async def test_a_stale_book_is_never_served_and_readers_start_one_build_per_change(app, client, tmp_path):
    jobs = app.state["books"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff, \
            await signed_in(app, "owner@example.org") as owner:
        year, winner = await published_edition(app, staff)
        html = await client.get(f"/reports/{year}/success-stories.html")
        assert html.status_code == 200 and "Clinic records" in html.text
        assert html.headers["cache-control"] == "public, max-age=1, stale-while-revalidate=1"

        # many readers at once, no PDF yet: one build, every reader told to come back
        answers = await asyncio.gather(*(client.get(f"/reports/{year}/success-stories.pdf") for _ in range(12)))
        assert [a.status_code for a in answers] == [503] * 12
        first_build = (await jobs.status(year))["started_at"]
        await jobs.wait(year)
        assert (await jobs.status(year))["state"] == "done"
        pdf = await client.get(f"/reports/{year}/success-stories.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        # the file lost, the data unchanged: readers do not start a second build of that book
        jobs.store.path(year, "pdf").unlink()
        assert (await client.get(f"/reports/{year}/success-stories.pdf")).status_code == 503
        assert (await jobs.status(year))["started_at"] == first_build and not jobs.tasks

        # a change the book shows (a photo, a direct edit of the title too): the stored files are
        # stale at once — the HTML is rendered again, the PDF is never served until rebuilt
        jobs.store.save(year, "pdf", b"%PDF the book before the change", jobs.store.stamp_of(year, "pdf"))
        assert (await client.get(f"/reports/{year}/success-stories.pdf")).content == b"%PDF the book before the change"
        await Edition.update({Edition.foreword: "Changed straight in the table"}).where(Edition.year == year)
        photo = await staff.post(f"/api/nominations/{winner}/images", files={"file": ("a.png", PNG, "image/png")},
                                 data={"credit": "Photo: A. Odhiambo", "caption": "At work"})
        assert photo.status_code == 201, photo.text
        fresh = await client.get(f"/reports/{year}/success-stories.html")
        assert f'src="/media/images/{photo.json()["id"]}"' in fresh.text and "Changed straight in the table" in fresh.text
        stale = await client.get(f"/reports/{year}/success-stories.pdf")
        assert stale.status_code == 503 and b"before the change" not in stale.content
        assert (await jobs.status(year))["started_at"] != first_build  # one new build, for the new book
        await jobs.wait(year)
        rebuilt = await client.get(f"/reports/{year}/success-stories.pdf")
        assert rebuilt.status_code == 200 and b"before the change" not in rebuilt.content


async def test_an_unpublished_book_is_staff_only_and_read_afresh(app, client):
    year = await year_now()
    await add_project(app, "C7.4", status="winner", title="Clinic records", owner="owner@example.org")
    assert (await client.get(f"/reports/{year}/success-stories.html")).status_code == 404
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        preview = await staff.get(f"/reports/{year}/success-stories.html")
        assert preview.status_code == 200 and preview.headers["cache-control"] == "private, no-store"
        await add_project(app, "C1", status="winner", title="Village broadband", entity_name="Other")  # no bump
        assert "Village broadband" in (await staff.get(f"/reports/{year}/success-stories.html")).text


async def test_the_stored_book_answers_like_a_static_file_etag_304_and_gzip(app, client):
    import gzip

    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        year, _winner = await published_edition(app, staff)
    plain = await client.get(f"/reports/{year}/success-stories.html", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Clinic records" in plain.text
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    etag = plain.headers["etag"]
    assert etag.startswith('"') and plain.headers["content-disposition"].startswith("inline")
    again = await client.get(f"/reports/{year}/success-stories.html",
                             headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag

    squeezed = await client.get(f"/reports/{year}/success-stories.html", headers={"Accept-Encoding": "br, gzip"})
    assert squeezed.headers["content-encoding"] == "gzip" and squeezed.headers["etag"] != etag
    assert squeezed.text == plain.text  # the client decompresses it
    raw = await client.get(f"/reports/{year}/success-stories.html", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(plain.content)) < len(plain.content)

    # a stored file rewritten (same stamp, other bytes) is never answered from memory
    jobs = app.state["books"]
    path = jobs.store.save(year, "html", b"<p>rewritten</p>", jobs.store.stamp_of(year, "html"))
    import os
    os.utime(path, ns=(1, 1))  # even with an odd modification time
    fresh = await client.get(f"/reports/{year}/success-stories.html", headers={"Accept-Encoding": "identity"})
    assert fresh.text == "<p>rewritten</p>" and fresh.headers["etag"] != etag
    assert (await client.get(f"/reports/{year}/success-stories.html",
                             headers={"If-None-Match": etag, "Accept-Encoding": "identity"})).status_code == 200


async def test_a_server_with_pathsend_is_given_the_stored_file_to_send(app, client):
    """Under granian (the ASGI `http.response.pathsend` extension) the app hands the stored
    book's path to the server instead of its bytes; the length matches the file."""
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        year, _winner = await published_edition(app, staff)
    html = await client.get(f"/reports/{year}/success-stories.html", headers={"Accept-Encoding": "identity"})
    assert html.status_code == 200
    path = app.state["books"].store.path(year, "html")
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": f"/reports/{year}/success-stories.html", "raw_path": b"", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test"), (b"accept-encoding", b"identity")], "client": ("127.0.0.1", 1), "server": ("test", 80),
             "extensions": {"http.response.pathsend": {}}, "state": {}}
    await app(scope, receive, send)
    start, body = messages[0], messages[1:]
    assert start["status"] == 200, messages
    assert dict(start["headers"])[b"content-length"] == str(len(path.read_bytes())).encode() == str(
        len(html.content)).encode()
    assert body == [{"type": "http.response.pathsend", "path": str(path)}]
