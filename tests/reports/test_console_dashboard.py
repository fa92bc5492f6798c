"""The staff home: the dashboard of an edition, its next actions, and one staff navigation
that reaches every staff page in at most two clicks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from litestar.routes import HTTPRoute

from tests.factories import make_user, project, set_phase, signed_in


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href.replace("&amp;", "&"))


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.links


def staff_page_routes(app) -> set[str]:
    """Every staff GET route, as a regular expression of its path."""
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/staff") and any(
                "GET" in h.http_methods for h in route.route_handlers):
            found.add("^" + re.sub(r"\{\w+:\w+\}", "[^/?#]+", route.path.rstrip("/")) + "$")
    return found


async def test_the_dashboard_shows_the_phase_time_left_figures_and_next_actions(app, client):
    async with await signed_in(app, "owner@example.org") as owner:
        created = await owner.post("/api/nominations", json=project())
        assert (await owner.post(f"/api/nominations/{created.json()['id']}/submit")).status_code == 200
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        year = (await client.get("/api/editions/current")).json()["year"]
        page = await staff.get("/staff")
        assert page.status_code == 200
        assert "Current phase: Submission." in page.text and " left, until " in page.text
        assert 'aria-current="step"' in page.text
        assert f'<option value="{year}" selected>' in page.text
        assert 'href="/staff/nominations">Review the submissions</a> (1)' in page.text
        await set_phase(app, "nomination")
        page = await staff.get("/staff", params={"year": year})
        assert 'href="/staff/nominations?status=submitted">Screen the submitted projects</a> (1)' in page.text
        unknown = await staff.get("/staff", params={"year": 2099})  # not an edition: the current one
        assert unknown.status_code == 200 and f"Edition {year}" in unknown.text
        assert (await staff.get("/staff", params={"year": "x"})).status_code == 400


async def test_every_staff_page_is_two_clicks_from_staff_and_carries_the_staff_navigation(app, client):
    await make_user(app, "kofi@example.org", roles=("judge",))
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        seen: dict[str, int] = {}
        frontier = ["/staff"]
        for depth in range(3):  # /staff, its links, their links
            following = []
            for url in frontier:
                if url in seen:
                    continue
                seen[url] = depth
                response = await staff.get(url)
                assert response.status_code in (200, 303), (url, response.status_code)
                if response.status_code != 200 or not response.headers["content-type"].startswith("text/html"):
                    continue
                assert 'aria-label="Staff"' in response.text, url
                following += [link for link in links_of(response.text) if link.startswith("/staff")]
            frontier = [link.split("#")[0] for link in following]
        reached = {url.split("?")[0].rstrip("/") or "/staff" for url in seen}
        patterns = staff_page_routes(app)
        redirects = {"^/staff/results$", "^/staff/judging$", "^/staff/statistics$"}  # aliases of the current edition's page
        missing = sorted(p for p in patterns - redirects if not any(re.match(p, url) for url in reached))
        assert missing == []
