"""Project photos: checked by content, bounded, stored under the media folder, served only to
whoever may see the project."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from prizes.nominations.tables import NominationImage
from tests.factories import project, signed_in



def _image(format_: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 110, 160)).save(buffer, format_)
    return buffer.getvalue()


PNG, JPEG, WEBP = _image("PNG"), _image("JPEG"), _image("WEBP")


async def upload(api, nid: str, content: bytes, filename: str = "photo.png", credit: str = "Photo: A. Odhiambo"):
    return await api.post(f"/api/nominations/{nid}/images", files={"file": (filename, content, "image/png")},
                          data={"credit": credit, "caption": "Nurses at work"})


@pytest.mark.parametrize(("content", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")])
async def test_images_are_typed_by_their_content_not_their_name(owner, settings, content, kind):
    nid = (await owner.post("/api/nominations", json=project())).json()["id"]
    response = await upload(owner, nid, content, filename="holiday.exe")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == kind and body["credit"] == "Photo: A. Odhiambo"
    served = await owner.get(body["url"])
    assert served.status_code == 200 and Image.open(io.BytesIO(served.content)).size == (40, 30)
    assert served.headers["content-type"].startswith(kind) and served.headers["x-content-type-options"] == "nosniff"
    assert any(settings.media_dir.rglob(f"{body['id']}.*"))


async def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(owner):
    nid = (await owner.post("/api/nominations", json=project())).json()["id"]
    response = await upload(owner, nid, b"<svg onload=alert(1)>", filename="photo.png")
    assert response.status_code == 422 and response.json()["extra"][0]["key"] == "file"
    assert await NominationImage.count() == 0


async def test_a_photo_needs_a_credit(owner):
    nid = (await owner.post("/api/nominations", json=project())).json()["id"]
    response = await upload(owner, nid, PNG, credit="")
    assert response.status_code == 422 and response.json()["extra"][0]["key"] == "credit"


async def test_an_oversize_image_is_413(app, owner):
    settings = app.state["settings"]
    app.state["settings"] = settings.replace(max_image_bytes=1000)
    try:
        nid = (await owner.post("/api/nominations", json=project())).json()["id"]
        response = await upload(owner, nid, PNG + b"\x00" * 2000)
        assert response.status_code == 413
        assert await NominationImage.count() == 0
    finally:
        app.state["settings"] = settings  # the app serves the next tests


async def test_nobody_else_sees_or_adds_photos_of_a_draft(app, owner, client):
    nid = (await owner.post("/api/nominations", json=project())).json()["id"]
    url = (await upload(owner, nid, PNG)).json()["url"]
    assert (await client.get(url)).status_code == 404
    async with await signed_in(app, "stranger@example.org") as stranger:
        assert (await stranger.get(url)).status_code == 404
        assert (await upload(stranger, nid, PNG)).status_code == 404
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        assert (await staff.get(url)).status_code == 200


async def test_removing_a_photo_deletes_the_file(owner, settings):
    nid = (await owner.post("/api/nominations", json=project())).json()["id"]
    image = (await upload(owner, nid, PNG)).json()
    assert (await owner.delete(f"/api/nominations/{nid}/images/{image['id']}")).status_code == 204
    assert not any(settings.media_dir.rglob(f"{image['id']}.*"))
    assert (await owner.get(image["url"])).status_code == 404


async def test_the_public_page_of_a_nominated_project_shows_its_photos_with_their_credits(app, owner, client):
    from tests.factories import set_phase

    nid = (await owner.post("/api/nominations", json=project())).json()["id"]
    photo = (await owner.post(f"/api/nominations/{nid}/images", files={"file": ("a.png", PNG, "image/png")},
                              data={"credit": "<b>A. Odhiambo</b>", "caption": "Nurses <i>at</i> work"})).json()
    await owner.post(f"/api/nominations/{nid}/submit")
    assert (await client.get(f"/projects/{nid}")).status_code == 404  # not public yet, nor its photo
    assert (await client.get(photo["url"])).status_code == 404
    await set_phase(app, "nomination")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        await staff.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True})
        year = (await client.get("/api/editions/current")).json()["year"]
        await staff.post(f"/api/editions/{year}/nominated")
    await set_phase(app, "voting")
    page = (await client.get(f"/projects/{nid}")).text
    assert f'src="{photo["url"]}"' in page and 'alt="Nurses &lt;i&gt;at&lt;/i&gt; work"' in page
    assert "Photo: &lt;b&gt;A. Odhiambo&lt;/b&gt;" in page and "<b>A. Odhiambo" not in page
    assert (await client.get(photo["url"])).content == PNG
