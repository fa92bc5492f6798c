"""My projects links each project to the page where its owner manages its photos: the project's
form while it can be edited, the extended description's page for a finalist while the book
is being made (`rules.photo_change_refusal`)."""

from __future__ import annotations

import re

from tests.factories import project, set_phase, signed_in
from tests.prizes.test_images import PNG
from tests.reports.factories import add_project


def photos_link(page: str, item: str) -> str:
    links = re.findall(rf'href="(/nominations/{item}/[a-z]+#photos)"', page)
    assert len(links) == 1, links
    return links[0]


async def test_my_projects_links_each_project_to_its_photos(app, client):
    async with await signed_in(app, "owner@example.org") as owner:
        item = (await owner.post("/api/nominations", json=project())).json()["id"]
        draft = (await owner.post("/api/nominations", json=project(title="A draft", entity_name="Draft",
                                                                    category="C1"))).json()["id"]
        assert (await owner.post(f"/api/nominations/{item}/submit")).status_code == 200
        dashboard = (await owner.get("/nominations")).text
        assert photos_link(dashboard, draft) == f"/nominations/{draft}/edit#photos"
        link = photos_link(dashboard, item)
        assert link == f"/nominations/{item}/edit#photos"
        assert "Photos of “Mobile records for community health”" in dashboard
        photos = await owner.get(link.partition("#")[0])
        assert photos.status_code == 200 and 'id="photos"' in photos.text
        assert f'action="/nominations/{item}/images"' in photos.text  # where a photo is added
        added = await owner.post(f"/api/nominations/{item}/images", files={"file": ("a.png", PNG, "image/png")},
                                 data={"credit": "Photo: A. Photographer"})
        assert added.status_code == 201, added.text
        assert "Photo: A. Photographer" in (await owner.get(link.partition("#")[0])).text

        finalist = await add_project(app, "C7.4", title="Finalist clinics", entity_name="Entity F")
        await set_phase(app, "selection")
        dashboard = (await owner.get("/nominations")).text
        link = photos_link(dashboard, finalist)
        assert link == f"/nominations/{finalist}/extended#photos"
        photos = await owner.get(link.partition("#")[0])
        assert photos.status_code == 200 and 'id="photos"' in photos.text
        assert f'action="/nominations/{finalist}/extended/photos"' in photos.text
        assert photos_link(dashboard, item) == f"/nominations/{item}/edit#photos"  # not a finalist: its form
        owner.http.cookies.set("lang", "fr")
        assert "Photos de « Finalist clinics »" in (await owner.get("/nominations")).text
