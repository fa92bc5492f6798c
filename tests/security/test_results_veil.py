"""Until publication a winner or champion is a `finalist` in every output, to everyone but
staff (its owner included), and the certificate's refusals read the same (issue 13, item 2)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from prizes.editions.tables import Edition
from tests.factories import set_phase, signed_in
from tests.reports.factories import add_project, year_now


@pytest.fixture
async def stranger(app, client):
    async with await signed_in(app, "stranger@example.org") as api:
        yield api


@pytest.fixture
async def laureates(app, client) -> dict[str, str]:
    ids = {status: await add_project(app, "C1", status=status, title=f"The {status} project",
                                     entity_name=f"Entity {status}") for status in ("winner", "champion", "finalist")}
    await set_phase(app, "announcement")
    return ids


async def _publish() -> None:
    await Edition.update({Edition.published_at: datetime.now(timezone.utc)}).where(Edition.year == await year_now())


async def test_the_owner_sees_finalist_everywhere_before_publication(owner, laureates):
    for status in ("winner", "champion"):
        nomination_id = laureates[status]
        assert (await owner.get(f"/api/nominations/{nomination_id}")).json()["status"] == "finalist"
        assert (await owner.get(f"/api/nominations/{nomination_id}/extended")).json()["status"] == "finalist"
        page = (await owner.get(f"/projects/{nomination_id}")).text
        assert "status-finalist" in page and "status-winner" not in page and "status-champion" not in page
    mine = (await owner.get("/api/nominations/mine")).json()["items"]
    assert sorted(i["status"] for i in mine) == ["finalist", "finalist", "finalist"]
    dashboard = (await owner.get("/nominations")).text
    assert "status-winner" not in dashboard and "status-champion" not in dashboard
    assert dashboard.count("status-finalist") == 3


async def test_staff_see_the_decision_before_publication(staff, laureates):
    assert (await staff.get(f"/api/nominations/{laureates['winner']}")).json()["status"] == "winner"
    assert (await staff.get(f"/api/nominations/{laureates['champion']}/extended")).json()["status"] == "champion"


async def test_the_owner_sees_the_result_once_published(owner, laureates):
    await _publish()
    assert (await owner.get(f"/api/nominations/{laureates['winner']}")).json()["status"] == "winner"
    assert (await owner.get(f"/api/nominations/{laureates['champion']}")).json()["status"] == "champion"
    assert "status-winner" in (await owner.get("/nominations")).text


async def test_every_certificate_refusal_reads_the_same_before_publication(owner, stranger, laureates):
    answers = [
        await owner.get(f"/api/nominations/{laureates['winner']}/certificate.pdf"),  # a laureate, unpublished
        await owner.get(f"/api/nominations/{laureates['finalist']}/certificate.pdf"),  # not a laureate
        await stranger.get(f"/api/nominations/{laureates['winner']}/certificate.pdf"),  # not theirs
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.json()["detail"] for a in answers}) == 1
