"""The built book served from its files: what decides that a file is stale is worked out when
the data changes, a stale file is never served, and readers start at most one build per
change of the data."""

from __future__ import annotations

import asyncio

from prizes.editions.tables import Edition
from tests.factories import publish_results, set_phase, signed_in
from tests.prizes.test_images import PNG
from tests.reports.factories import add_project, year_now


async def builds_audited(year: int) -> list[str]:
    from core.tables import AuditEntry

    rows = await AuditEntry.select(AuditEntry.actor_email).where(
        (AuditEntry.action == "edition.book_build") & (AuditEntry.subject == f"edition:{year}")).order_by(AuditEntry.id)
    return [r["actor_email"] for r in rows]


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
        assert await builds_audited(year) == ["system"]  # the one build, by a reader: the system
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
        assert await builds_audited(year) == ["system", "system"]
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


async def test_a_published_built_book_is_answered_before_the_router_and_the_rest_goes_on(app, client):
    """reports/serving.py: the current file of a published book is answered in front of the
    router (the security headers still added, HEAD answered too); a book not built, a stale
    one, an unpublished year go on to the app."""
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        year, winner = await published_edition(app, staff)
        layer = app.asgi_handler
        reached: list[tuple[str, str]] = []
        router = layer.app

        async def recording(scope, receive, send):
            reached.append((scope["method"], scope["path"]))
            await router(scope, receive, send)

        layer.app = recording
        try:
            html = f"/reports/{year}/success-stories.html"
            assert (await client.get(html)).status_code == 200  # rendered by the handler, then stored
            assert reached == [("GET", html)]
            reached.clear()
            kept = await client.get(html, headers={"Accept-Encoding": "gzip"})
            assert kept.status_code == 200 and "Clinic records" in kept.text and reached == []
            assert kept.headers["content-encoding"] == "gzip" and kept.headers["cache-control"].startswith("public")
            assert kept.headers["content-security-policy"].startswith("default-src 'none'")
            assert "permissions-policy" in kept.headers and "set-cookie" not in kept.headers
            assert int(kept.headers["content-length"]) == kept.num_bytes_downloaded
            same = await client.get(html, headers={"Accept-Encoding": "gzip", "If-None-Match": kept.headers["etag"]})
            assert same.status_code == 304 and same.content == b"" and reached == []
            head = await client.request("HEAD", html, headers={"Accept-Encoding": "gzip"})
            assert head.status_code == 200 and head.content == b"" and reached == []
            assert head.headers["content-length"] == kept.headers["content-length"]

            pdf = f"/reports/{year}/success-stories.pdf"
            assert (await client.get(pdf)).status_code == 503 and reached == [("GET", pdf)]  # not built: the one build
            await app.state["books"].wait(year)
            reached.clear()
            built = await client.get(pdf)
            assert built.status_code == 200 and built.content.startswith(b"%PDF") and reached == []
            assert built.headers["content-type"] == "application/pdf" and "vary" not in built.headers

            # a change the book shows: the kept files are stale, the app renders the new book
            photo = await staff.post(f"/api/nominations/{winner}/images", files={"file": ("a.png", PNG, "image/png")},
                                     data={"credit": "Photo: A. Odhiambo", "caption": "At work"})
            assert photo.status_code == 201, photo.text
            reached.clear()
            fresh = await client.get(html)
            assert photo.json()["id"] in fresh.text and reached == [("GET", html)]
            assert (await client.get(pdf)).status_code == 503  # the stale PDF is never served
            unknown = f"/reports/{year + 1}/success-stories.html"
            assert (await client.get(unknown)).status_code == 404 and reached[-1] == ("GET", unknown)
        finally:
            layer.app = router
