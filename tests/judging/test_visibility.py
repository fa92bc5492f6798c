"""What a judge must not see: other judges' scores and the aggregates (unless staff share
them for the round), the rankings and progress (staff only), and in blind mode who submitted
a project — through the API and the pages."""

from __future__ import annotations

import pytest

from tests.factories import ApiClient, make_user, set_phase
from tests.judging.factories import scores, submit_project

ENTITY = "Entity 1"
CONTACT = "amina@health.example.org"
WEBSITE = "https://health.example.org/records"
HIDDEN_KEYS = {"entity_name", "contact_name", "contact_email", "website", "owner_email"}


async def test_no_judge_sees_another_judges_scores_unless_staff_share_them(app, owner, judge, judge2, staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    await judge.put(f"/api/judging/scores/{nid}", json={"scores": scores(9), "comment": "Outstanding", "submit": True})
    await judge2.put(f"/api/judging/scores/{nid}", json={"scores": {"impact": 2}})
    for api in (judge, judge2):
        assert (await api.get(f"/api/judging/projects/{nid}")).json()["panel"] is None
    everything = "".join([str((await judge2.get(f"/api/judging/projects/{nid}")).json()),
                          str((await judge2.get(f"/api/judging/scores/{nid}")).json()),
                          str((await judge2.get("/api/judging/queue")).json()),
                          (await judge2.get("/judging")).text])
    assert "Outstanding" not in everything
    assert "88.89" not in everything
    bob = (await judge2.get(f"/api/judging/projects/{nid}")).json()
    assert bob["sheet"]["scores"] == {"impact": 2}  # his own, only
    page = (await judge2.get(f"/judging/projects/{nid}")).text
    assert "Outstanding" not in page and "other judges" not in page

    await staff.patch("/api/judging/rounds", json={"round": "nomination", "share_scores": True})
    shared = (await judge2.get(f"/api/judging/projects/{nid}")).json()["panel"]
    assert shared == {"judges": 1, "mean": 88.89, "sheets": [{"scores": scores(9), "comment": "Outstanding",
                                                              "total": 88.89}]}
    assert "ada@judges.example" not in str(shared)
    assert "Outstanding" in (await judge2.get(f"/judging/projects/{nid}")).text
    # Ada sees no draft of Bob's: only submitted sheets are shared
    assert (await judge.get(f"/api/judging/projects/{nid}")).json()["panel"] == {"judges": 0, "mean": None,
                                                                                 "sheets": []}


@pytest.mark.parametrize(("role", "status"), [(None, 401), ((), 403), (("judge",), 403), (("staff",), 200)])
@pytest.mark.parametrize("url", ["/api/judging/rankings?category=C7.4", "/api/judging/progress",
                                 "/api/judging/conflicts", "/api/judging/assignments"])
async def test_rankings_progress_and_panels_are_for_staff_only(app, client, role, status, url):
    api = ApiClient.extra(app)
    if role is not None:
        await make_user(app, "someone@example.org", roles=role)
        await api.sign_in("someone@example.org")
    assert (await api.get(url)).status_code == status
    await api.http.aclose()


async def _judge_sees_entity(api: ApiClient, nid: str) -> tuple[bool, bool]:
    """(the API shows the entity or contacts, the page does)."""
    view = (await api.get(f"/api/judging/projects/{nid}")).json()["project"]
    page = (await api.get(f"/judging/projects/{nid}")).text
    in_api = bool(HIDDEN_KEYS & set(view)) or ENTITY in str(view) or CONTACT in str(view)
    in_page = ENTITY in page or CONTACT in page or WEBSITE in page
    return in_api, in_page


async def test_blind_mode_of_the_edition_hides_who_submitted_from_judges_not_staff(app, client, owner, judge, staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    assert await _judge_sees_entity(judge, nid) == (True, True)
    year = (await client.get("/api/editions/current")).json()["year"]
    await staff.patch(f"/api/editions/{year}", json={"settings": {"blind_judging": True}})
    assert await _judge_sees_entity(judge, nid) == (False, False)
    view = (await judge.get(f"/api/judging/projects/{nid}")).json()
    assert view["blind"] is True and view["project"]["title"] == "Project 1 for community health"
    # staff still see everything
    assert (await staff.get(f"/api/nominations/{nid}")).json()["entity_name"] == ENTITY


async def test_blind_mode_of_one_round(app, client, owner, judge, staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    await staff.patch("/api/judging/rounds", json={"round": "selection", "blind": True})
    assert await _judge_sees_entity(judge, nid) == (True, True)  # the nomination round is not blind
    await staff.patch("/api/judging/rounds", json={"round": "nomination", "blind": True})
    assert await _judge_sees_entity(judge, nid) == (False, False)


async def test_a_blind_judge_cannot_read_the_entity_through_the_nominations_api(app, client, owner, judge, staff):
    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    year = (await client.get("/api/editions/current")).json()["year"]
    await staff.patch(f"/api/editions/{year}", json={"settings": {"blind_judging": True}})
    body = (await judge.get(f"/api/nominations/{nid}")).json()
    assert "entity_name" not in body and CONTACT not in str(body)


async def test_the_view_judging_offers_prizes_for_judges_applies_panels_and_blind_mode(app, client, owner, judge,
                                                                                      outsider, staff):
    from accounts.services import load_user
    from accounts.tables import User
    from judging.services import judge_view_policy
    from core.clock import utcnow

    nid = await submit_project(owner, 1)
    await set_phase(app, "nomination")
    year = (await client.get("/api/editions/current")).json()["year"]
    await staff.patch(f"/api/editions/{year}", json={"settings": {"blind_judging": True}})

    async def user(email):
        return await load_user((await User.select(User.id).where(User.email == email).first())["id"])

    view = await judge_view_policy(await user("ada@judges.example"), {"id": nid}, utcnow())
    assert view["title"] == "Project 1 for community health" and not HIDDEN_KEYS & set(view)
    assert await judge_view_policy(await user("cy@elsewhere.example"), {"id": nid}, utcnow()) is None
