"""Rankings, progress and reminders for staff, from sheets scored through the API."""

from __future__ import annotations

from accounts.tables import User
from core.audit import entries
from core.i18n import in_language, ngettext
from core.tables import OutgoingMail
from judging.rules import krippendorff_alpha_interval
from tests.factories import set_phase
from tests.judging.factories import judge_account, make_finalists, scores, submit_project


def total(value: int) -> float:
    """The total of a default-rubric sheet with every criterion at `value` (1 to 10)."""
    return 100 * (value - 1) / 9


async def _scored_category(app, owner, judge, judge2):
    """C7.4 with three projects: Ada and Bob submit sheets for the first two, Dee keeps a
    draft; the third project has no sheet. The ids."""
    p1 = await submit_project(owner, 1, title="Alpha clinics")
    p2 = await submit_project(owner, 2, title="Beta records")
    p3 = await submit_project(owner, 3, title="Gamma outreach")
    await judge_account(app, "dee@panel.example", ("C7.4",))
    await set_phase(app, "nomination")
    for api, nid, value in ((judge, p1, 10), (judge, p2, 7), (judge2, p1, 8), (judge2, p2, 9)):
        response = await api.put(f"/api/judging/scores/{nid}", json={"scores": scores(value), "submit": True})
        assert response.status_code == 200, response.text
    from tests.factories import ApiClient

    dee = ApiClient.extra(app)
    await dee.sign_in("dee@panel.example")
    await dee.put(f"/api/judging/scores/{p1}", json={"scores": scores(1)})  # a draft: not counted
    await dee.http.aclose()
    return p1, p2, p3


async def test_staff_read_the_ranking_of_a_category(app, owner, judge, judge2, staff):
    p1, p2, p3 = await _scored_category(app, owner, judge, judge2)
    response = await staff.get("/api/judging/rankings?category=C7.4&round=nomination")
    assert response.status_code == 200
    body = response.json()
    alpha = krippendorff_alpha_interval([[total(10), total(8)], [total(7), total(9)]])
    # The bootstrap (judging/robustness.py): Ada alone puts Alpha first, Bob alone Beta, both
    # together Alpha — Alpha first in about 3/4 of the resamples: a statistical tie.
    shares = [item.pop("first_share") for item in body["items"]]
    assert 0.7 <= shares[0] <= 0.8 and abs(shares[0] + shares[1] - 1) < 1e-9 and shares[2] is None
    assert body.pop("robustness") == {"resamples": 1000, "leader_share": shares[0], "statistical_tie": True}
    assert body == {
        "category": "C7.4",
        "round": "nomination",
        "items": [
            # Equal normalised means (each judge put their two projects one deviation apart);
            # the raw means decide.
            {"nomination_id": p1, "title": "Alpha clinics", "judges": 2, "mean": 88.89, "median": 88.89,
             "spread": 11.11, "normalised_mean": 83.33, "rank": 1},
            {"nomination_id": p2, "title": "Beta records", "judges": 2, "mean": 77.78, "median": 77.78,
             "spread": 11.11, "normalised_mean": 83.33, "rank": 2},
            {"nomination_id": p3, "title": "Gamma outreach", "judges": 0, "mean": None, "median": None,
             "spread": None, "normalised_mean": None, "rank": None},
        ],
        "agreement": round(alpha, 3),
        "outliers": [],
    }
    # the round defaults to the one open; the category is required
    again = (await staff.get("/api/judging/rankings?category=C7.4")).json()
    assert [item.pop("first_share") for item in again["items"]] == shares  # reproducible
    again.pop("robustness")
    assert again == body
    missing = await staff.get("/api/judging/rankings")
    assert missing.status_code == 422 and missing.json()["extra"][0]["key"] == "category"
    assert (await staff.get("/api/judging/rankings?category=C99")).status_code == 422
    assert (await staff.get("/api/judging/rankings?category=C1")).json()["items"] == []


async def test_a_judge_taken_off_the_panel_no_longer_counts(app, owner, judge, judge2, staff):
    p1, _p2, _p3 = await _scored_category(app, owner, judge, judge2)
    await staff.request("DELETE", "/api/judging/assignments", json={"email": "bob@panel.example", "category": "C7.4"})
    first = (await staff.get("/api/judging/rankings?category=C7.4")).json()["items"][0]
    assert (first["nomination_id"], first["judges"], first["mean"]) == (p1, 1, 100.0)


async def test_the_selection_round_ranks_the_finalists_on_its_own_sheets(app, owner, judge, judge2, staff):
    p1, p2, _p3 = await _scored_category(app, owner, judge, judge2)
    await make_finalists(p2)
    await set_phase(app, "selection")
    await judge.put(f"/api/judging/scores/{p2}", json={"scores": scores(4), "submit": True})
    body = (await staff.get("/api/judging/rankings?category=C7.4")).json()
    assert body["round"] == "selection"
    assert [(i["nomination_id"], i["judges"], i["mean"]) for i in body["items"]] == [(p2, 1, round(total(4), 2))]
    # the nomination round's ranking stays readable
    earlier = (await staff.get("/api/judging/rankings?category=C7.4&round=nomination")).json()
    assert [i["nomination_id"] for i in earlier["items"]][:2] == [p1, p2]


async def test_staff_follow_progress_and_remind_the_judges_with_work_left(app, client, owner, judge, judge2, staff):
    p1, p2, p3 = await _scored_category(app, owner, judge, judge2)
    progress = (await staff.get("/api/judging/progress")).json()
    year = (await client.get("/api/editions/current")).json()["year"]
    assert progress == {
        "year": year, "round": "nomination",
        "judges": [
            {"email": "ada@judges.example", "display_name": "Ada", "categories": ["C7.4"], "assigned": 3,
             "submitted": 2, "drafts": 0, "remaining": 1},
            {"email": "bob@panel.example", "display_name": "Bob", "categories": ["C7.4"], "assigned": 3,
             "submitted": 2, "drafts": 0, "remaining": 1},
            {"email": "dee@panel.example", "display_name": "Dee", "categories": ["C7.4"], "assigned": 3,
             "submitted": 0, "drafts": 1, "remaining": 3},
        ],
        "projects": [
            {"nomination_id": p1, "title": "Alpha clinics", "category": "C7.4", "judges": 3, "sheets": 2},
            {"nomination_id": p2, "title": "Beta records", "category": "C7.4", "judges": 3, "sheets": 2},
            {"nomination_id": p3, "title": "Gamma outreach", "category": "C7.4", "judges": 3, "sheets": 0},
        ],
    }
    await judge.put(f"/api/judging/scores/{p3}", json={"scores": scores(5), "submit": True})
    # Dee reads the site in French: her reminder comes in French, whoever sends it.
    await User.update({User.language: "fr"}).where(User.email == "dee@panel.example")
    sent = await staff.post("/api/judging/reminders")
    assert sent.status_code == 200
    assert sent.json() == {"round": "nomination", "reminded": ["bob@panel.example", "dee@panel.example"]}
    mails = await OutgoingMail.select().where(OutgoingMail.kind == "judging_reminder").order_by(OutgoingMail.recipient)
    with in_language("fr"):
        french = ngettext("WSIS Prizes: %(num)d project waits for your scores",
                          "WSIS Prizes: %(num)d projects wait for your scores", 3)
    assert french.startswith("Prix du SMSI")
    assert [(m["recipient"], m["subject"]) for m in mails] == [
        ("bob@panel.example", "WSIS Prizes: 1 project waits for your scores"),
        ("dee@panel.example", french),
    ]
    assert "/judging" in mails[0]["body_text"] and "1 of the 3 projects" in mails[0]["body_text"]
    [entry] = await entries(action="judging.reminders")
    assert entry["details"]["judges"] == ["bob@panel.example", "dee@panel.example"]


async def test_a_winner_in_a_statistical_tie_needs_a_confirmation_with_a_reason(app, owner, judge, judge2, staff):
    from prizes.editions.queries import current_year
    from core.clock import utcnow

    p1 = await submit_project(owner, 1, title="Alpha clinics")
    p2 = await submit_project(owner, 2, title="Beta records")
    await make_finalists(p1, p2)
    await set_phase(app, "selection")
    # Ada prefers Alpha, Bob Beta: the selection ranking's leader depends on who is drawn
    for api, nid, value in ((judge, p1, 10), (judge, p2, 7), (judge2, p1, 8), (judge2, p2, 9)):
        assert (await api.put(f"/api/judging/scores/{nid}", json={"scores": scores(value), "submit": True})).status_code == 200
    year = await current_year(utcnow())
    ranking = (await staff.get("/api/judging/rankings?category=C7.4")).json()
    assert ranking["round"] == "selection" and ranking["robustness"]["statistical_tie"] is True
    page = (await staff.get(f"/staff/judging/{year}/rankings?category=C7.4")).text
    assert "Statistical tie" in page and 'id="robustness"' in page
    url = f"/api/editions/{year}/winners"
    refused = await staff.put(url, json={"C7.4": [p1]})
    assert refused.status_code == 422 and refused.json()["extra"][0]["key"] == "confirm_tie"
    assert "statistical tie" in refused.json()["extra"][0]["message"]
    no_reason = await staff.put(url, params={"confirm_tie": "true", "reason": "  "}, json={"C7.4": [p1]})
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["key"] == "reason"
    # zero winners (everyone champion) names nobody over the others: no confirmation needed
    assert (await staff.put(url, json={"C7.4": []})).status_code == 200
    done = await staff.put(url, params={"confirm_tie": "true", "reason": "Alpha's <b>reach</b> is wider"},
                           json={"C7.4": [p1]})
    assert done.status_code == 200, done.text
    [entry, *_] = await entries(subject=f"edition:{year}", action="edition.winners")
    assert entry["reason"] == "Alpha's <b>reach</b> is wider"
    assert entry["details"]["statistical_ties"]["C7.4"]["statistical_tie"] is True
    results_page = (await staff.get(f"/staff/results/{year}")).text
    assert "I confirm the winner despite the statistical tie" in results_page
