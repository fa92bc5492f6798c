"""Path and query integers out of range answer 400 naming the parameter, never 500, and the
OpenAPI schema states the bounds (the fuzzer's findings)."""

from __future__ import annotations

import pytest

HUGE = "92758796548418758277857280"
FOUND_BY_THE_FUZZER = [
    f"/api/editions/{HUGE}",
    "/api/editions/470671681264720936960/winners.csv",
    "/api/judging/assignments?year=1643973251092850170396672",
    "/api/nominations/mine?offset=917242803818324557675957846016&limit=2432902008176640000",
    "/reports/18446744073709551615/success-stories.html",
    "/reports/18446744073709551615/success-stories.pdf",
    "/api/editions/1999",
    "/api/editions/2101/winners",
    "/api/nominations?offset=-1",
    "/api/nominations?limit=0",
    f"/api/nominations?sdg={HUGE}",
    f"/api/votes/mine?year={HUGE}",
    f"/api/editions/{HUGE}/tallies",
]


@pytest.mark.parametrize("url", FOUND_BY_THE_FUZZER)
async def test_out_of_range_integers_are_400_for_staff(staff, url):
    response = await staff.get(url, headers={"accept": "application/json"})
    assert response.status_code == 400, (url, response.status_code, response.text[:300])
    if url.startswith("/api/"):
        assert response.json()["status_code"] == 400


@pytest.mark.parametrize("url", ["/api/editions/2100", "/api/editions/2000"])
async def test_years_at_the_bounds_are_looked_up(staff, url):
    assert (await staff.get(url)).status_code == 404


async def test_out_of_range_integers_are_never_500_anonymously(client):
    for url in FOUND_BY_THE_FUZZER:
        response = await client.get(url, headers={"accept": "application/json"})
        assert response.status_code in (400, 401, 404), (url, response.status_code)


async def test_a_huge_limit_still_answers_at_most_100(client):
    assert (await client.get("/api/nominations?limit=2147483647")).json()["limit"] == 100


async def test_the_schema_declares_the_bounds(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def parameter(path: str, method: str, name: str) -> dict:
        return next(p for p in paths[path][method]["parameters"] if p["name"] == name)["schema"]

    year = parameter("/api/editions/{year}", "get", "year")
    assert (year["minimum"], year["maximum"]) == (2000, 2100)
    offset = parameter("/api/nominations/mine", "get", "offset")
    assert (offset["minimum"], offset["maximum"]) == (0, 2**31 - 1)
    query_year = parameter("/api/judging/assignments", "get", "year")
    assert query_year.get("maximum", None) == 2100 or any(
        s.get("maximum") == 2100 for s in query_year.get("oneOf", []))
    assert set(paths["/api/editions/{year}"]["get"]["responses"]) >= {"200", "400", "404"}
