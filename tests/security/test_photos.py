"""Photos: after publication only staff change the book's photos, and owners follow the
extended text's deadline (item 1); the book's photos stay private until publication (item 11);
a pixel limit at upload (item 8); no EXIF left, orientation applied (item 13)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from prizes.editions.tables import Edition
from prizes.nominations.tables import NominationImage
from tests.factories import set_phase
from tests.reports.factories import add_photo, add_project, year_now


def png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


async def upload(api, nid: str, content: bytes):
    return await api.post(f"/api/nominations/{nid}/images", files={"file": ("p.png", content, "image/png")},
                          data={"credit": "Photo: A. B."})


@pytest.fixture
async def finalist(app, client) -> str:
    nid = await add_project(app, "C1", status="winner")
    await set_phase(app, "announcement")
    return nid


async def test_after_publication_only_staff_change_the_photos(owner, staff, finalist, settings):
    assert (await upload(owner, finalist, png())).status_code == 201  # before: the owner may
    await Edition.update({Edition.published_at: datetime.now(timezone.utc)}).where(Edition.year == await year_now())
    refused = await upload(owner, finalist, png())
    assert refused.status_code == 409 and refused.json()["extra"][0]["key"] == "file"
    photo = (await NominationImage.select(NominationImage.id).first())["id"]
    assert (await owner.delete(f"/api/nominations/{finalist}/images/{photo}")).status_code == 409
    assert await NominationImage.count() == 1
    assert (await upload(staff, finalist, png())).status_code == 201
    assert (await staff.delete(f"/api/nominations/{finalist}/images/{photo}")).status_code == 204


async def test_after_the_extended_deadline_the_owner_no_longer_changes_photos(owner, finalist):
    await Edition.update({Edition.extended_deadline: datetime.now(timezone.utc) - timedelta(minutes=1)}).where(
        Edition.year == await year_now())
    assert (await upload(owner, finalist, png())).status_code == 409


async def test_the_books_photos_are_not_public_before_publication(app, client, settings):
    nid = await add_project(app, "C1", status="finalist")
    await set_phase(app, "selection")  # the project is public; a new photo would tell it is a finalist
    photo = await add_photo(settings, nid)  # uploaded now, after the submission phase closed
    assert (await client.get(f"/api/nominations/{nid}")).status_code == 200
    assert (await client.get(f"/media/images/{photo}")).status_code == 404
    assert (await client.get(f"/api/nominations/{nid}/images")).json()["items"] == []
    await Edition.update({Edition.published_at: datetime.now(timezone.utc)}).where(Edition.year == await year_now())
    assert (await client.get(f"/media/images/{photo}")).status_code == 200


async def test_an_image_over_the_pixel_limit_is_422_naming_the_file(owner, finalist):
    # 7000 × 7000 of one colour: a PNG of some 150 kB that decodes to 147 MB
    response = await upload(owner, finalist, png((7000, 7000)))
    assert response.status_code == 422 and response.json()["extra"][0]["key"] == "file"
    assert await NominationImage.count() == 0


async def test_exif_is_stripped_and_the_orientation_applied(owner, finalist):
    image = Image.new("RGB", (60, 20), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    body = (await owner.post(f"/api/nominations/{finalist}/images",
                             files={"file": ("p.jpg", buffer.getvalue(), "image/jpeg")},
                             data={"credit": "Photo: A. B."})).json()
    served = (await owner.get(body["url"])).content
    kept = Image.open(io.BytesIO(served))
    assert kept.size == (20, 60)
    assert dict(kept.getexif()) == {} and b"SpyCam" not in served
