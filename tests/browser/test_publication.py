"""Four-eyes publication in a real browser: one staff member asks to publish on the staff
results page, sees that another must approve, and a second staff member approves it; axe-core
checks the page in each state."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from accounts.passwords import Passwords
from accounts.services import create_user
from core.audit import Actor
from core.clock import utcnow
from prizes.results.services import set_winners
from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.test_accounts import sign_in
from tests.factories import set_phase
from tests.reports.factories import add_project

pytestmark = pytest.mark.browser

SECOND_EMAIL = "grace@example.org"
SECOND_PASSWORD = "another long staff passphrase"


async def test_one_staff_member_asks_and_another_approves(page, browser, live_server, edition, staff,
                                                        assert_accessible):
    await create_user(Passwords(1, 1024, 1), "owner@example.org", "owner's long passphrase", "Owner", verified=True)
    await create_user(Passwords(1, 1024, 1), SECOND_EMAIL, SECOND_PASSWORD, "Grace Hopper", verified=True,
                      roles=("staff",))
    winner = await add_project(None, "C1", title="Solar school radios", entity_name="Entity A")
    await add_project(None, "C1", title="Open land registry", entity_name="Entity B")
    await set_phase(None, "selection")
    await set_winners(Actor.system(), edition, {"C1": [winner]}, utcnow())
    await set_phase(None, "announcement")

    url = f"/staff/results/{edition}"
    await sign_in(page, live_server, STAFF_EMAIL, STAFF_PASSWORD, url)
    publish = page.get_by_role("region", name="Publish")
    await expect(publish.locator("#publication-state")).to_contain_text("Not requested.")
    await assert_accessible(page, "the staff results page before a request")
    await publish.get_by_role("button", name="Ask to publish the results").click()
    await page.wait_for_url(f"{live_server}{url}?saved=publication")
    await expect(page.get_by_role("status")).to_have_text("The publication was updated.")
    await expect(publish.locator("#publication-state")).to_contain_text(
        f"Awaiting approval — asked by {STAFF_EMAIL}")
    await expect(publish.locator("#publication-state")).to_contain_text("Another staff member must approve it.")
    await expect(publish.get_by_role("button", name="Approve the publication")).to_have_count(0)
    await expect(publish.get_by_role("button", name="Cancel the publication request")).to_be_visible()
    await assert_accessible(page, "the staff results page awaiting another's approval")

    context = await browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900},
                                        bypass_csp=True)  # axe-core is injected as an inline script
    try:
        other = await context.new_page()
        await sign_in(other, live_server, SECOND_EMAIL, SECOND_PASSWORD, url)
        theirs = other.get_by_role("region", name="Publish")
        await expect(theirs.locator("#publication-state")).to_contain_text("You may approve it.")
        await assert_accessible(other, "the staff results page for the approver")
        await theirs.get_by_role("button", name="Approve the publication").focus()
        await other.keyboard.press("Enter")
        await other.wait_for_url(f"{live_server}/staff/reports/{edition}?published=1")
        await expect(other.locator("p.notice")).to_contain_text("The results are published.")
    finally:
        await context.close()
    await page.goto(f"/results/{edition}")
    await expect(page.get_by_text("Solar school radios").first).to_be_visible()
