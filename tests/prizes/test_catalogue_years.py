"""Past editions stay browsable: the public catalogue (`/projects?year=`, `GET
/api/nominations?year=`) shows the nominated projects of any edition whose list is public,
the current one by default, with a selector of the others; the catalogue and the results
page link to each other per year (each year a page of its own in the page cache:
tests/core/test_pagecache.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.factories import publish_results, set_phase
from tests.reports.factories import add_project, year_now


async def past_and_current(app, staff) -> tuple[int, int, str]:
    """`year`, published (a winner in C1, another nominated project), then next year's
    edition opened for submissions: the current one, its list not public yet."""
    year = await year_now()
    winner = await add_project(app, "C1", title="Solar school radios", entity_name="Entity A")
    old = await add_project(app, "C7.4", status="nominated", title="Old clinic records", entity_name="Entity B")
    await set_phase(app, "selection")
    assert (await staff.put(f"/api/editions/{year}/winners", json={"C1": [winner]})).status_code == 200
    await set_phase(app, "announcement")
    assert (await publish_results(app, staff, year)).status_code == 200
    assert (await staff.post("/api/editions", json={"year": year + 1})).status_code == 201
    opened = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    response = await staff.patch(f"/api/editions/{year + 1}", json={"phases": [{"name": "submission", "opens_at": opened}]})
    assert response.status_code == 200, response.text
    return year, year + 1, old


async def test_a_past_edition_is_browsable_by_year_with_a_selector(app, client, staff):
    past, current, old = await past_and_current(app, staff)
    default = await client.get("/projects")
    assert default.status_code == 200
    assert f"WSIS Prizes {current}" in default.text and "Old clinic records" not in default.text
    assert "published when online voting opens" in default.text
    # the selector: a GET form of the editions whose list is public, the current one first
    form = re.search(r'<form method="get" action="/projects" class="filters" aria-label="[^"]+">(.*?)</form>',
                     default.text, re.S)
    assert form is not None and 'name="year"' in form.group(1) and 'type="submit"' in form.group(1)
    assert re.findall(r'<option value="(\d+)"', form.group(1)) == [str(current), str(past)]
    assert f'<option value="{current}" selected>' in form.group(1)

    page = await client.get("/projects", params={"year": past})
    assert page.status_code == 200
    assert f"WSIS Prizes {past}" in page.text and f'<option value="{past}" selected>' in page.text
    assert "Old clinic records" in page.text and "Solar school radios" in page.text
    assert f'<input type="hidden" name="year" value="{past}">' in page.text  # the search stays in that year
    searched = await client.get("/projects", params={"year": past, "q": "Old clinic"})
    assert "Old clinic records" in searched.text and "Solar school radios" not in searched.text
    # the catalogue links to the year's results, and the results to the year's catalogue
    assert f'href="/results/{past}"' in page.text and f'href="/results/{current}"' not in default.text
    results = await client.get(f"/results/{past}")
    assert results.status_code == 200 and f'href="/projects?year={past}"' in results.text
    assert (await client.get("/projects", params={"year": current})).text.count("Old clinic records") == 0

    api = (await client.get("/api/nominations", params={"year": past})).json()
    assert {i["title"] for i in api["items"]} == {"Old clinic records", "Solar school radios"}
    assert {i["status"] for i in api["items"]} == {"nominated"} and api["total"] == 2
    assert (await client.get("/api/nominations")).json()["total"] == 0
    assert old in {i["id"] for i in api["items"]}


async def test_an_unknown_year_is_404_and_an_out_of_range_one_400(app, client):
    for path in ("/projects", "/api/nominations"):
        assert (await client.get(path, params={"year": 2099})).status_code == 404, path
        for bad in ("1999", "2101", "x", str(10**30)):
            response = await client.get(path, params={"year": bad})
            assert response.status_code == 400, (path, bad)
    api = await client.get("/api/nominations", params={"year": 1999})
    assert [e["key"] for e in api.json()["extra"]] == ["year"]


async def test_a_past_edition_whose_list_is_not_public_lists_nothing(app, client, staff):
    """An edition still before its vote (here the current one, before next year's opens) is
    not offered by the selector, and its page lists none of its projects."""
    year = await year_now()
    await add_project(app, "C7.4", status="nominated", title="Not public yet")
    assert (await staff.post("/api/editions", json={"year": year + 1})).status_code == 201
    opened = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    await staff.patch(f"/api/editions/{year + 1}", json={"phases": [{"name": "submission", "opens_at": opened}]})
    default = await client.get("/projects")
    assert 'name="year"' not in default.text  # no public list to offer
    page = await client.get("/projects", params={"year": year})
    assert page.status_code == 200 and "Not public yet" not in page.text
    assert (await client.get("/api/nominations", params={"year": year})).json()["total"] == 0
