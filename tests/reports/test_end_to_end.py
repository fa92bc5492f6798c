"""One whole edition through the API, to the book: submit → screen → confirm → vote →
finalists → extended descriptions and photos → winners → publish → the book, built in the
background from the staff page → certificates."""

from __future__ import annotations

import re

from prizes.nominations.tables import Nomination
from tests.factories import make_user, project, publish_results, set_phase, signed_in, words_text
from tests.reports.factories import image_bytes, pdf_outline, pdf_text


def flat(text: str) -> str:
    return " ".join(text.split())


def has_route(app, path: str, method: str) -> bool:
    return any(route.path == path and method in route.methods for route in app.routes)


async def test_one_edition_from_submission_to_the_published_book(app, client, tmp_path):
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff, \
            await signed_in(app, "amina@example.org") as amina, \
            await signed_in(app, "kofi@example.org") as kofi:
        year = (await client.get("/api/editions/current")).json()["year"]
        assert (await staff.patch(f"/api/editions/{year}", json={"settings": {"shortlist_size": 2}})).status_code == 200

        # submission: three projects in C1, two in C7.4, from two owners
        plan = [(amina, "C1", "Solar school radios"), (kofi, "C1", "Open land registry"),
                (amina, "C1", "Village broadband"), (kofi, "C7.4", "Clinic text reminders"),
                (amina, "C7.4", "Midwife tablets")]
        ids = {}
        for index, (owner, category, title) in enumerate(plan):
            body = project(category=category, title=title, entity_name=f"Entity {index}",
                           short_description=words_text(170, f"S{index}x"), impact=words_text(60, f"I{index}x"))
            created = await owner.post("/api/nominations", json=body)
            assert created.status_code == 201, created.text
            submitted = await owner.post(f"/api/nominations/{created.json()['id']}/submit")
            assert submitted.status_code == 200, submitted.text
            ids[title] = created.json()["id"]

        # screening and the nominated list
        await set_phase(app, "nomination")
        for nid in ids.values():
            assert (await staff.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True})).status_code == 200
        assert (await staff.post(f"/api/editions/{year}/nominated")).json()["nominated"] == 5

        # the public vote, then the finalists: the two most-voted of each category
        await set_phase(app, "voting")
        ballots = {"Solar school radios": [0, 1, 2], "Open land registry": [3, 4], "Village broadband": [5],
                   "Clinic text reminders": [0, 1], "Midwife tablets": [2]}  # voters of each project
        voting = has_route(app, "/api/votes", "POST")
        if voting:
            for i in range(6):
                await make_user(app, f"voter{i}@example.org")
                async with signed_in_as(app, f"voter{i}@example.org") as voter:
                    for title, who in ballots.items():
                        if i in who:
                            response = await voter.post("/api/votes", json={"nomination_id": ids[title]})
                            assert response.status_code == 201, response.text
        await set_phase(app, "selection")
        if has_route(app, "/api/editions/{year:int}/finalists", "POST"):
            finalists = (await staff.post(f"/api/editions/{year}/finalists")).json()
            assert finalists["C1"] == [ids["Solar school radios"], ids["Open land registry"]]
            assert finalists["C7.4"] == [ids["Clinic text reminders"], ids["Midwife tablets"]]
        else:  # no voting domain: the finalists are set as it would set them
            chosen = [ids[t] for t in ("Solar school radios", "Open land registry", "Clinic text reminders",
                                       "Midwife tablets")]
            await Nomination.update({Nomination.status: "finalist"}).where(Nomination.id.is_in(chosen))

        # the finalists are asked for their stories; one answers, with a photo
        requests = await staff.post(f"/api/editions/{year}/extended-requests", json={"deadline": f"{year + 1}-01-31T23:00:00"})
        assert requests.status_code == 200 and requests.json()["requested"] == 4
        story = "Our radios reach 40,000 pupils in 300 villages.\nTeachers record lessons in six languages."
        solar = ids["Solar school radios"]
        assert (await amina.put(f"/api/nominations/{solar}/extended", json={"text": story})).status_code == 200
        photo = await amina.post(f"/api/nominations/{solar}/images", files={"file": ("a.jpg", image_bytes("jpeg"), "image/jpeg")},
                                 data={"credit": "Photo: A. Odhiambo", "caption": "A lesson on air"})
        assert photo.status_code == 201, photo.text

        # the winners: one each; the other finalists are champions
        winners = {"C1": [solar], "C7.4": [ids["Clinic text reminders"]]}
        assert (await staff.put(f"/api/editions/{year}/winners", json=winners)).json()["undecided"] == []

        # publication, in the announcement phase
        await set_phase(app, "announcement")
        assert (await client.get(f"/api/editions/{year}/winners")).status_code == 404
        published = await publish_results(app, staff, year)
        assert published.status_code == 200 and published.json()["state"] == "published", published.text
        listed = (await client.get(f"/api/editions/{year}/winners")).json()["items"]
        assert [i["title"] for i in listed] == ["Solar school radios", "Clinic text reminders"]
        assert [i["title"] for i in (await client.get(f"/api/editions/{year}/champions")).json()["items"]] == [
            "Open land registry", "Midwife tablets"]
        results_page = (await client.get(f"/results/{year}")).text
        assert "Solar school radios" in results_page and "Photo: Photo: A. Odhiambo" in results_page

        # the book: built in the background from the staff page, progress shown there
        started = await staff.post(f"/staff/reports/{year}/build", data={"_csrf_token": await staff.csrf()}, csrf=False)
        assert started.status_code == 303
        running = await staff.get(started.headers["location"])
        assert running.status_code == 200
        if "Building:" in running.text:  # a link to see the progress (a timed refresh fails WCAG 2.2.1)
            assert f'href="/staff/reports/{year}">See the progress now' in running.text
        await app.state["books"].wait(year)
        done = (await staff.get(f"/staff/reports/{year}")).text
        assert "Last build:" in done and "See the progress now" not in done, done

        book = await client.get(f"/reports/{year}/success-stories.pdf")
        assert book.status_code == 200 and book.headers["content-type"] == "application/pdf"
        text = flat(pdf_text(book.content, tmp_path))
        for title in ("Solar school radios", "Open land registry", "Clinic text reminders", "Midwife tablets"):
            assert title in text, title
        assert "Village broadband" not in text  # nominated, not a finalist
        assert "Our radios reach 40,000 pupils in 300 villages." in text
        assert "Photo: A. Odhiambo" in text
        assert len([1 for level, _t in pdf_outline(book.content) if level == 1]) >= 18 + 3
        web = await client.get(f"/reports/{year}/success-stories.html")
        assert web.status_code == 200 and "Solar school radios" in web.text
        stats = dict((label, value) for value, label in re.findall(
            r'<span class="stat-value">([^<]*)</span> <span class="stat-label">([^<]*)</span>', web.text))
        assert stats == {"projects submitted": "5", "projects nominated": "5", "countries": "1",
                         "winners and champions": "4",
                         **({"valid votes": "9", "voters": "6", "votes recorded": "9", "votes voided by the audit": "0"}
                            if voting else {})}
        if voting:  # the book names the fingerprint of the rules the votes were counted by
            assert (await client.get(f"/api/editions/{year}")).json()["rules_fingerprint"] in web.text
        assert "default-src 'none'" in web.headers["content-security-policy"]
        assert f'src="/media/images/{photo.json()["id"]}"' in web.text
        assert (await client.get(f"/media/images/{photo.json()['id']}")).status_code == 200

        # the certificates
        certificate = await amina.get(f"/api/nominations/{solar}/certificate.pdf")
        assert certificate.status_code == 200 and "Solar school radios" in flat(pdf_text(certificate.content, tmp_path))

        # a change to the book makes the stored PDF stale: never served, rebuilt in the background
        assert (await staff.put(f"/api/editions/{year}/foreword", json={"text": "A new foreword."})).status_code == 200
        stale = await client.get(f"/reports/{year}/success-stories.pdf")
        assert stale.status_code == 503 and stale.headers["retry-after"] == "20"
        assert '<meta http-equiv="refresh"' in stale.text
        assert "A new foreword." in (await client.get(f"/reports/{year}/success-stories.html")).text


def signed_in_as(app, email: str):
    """A browser signed in as an existing account."""
    from tests.factories import _SignedIn

    return _SignedIn(app, email)
