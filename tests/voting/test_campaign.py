"""The campaign link and badge: a public page per nominated project that leads voters to
its vote button, an accessible SVG badge that keeps hostile titles as text, and the kit
(link, image, HTML) for the project's owner and staff."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.factories import set_phase, signed_in
from tests.voting.factories import nominated, open_voting

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</title><script>alert("x")</script>&amp; <b>“Bold”</b> \u202eevil'


async def test_the_badge_is_an_accessible_svg_that_escapes_a_hostile_title(app, client):
    project = await nominated(app, title=HOSTILE)
    year = await open_voting(app)
    response = await client.get(f"/badge/{project}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "<script>" not in response.text
    root = ET.fromstring(response.text)  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-labelledby") == "badge-title"
    title = root.find(f"{SVG}title")
    assert title.text == f"Vote for {HOSTILE} — WSIS Prizes {year}"
    assert not root.findall(f".//{SVG}script") and not [e for e in root.iter() if e.tag.endswith("script")]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "Vote for" and texts[2] == f"WSIS Prizes {year}"
    assert texts[1].startswith('</title><script>alert("x")') and texts[1].endswith("…")


async def test_the_badge_speaks_the_readers_language(app, client):
    project = await nominated(app, title="Santé mobile")
    await open_voting(app)
    response = await client.get(f"/badge/{project}.svg", headers={"accept-language": "fr"})
    assert response.status_code == 200
    assert ET.fromstring(response.text).find(f"{SVG}title").text  # translated when the catalogue has it


@pytest.mark.parametrize("status", ["submitted", "eligible", "ineligible"])
async def test_no_badge_nor_page_for_a_project_that_is_not_nominated(app, client, status):
    project = await nominated(app, status=status)
    await open_voting(app)
    assert (await client.get(f"/badge/{project}.svg")).status_code == 404
    assert (await client.get(f"/vote/{project}")).status_code == 404


async def test_before_voting_opens_the_public_gets_404_and_the_owner_a_preview(app, client):
    project = await nominated(app, owner="owner@example.org")
    await set_phase(app, "nomination")
    assert (await client.get(f"/badge/{project}.svg")).status_code == 404
    assert (await client.get(f"/vote/{project}")).status_code == 404
    assert (await client.get("/badge/not-a-file")).status_code == 404
    async with await signed_in(app, "owner2@example.org") as stranger:
        assert (await stranger.get(f"/vote/{project}")).status_code == 404
    from tests.factories import ApiClient

    owner = ApiClient.extra(app)
    await owner.sign_in("owner@example.org")
    page = await owner.get(f"/vote/{project}")
    assert page.status_code == 200 and "Preview" in page.text and "Voting opens on" in page.text
    await owner.http.aclose()


async def test_the_owner_and_staff_get_the_link_the_image_and_the_html(app, client, staff, settings):
    project = await nominated(app, title='Health "for all" <now>', owner="owner@example.org")
    year = await open_voting(app)
    from tests.factories import ApiClient

    owner = ApiClient.extra(app)
    await owner.sign_in("owner@example.org")
    response = await owner.get(f"/api/nominations/{project}/badge")
    assert response.status_code == 200
    base = settings.base_url
    assert response.json() == {
        "link": f"{base}/vote/{project}",
        "image": f"{base}/badge/{project}.svg",
        "html": (f'<a href="{base}/vote/{project}"><img src="{base}/badge/{project}.svg" '
                 f'alt="Vote for Health &quot;for all&quot; &lt;now&gt; — WSIS Prizes {year}" width="360" height="64"></a>'),
    }
    assert (await staff.get(f"/api/nominations/{project}/badge")).json() == response.json()
    async with await signed_in(app, "someone@example.org") as stranger:
        assert (await stranger.get(f"/api/nominations/{project}/badge")).status_code == 404
    assert (await client.get(f"/api/nominations/{project}/badge")).status_code == 401
    page = await owner.get(f"/vote/{project}")
    assert "Campaign link and badge" in page.text and "&lt;now&gt;" in page.text and "<now>" not in page.text
    await owner.http.aclose()


async def test_the_kit_waits_for_the_nomination(app, client):
    project = await nominated(app, status="submitted", owner="owner@example.org")
    from tests.factories import ApiClient

    owner = ApiClient.extra(app)
    await owner.sign_in("owner@example.org")
    response = await owner.get(f"/api/nominations/{project}/badge")
    assert response.status_code == 409 and "once the project is nominated" in response.json()["detail"]
    await owner.http.aclose()
