"""Eligibility appeals in a real browser: the owner appeals from the dashboard (a text too
short is refused naming the field, then a good one is sent), and a staff member who did not
declare the project ineligible upholds it on the staff appeals page; axe-core checks each
page."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from playwright.async_api import expect

from accounts.passwords import Passwords
from accounts.services import create_user
from prizes.nominations.tables import Nomination
from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.test_accounts import sign_in
from tests.factories import set_phase, words_text
from tests.reports.factories import add_project

pytestmark = pytest.mark.browser

OWNER_EMAIL = "owner@example.org"
OWNER_PASSWORD = "owner's long passphrase"
TITLE = "Solar school radios"


async def test_the_owner_appeals_and_another_staff_member_upholds(page, browser, live_server, edition, staff,
                                                                 assert_accessible):
    await create_user(Passwords(1, 1024, 1), OWNER_EMAIL, OWNER_PASSWORD, "Owner", verified=True)
    declarer = await create_user(Passwords(1, 1024, 1), "screener@example.org", "screener long passphrase",
                                 "Screener", verified=True, roles=("staff",))
    await set_phase(None, "nomination")
    nid = await add_project(None, "C1", status="ineligible", title=TITLE, entity_name="Entity A")
    await Nomination.update({Nomination.eligibility_reason: "Not an ICT project", Nomination.eligibility_by: declarer.id,
                             Nomination.outcome_mailed_at: datetime.now(timezone.utc), Nomination.nominated_at: None}
                            ).where(Nomination.id == nid)

    await sign_in(page, live_server, OWNER_EMAIL, OWNER_PASSWORD, "/nominations")
    await assert_accessible(page, "the dashboard offering an appeal")
    await page.get_by_role("link", name=f"Appeal the decision on “{TITLE}”").click()
    await page.wait_for_url(f"{live_server}/nominations/{nid}/appeal")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Appeal the decision on “{TITLE}”")
    await expect(page.get_by_role("main")).to_contain_text("Not an ICT project")
    await assert_accessible(page, "the appeal form")
    field = page.get_by_label("Why the project is eligible")
    await field.fill(words_text(20))
    await page.get_by_role("button", name="Send the appeal").click()
    await expect(page.get_by_role("alert")).to_contain_text("Write 50 to 500 words (now 20).")
    await expect(page.get_by_label("Why the project is eligible")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "the appeal form with an error")
    await page.get_by_label("Why the project is eligible").fill(words_text(80))
    await page.get_by_role("button", name="Send the appeal").click()
    await page.wait_for_url(f"{live_server}/nominations/{nid}/appeal?sent=1")
    await expect(page.get_by_role("status")).to_contain_text("Your appeal was sent.")
    await expect(page.get_by_role("main")).to_contain_text("Awaiting a decision.")
    await assert_accessible(page, "the appeal awaiting a decision")

    context = await browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900},
                                        bypass_csp=True)  # axe-core is injected as an inline script
    try:
        other = await context.new_page()
        await sign_in(other, live_server, STAFF_EMAIL, STAFF_PASSWORD, f"/staff/editions/{edition}")
        await other.get_by_role("link", name="Eligibility appeals").click()
        await other.wait_for_url(f"{live_server}/staff/editions/{edition}/appeals")
        await expect(other.get_by_role("heading", level=1)).to_have_text(f"Eligibility appeals — {edition}")
        await assert_accessible(other, "the staff appeals page")
        await other.get_by_label("Uphold: the project is eligible").check()
        await other.get_by_label("Reason (mailed to the owner and kept in the audit log)").fill("It is an ICT project")
        await other.get_by_role("button", name=f"Record the decision on “{TITLE}”").click()
        await other.wait_for_url(f"{live_server}/staff/editions/{edition}/appeals?decided=*")
        await expect(other.get_by_role("main")).to_contain_text(f"Upheld by {STAFF_EMAIL}")
        await assert_accessible(other, "the staff appeals page after the decision")
    finally:
        await context.close()
    row = await Nomination.select(Nomination.status).where(Nomination.id == nid).first()
    assert row["status"] == "nominated"
