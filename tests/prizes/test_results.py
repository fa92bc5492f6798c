"""The end of an edition through the API: winners and champions, the extended descriptions,
publication, and the lists as JSON and CSV — nothing public before publication."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from core.audit import entries
from core.tables import OutgoingMail
from prizes.editions.tables import Edition
from prizes.results.tables import ExtendedDescription
from tests.factories import one_step_publication, publish_results, set_phase, signed_in, words_text
from tests.reports.factories import add_project, statuses, year_now


async def two_categories(app) -> dict[str, list[str]]:
    """Three finalists in C1 and two in C7.4 (titles sorted as listed), one nominated project
    in C1 that is not a finalist."""
    ids = {
        "C1": [await add_project(app, "C1", title=f"C1 project {n}", entity_name=f"Entity C1-{n}") for n in "ABC"],
        "C7.4": [await add_project(app, "C7.4", title=f"C7.4 project {n}", entity_name=f"Entity C74-{n}") for n in "AB"],
    }
    ids["nominated"] = [await add_project(app, "C1", status="nominated", title="Not a finalist", entity_name="Other")]
    return ids


async def test_staff_set_the_winner_and_the_other_finalists_become_champions(app, staff):
    ids = await two_categories(app)
    year = await year_now()
    await set_phase(app, "selection")
    response = await staff.put(f"/api/editions/{year}/winners", json={"C1": [ids["C1"][1]]})
    assert response.status_code == 200, response.text
    assert response.json() == {"winners": {"C1": [ids["C1"][1]]}, "champions": {"C1": [ids["C1"][0], ids["C1"][2]]},
                               "undecided": ["C7.4"], "published": False}
    now = await statuses()
    assert [now[i] for i in ids["C1"]] == ["champion", "winner", "champion"]
    assert [now[i] for i in ids["C7.4"]] == ["finalist", "finalist"]  # not given: left as it was
    assert now[ids["nominated"][0]] == "nominated"
    # given again, the category's decision is replaced
    response = await staff.put(f"/api/editions/{year}/winners", json={"C1": [ids["C1"][2]]})
    assert response.json()["winners"]["C1"] == [ids["C1"][2]]
    assert [(await statuses())[i] for i in ids["C1"]] == ["champion", "champion", "winner"]
    [entry, *_rest] = await entries(subject=f"edition:{year}", action="edition.winners")
    assert entry["details"] == {"C1": [ids["C1"][2]]} and entry["actor_email"] == "staff@example.org"


async def test_zero_winners_make_every_finalist_of_the_category_a_champion(app, staff):
    ids = await two_categories(app)
    await set_phase(app, "selection")
    response = await staff.put(f"/api/editions/{await year_now()}/winners", json={"C7.4": []})
    assert response.json()["winners"] == {"C7.4": []} and response.json()["undecided"] == ["C1"]
    assert {(await statuses())[i] for i in ids["C7.4"]} == {"champion"}


async def test_winners_must_be_finalists_of_that_category_and_the_error_names_it(app, staff):
    ids = await two_categories(app)
    year = await year_now()
    await set_phase(app, "selection")
    for body, key in [
        ({"C7.4": [ids["C1"][0]]}, "C7.4"),  # a finalist of another category
        ({"C1": [ids["nominated"][0]]}, "C1"),  # nominated, not a finalist
        ({"C1": ["00000000-0000-0000-0000-000000000009"]}, "C1"),  # no such project
        ({"C1": ["not-an-id"]}, "C1"),
        ({"C99": []}, "C99"),  # no such category
        ({"C1": [ids["C1"][0], ids["C1"][0]]}, "C1"),  # twice
    ]:
        response = await staff.put(f"/api/editions/{year}/winners", json=body)
        assert response.status_code == 422, (body, response.text)
        assert [e["key"] for e in response.json()["extra"]] == [key]
    assert set((await statuses()).values()) == {"finalist", "nominated"}  # nothing changed


async def test_more_winners_than_the_edition_allows_is_422(app, staff):
    ids = await two_categories(app)
    year = await year_now()
    await set_phase(app, "selection")
    two = {"C1": ids["C1"][:2]}
    response = await staff.put(f"/api/editions/{year}/winners", json=two)
    assert response.status_code == 422 and response.json()["extra"][0]["key"] == "C1"
    assert "at most 1" in response.json()["extra"][0]["message"]
    # a frozen counting rule: no longer changeable
    refused = await staff.patch(f"/api/editions/{year}", json={"settings": {"winners_per_category": 2}})
    assert refused.status_code == 409
    assert [e["key"] for e in refused.json()["extra"]] == ["settings.winners_per_category"]


async def test_two_winners_share_a_prize_when_the_edition_allows_it(app, staff):
    ids = await two_categories(app)
    year = await year_now()
    assert (await staff.patch(f"/api/editions/{year}", json={"settings": {"winners_per_category": 2}})).status_code == 200
    await set_phase(app, "selection")
    two = {"C1": ids["C1"][:2]}
    assert (await staff.put(f"/api/editions/{year}/winners", json=two)).json()["winners"]["C1"] == sorted(
        two["C1"], key=lambda i: ids["C1"].index(i))
    three = await staff.put(f"/api/editions/{year}/winners", json={"C1": ids["C1"]})
    assert three.status_code == 422


@pytest.mark.parametrize("phase", ["submission", "nomination", "voting"])
async def test_winners_are_set_in_the_selection_or_announcement_phase_only(app, staff, phase):
    ids = await two_categories(app)
    await set_phase(app, phase)
    response = await staff.put(f"/api/editions/{await year_now()}/winners", json={"C1": [ids["C1"][0]]})
    assert response.status_code == 403 and "only possible during" in response.json()["detail"]
    assert (await statuses())[ids["C1"][0]] == "finalist"


async def test_only_staff_set_winners(app, owner):
    ids = await two_categories(app)
    await set_phase(app, "selection")
    response = await owner.put(f"/api/editions/{await year_now()}/winners", json={"C1": [ids["C1"][0]]})
    assert response.status_code == 403


async def decided(app, staff) -> tuple[int, dict[str, list[str]]]:
    ids = await two_categories(app)
    year = await year_now()
    await set_phase(app, "selection")
    response = await staff.put(f"/api/editions/{year}/winners", json={"C1": [ids["C1"][0]], "C7.4": [ids["C7.4"][1]]})
    assert response.status_code == 200, response.text
    return year, ids


async def test_publishing_needs_the_announcement_phase_and_every_category_decided(app, staff):
    ids = await two_categories(app)
    year = await year_now()
    await one_step_publication(staff, year)  # the prerequisites and the mails, in one step
    await set_phase(app, "selection")
    await staff.put(f"/api/editions/{year}/winners", json={"C1": [ids["C1"][0]]})
    assert (await staff.post(f"/api/editions/{year}/publish")).status_code == 403  # selection
    await set_phase(app, "announcement")
    response = await staff.post(f"/api/editions/{year}/publish")
    assert response.status_code == 409 and [e["key"] for e in response.json()["extra"]] == ["C7.4"]
    await staff.put(f"/api/editions/{year}/winners", json={"C7.4": [ids["C7.4"][0]]})
    response = await staff.post(f"/api/editions/{year}/publish")
    assert response.status_code == 200, response.text
    assert response.json()["winners"] == 2 and response.json()["champions"] == 3
    assert response.json()["state"] == "published"
    assert (await Edition.select(Edition.published_at).first())["published_at"] is not None
    mails = await OutgoingMail.select(OutgoingMail.recipient, OutgoingMail.subject).where(OutgoingMail.kind == "results")
    assert len(mails) == 5 and {m["recipient"] for m in mails} == {"owner@example.org"}
    assert sum("is a winner" in m["subject"] for m in mails) == 2
    [entry] = await entries(subject=f"edition:{year}", action="edition.publish")
    assert entry["details"] == {"winners": 2, "champions": 3}
    # once published: no second publication, and the winners are fixed
    assert (await staff.post(f"/api/editions/{year}/publish")).status_code == 409
    assert (await staff.put(f"/api/editions/{year}/winners", json={"C1": [ids["C1"][1]]})).status_code == 409


async def test_nothing_is_public_before_publication_through_any_output(app, client, staff, owner):
    year, ids = await decided(app, staff)
    await set_phase(app, "announcement")
    winner = ids["C1"][0]
    public = [f"/api/editions/{year}/winners", f"/api/editions/{year}/champions",
              f"/api/editions/{year}/winners.csv", f"/api/editions/{year}/champions.csv",
              f"/results/{year}", f"/reports/{year}/success-stories.html", f"/reports/{year}/success-stories.pdf"]
    for url in public:
        assert (await client.get(url)).status_code == 404, url
        assert (await owner.get(url)).status_code == 404, url
        assert (await client.get(url, headers={"accept": "text/csv"})).status_code == 404, url
    assert (await client.get("/results")).status_code == 404
    # the owner's certificate waits for publication too; nobody else's exists
    assert (await owner.get(f"/api/nominations/{winner}/certificate.pdf")).status_code == 404
    # the public catalogue never tells a winner from a nominated project
    for status in ("winner", "champion", "finalist"):
        listing = (await client.get(f"/api/nominations?status={status}")).json()
        assert listing["total"] == 0, (status, listing)
    assert all(i["status"] == "nominated" for i in (await client.get("/api/nominations")).json()["items"])
    assert (await client.get(f"/api/nominations/{winner}")).json()["status"] == "nominated"
    home = (await client.get("/")).text
    assert f'href="/results/{year}"' not in home
    # staff preview everything
    assert (await staff.get(f"/api/editions/{year}/winners")).json()["total"] == 2
    assert "not published yet" in (await staff.get(f"/results/{year}")).text
    assert (await staff.get(f"/reports/{year}/success-stories.html")).status_code == 200
    # after publication, everyone sees them
    assert (await publish_results(app, staff, year)).status_code == 200
    for url in public[:-1]:
        assert (await client.get(url)).status_code == 200, url
    assert (await client.get("/results")).headers["location"] == f"/results/{year}"
    assert f'href="/results/{year}"' in (await client.get("/")).text


async def test_the_lists_as_json(app, client, staff):
    year, ids = await decided(app, staff)
    await set_phase(app, "announcement")
    await publish_results(app, staff, year)
    winners = (await client.get(f"/api/editions/{year}/winners")).json()
    assert winners == {"total": 2, "offset": 0, "limit": 100, "items": [
        {"id": ids["C1"][0], "category": "C1",
         "category_title": "The role of governments and all stakeholders in the promotion of ICTs for development",
         "title": "C1 project A", "entity": "Entity C1-A", "country": "KE", "region": "africa",
         "stakeholder_type": "government", "website": "https://health.example.org/records"},
        {"id": ids["C7.4"][1], "category": "C7.4", "category_title": "ICT applications: e-health",
         "title": "C7.4 project B", "entity": "Entity C74-B", "country": "KE", "region": "africa",
         "stakeholder_type": "government", "website": "https://health.example.org/records"},
    ]}
    champions = (await client.get(f"/api/editions/{year}/champions?limit=2&offset=1")).json()
    assert champions["total"] == 3 and [i["title"] for i in champions["items"]] == ["C1 project C", "C7.4 project A"]


async def test_the_lists_as_csv_are_formula_safe(app, client, staff):
    year = await year_now()
    hostile = await add_project(app, "C1", title="=HYPERLINK(\"http://evil.example\",\"x\")", entity_name="+cmd|' /C calc'!A0",
                                website="https://ok.example.org")
    await add_project(app, "C1", title="-2+3", entity_name="@SUM(A1:A9)")
    await set_phase(app, "selection")
    await staff.put(f"/api/editions/{year}/winners", json={"C1": [hostile]})
    await set_phase(app, "announcement")
    await publish_results(app, staff, year)
    for url, headers in [(f"/api/editions/{year}/winners.csv", {}), (f"/api/editions/{year}/winners", {"accept": "text/csv"})]:
        response = await client.get(url, headers=headers)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["category", "category_title", "title", "entity", "country", "region", "stakeholder_type", "website"]
        assert rows[1][2] == "'=HYPERLINK(\"http://evil.example\",\"x\")" and rows[1][3] == "'+cmd|' /C calc'!A0"
    rows = list(csv.reader(io.StringIO((await client.get(f"/api/editions/{year}/champions.csv")).text)))
    assert rows[1][2:4] == ["'-2+3", "'@SUM(A1:A9)"]


# --- extended descriptions ---------------------------------------------------------------------


async def test_finalists_are_asked_by_mail_and_staff_see_who_answered(app, staff, owner):
    ids = await two_categories(app)
    year = await year_now()
    await set_phase(app, "selection")
    missing = await staff.post(f"/api/editions/{year}/extended-requests", json={})
    assert missing.status_code == 422 and missing.json()["extra"][0]["key"] == "deadline"
    past = await staff.post(f"/api/editions/{year}/extended-requests", json={"deadline": "2001-01-01T23:00:00"})
    assert past.status_code == 422
    deadline = (datetime.now(timezone.utc) + timedelta(days=10)).replace(microsecond=0)
    response = await staff.post(f"/api/editions/{year}/extended-requests", json={"deadline": deadline.isoformat()})
    assert response.status_code == 200, response.text
    assert response.json()["requested"] == 5
    mails = await OutgoingMail.select().where(OutgoingMail.kind == "extended_request")
    assert len(mails) == 5 and all(f"/nominations/" in m["body_text"] for m in mails)
    nid = ids["C1"][0]
    saved = await owner.put(f"/api/nominations/{nid}/extended", json={"text": "Line one.\nLine two, longer."})
    assert saved.status_code == 200, saved.text
    assert saved.json()["words"] == 5 and saved.json()["max_words"] == 1000
    overview = (await staff.get(f"/api/editions/{year}/extended-requests")).json()["items"]
    answered = {row["id"]: row["submitted_at"] is not None for row in overview}
    assert answered == {**{i: False for i in ids["C1"] + ids["C7.4"]}, nid: True}
    # asking again mails only those who have not answered
    again = await staff.post(f"/api/editions/{year}/extended-requests", json={})
    assert again.json()["requested"] == 4


async def test_an_extended_description_obeys_the_word_limit_and_the_deadline(app, staff, owner):
    ids = await two_categories(app)
    year = await year_now()
    nid = ids["C1"][0]
    await set_phase(app, "selection")
    await staff.patch(f"/api/editions/{year}", json={"settings": {"extended_description_max_words": 60}})
    too_long = await owner.put(f"/api/nominations/{nid}/extended", json={"text": words_text(61)})
    assert too_long.status_code == 422 and too_long.json()["extra"][0]["key"] == "text"
    assert (await owner.put(f"/api/nominations/{nid}/extended", json={"text": words_text(60)})).status_code == 200
    empty = await owner.put(f"/api/nominations/{nid}/extended", json={"text": "  "})
    assert empty.status_code == 422
    # not a finalist: refused; someone else's: not found
    other = ids["nominated"][0]
    assert (await owner.put(f"/api/nominations/{other}/extended", json={"text": "x"})).status_code == 409
    async with await signed_in(app, "stranger@example.org") as stranger:
        assert (await stranger.put(f"/api/nominations/{nid}/extended", json={"text": "x"})).status_code == 404
        assert (await stranger.get(f"/api/nominations/{nid}/extended")).status_code == 404
    # after the deadline: closed
    await Edition.update({Edition.extended_deadline: datetime.now(timezone.utc) - timedelta(minutes=1)}).where(
        Edition.year == year)
    late = await owner.put(f"/api/nominations/{nid}/extended", json={"text": "Too late."})
    assert late.status_code == 403 and "deadline" in late.json()["detail"]
    assert (await ExtendedDescription.select(ExtendedDescription.text).first())["text"] == words_text(60)
    assert (await staff.get(f"/api/nominations/{nid}/extended")).json()["open"] is False


async def test_the_extended_description_page_saves_the_text(app, owner):
    ids = await two_categories(app)
    nid = ids["C7.4"][0]
    await set_phase(app, "selection")
    page = await owner.get(f"/nominations/{nid}/extended")
    assert page.status_code == 200 and "C7.4 project A" in page.text
    saved = await owner.post(f"/nominations/{nid}/extended", data={"text": "Our story.", "_csrf_token": await owner.csrf()},
                             csrf=False)
    assert saved.status_code == 303
    assert "Our story." in (await owner.get(saved.headers["location"])).text
    refused = await owner.post(f"/nominations/{nid}/extended", data={"text": "", "_csrf_token": await owner.csrf()},
                               csrf=False)
    assert refused.status_code == 422 and "This field is required." in refused.text


@pytest.mark.parametrize("body", [["C1"], {"C1": "one id"}, {"C1": [7]}, "C1"])
async def test_a_winners_body_of_the_wrong_shape_is_400(app, staff, body):
    await set_phase(app, "selection")
    response = await staff.put(f"/api/editions/{await year_now()}/winners", json=body)
    assert response.status_code == 400 and response.json()["status_code"] == 400


async def test_unknown_fields_in_an_extended_description_are_400(app, owner):
    ids = await two_categories(app)
    await set_phase(app, "selection")
    response = await owner.put(f"/api/nominations/{ids['C1'][0]}/extended", json={"text": "x", "words": 1})
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "words"


async def test_the_staff_results_page_sets_winners_asks_finalists_and_publishes(app, staff, owner):
    ids = await two_categories(app)
    year = await year_now()
    await one_step_publication(staff, year)  # four eyes on the page: tests/prizes/test_publication.py
    await set_phase(app, "selection")
    page = await staff.get(f"/staff/results/{year}")
    assert page.status_code == 200 and "C1 project A" in page.text and "not decided" in page.text
    token = await staff.csrf()

    async def form(path: str, data: dict):
        return await staff.post(path, data={**data, "_csrf_token": token}, csrf=False)

    saved = await form(f"/staff/results/{year}/winners", {"category": "C1", "winner": [ids["C1"][2]]})
    assert saved.status_code == 303 and saved.headers["location"] == f"/staff/results/{year}?saved=winners"
    assert [(await statuses())[i] for i in ids["C1"]] == ["champion", "champion", "winner"]
    too_many = await form(f"/staff/results/{year}/winners", {"category": "C1", "winner": ids["C1"][:2]})
    assert too_many.status_code == 422 and "at most 1" in too_many.text
    asked = await form(f"/staff/results/{year}/extended-requests", {"deadline": f"{year + 1}-01-31T23:00"})
    assert asked.status_code == 303
    assert await OutgoingMail.count().where(OutgoingMail.kind == "extended_request") == 5
    assert (await form(f"/staff/results/{year}/foreword", {"text": "Dear reader,\nwelcome."})).status_code == 303
    assert (await Edition.select(Edition.foreword).first())["foreword"] == "Dear reader,\nwelcome."
    refused = await form(f"/staff/results/{year}/publish", {})
    assert refused.status_code == 403 and "only possible during" in refused.text
    await set_phase(app, "announcement")
    undecided = await form(f"/staff/results/{year}/publish", {})
    assert undecided.status_code == 409 and "C7.4" in undecided.text
    await form(f"/staff/results/{year}/winners", {"category": "C7.4"})  # no winner: both champions
    published = await form(f"/staff/results/{year}/publish", {})
    assert published.status_code == 303 and published.headers["location"] == f"/staff/reports/{year}?published=1"
    reports = await staff.get(published.headers["location"])
    assert reports.status_code == 200 and "The results are published." in reports.text
    assert "Build the book</button>" in reports.text  # (none built for the published edition yet)
