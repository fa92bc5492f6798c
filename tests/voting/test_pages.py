"""The pages behind the campaign link, without JavaScript: a voter signs in, votes with a
plain form, sees the receipt, and finds the vote and the categories left under "my votes";
staff see raw and valid tallies and compute the finalists from a page."""

from __future__ import annotations

from tests.factories import set_phase
from tests.voting.factories import nominated, open_voting, voter
from voting.tables import Vote


async def form_post(api, url: str, data: dict | None = None):
    return await api.post(url, data={**(data or {}), "_csrf_token": await api.csrf()}, csrf=False)


async def test_a_visitor_is_asked_to_sign_in_then_votes_with_a_plain_form(app, client):
    health = await nominated(app, category="C7.4", title="Mobile records")
    teachers = await nominated(app, category="C4", title="Teachers online")
    other = await nominated(app, category="C7.4", title="Telemedicine")
    await open_voting(app)
    anonymous = await client.get(f"/vote/{health}")
    assert anonymous.status_code == 200
    assert "Mobile records" in anonymous.text and f"/login?next=/vote/{health}" in anonymous.text
    refused = await form_post(client, f"/vote/{health}")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login?next=")

    ada = await voter(app, "ada@example.org")
    page = await ada.get(f"/vote/{health}")
    assert 'action="/vote/' in page.text and "Vote for this project" in page.text
    cast = await form_post(ada, f"/vote/{health}")
    assert cast.status_code == 303 and cast.headers["location"] == f"/vote/{health}?voted=1"
    receipt = (await Vote.select(Vote.receipt).first())["receipt"]
    shown = await ada.get(cast.headers["location"])
    assert "Thank you: your vote is recorded." in shown.text and receipt in shown.text
    assert "Vote for this project" not in shown.text
    # another project of the same category: the page says the vote is made; posting anyway is 409
    elsewhere = await ada.get(f"/vote/{other}")
    assert "You have already voted in this category, for “Mobile records”" in elsewhere.text
    again = await form_post(ada, f"/vote/{other}")
    assert again.status_code == 409 and "already voted" in again.text
    assert (await form_post(ada, f"/vote/{teachers}")).status_code == 303

    mine = await ada.get("/votes/mine")
    assert mine.status_code == 200
    assert "2 votes" in mine.text and "Mobile records" in mine.text and "Teachers online" in mine.text
    assert receipt in mine.text
    left = mine.text.split("Categories left")[1]
    assert "C7.4" not in left and "C4" not in left and "C1" in left and "C11" in left
    await ada.http.aclose()


async def test_an_unverified_voter_is_told_to_confirm_the_address(app, client):
    project = await nominated(app)
    await open_voting(app)
    newcomer = await voter(app, "new@example.org", verified=False)
    assert "Confirm your e-mail address to vote" in (await newcomer.get(f"/vote/{project}")).text
    assert (await form_post(newcomer, f"/vote/{project}")).status_code == 403
    await newcomer.http.aclose()


async def test_outside_voting_the_page_says_when_voting_closed(app, client):
    project = await nominated(app)
    await set_phase(app, "selection")
    page = await client.get(f"/vote/{project}")
    assert page.status_code == 200 and "Voting closed on" in page.text


async def test_staff_see_raw_and_valid_tallies_and_compute_finalists_from_the_page(app, client, staff):
    project = await nominated(app, category="C1", title="Only one")
    year = await open_voting(app)
    ada = await voter(app, "ada@example.org")
    await form_post(ada, f"/vote/{project}")
    page = await staff.get(f"/staff/voting/{year}")
    assert page.status_code == 200 and "Only one" in page.text and "Finalists are computed in the selection phase." in page.text
    early = await form_post(staff, f"/staff/voting/{year}/finalists")
    assert early.status_code == 303 and early.headers["location"] == f"/staff/voting/{year}?done=phase"
    await set_phase(app, "selection")
    done = await form_post(staff, f"/staff/voting/{year}/finalists")
    assert done.headers["location"] == f"/staff/voting/{year}?done=finalists"
    assert "The finalists were computed from the valid votes." in (await staff.get(done.headers["location"])).text
    await ada.http.aclose()
