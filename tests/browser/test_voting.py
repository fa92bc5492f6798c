"""In a real browser with JavaScript turned off (headless Chromium against the served site):
a voter signs in, votes in two categories with the plain form, and finds both under "my
votes"; axe-core reports no violation on the vote page and on "my votes". Skipped, with the
reason, where Chromium is missing (as every browser test)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import CHROMIUM, SKIP_REASON
from tests.factories import set_phase
from tests.voting.factories import nominated

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)]

EMAIL, PASSWORD = "voter@example.org", "correct horse battery staple"


async def test_a_voter_votes_in_two_categories_without_javascript_and_sees_them_under_my_votes(
    browser, live_server, edition, assert_accessible
):
    from accounts.passwords import Passwords
    from accounts.services import create_user

    await create_user(Passwords(1, 1024, 1), EMAIL, PASSWORD, "Vera", verified=True)
    await create_user(Passwords(1, 1024, 1), "owner@example.org", PASSWORD, "Owen", verified=True)
    health = await nominated(None, category="C7.4", title="Mobile records for community health")
    teachers = await nominated(None, category="C4", title="Teachers online")
    await set_phase(None, "voting")

    context = await browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = await context.new_page()
    try:
        await page.goto(f"/vote/{health}")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Mobile records for community health")
        await page.get_by_role("link", name="Sign in to vote").click()
        await page.get_by_label("E-mail address").fill(EMAIL)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(f"{live_server}/vote/{health}")
        for project in (health, teachers):
            if project != health:
                await page.goto(f"/vote/{project}")
            await page.get_by_role("button", name="Vote for this project").click()
            await expect(page.get_by_role("status")).to_have_text("Thank you: your vote is recorded.")
            await expect(page.get_by_text("You voted for this project.")).to_be_visible()
        await page.get_by_role("link", name="See my votes and the categories left").click()
        votes = page.get_by_role("region", name="2 votes")
        await expect(votes.get_by_role("row")).to_have_count(3)
        await expect(votes.get_by_role("table").get_by_role("link")).to_have_text(
            ["Teachers online", "Mobile records for community health"])
        left = page.get_by_role("region", name="Categories left")
        await expect(left.locator(".categories > li")).to_have_count(16)
        # each receipt checks itself at /receipts (by POST, without JavaScript)
        await votes.get_by_role("button", name="Check this receipt").first.click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Check a receipt")
        await expect(page.get_by_role("status")).to_contain_text("Counted:")
    finally:
        await context.close()

    # axe needs JavaScript: the same pages, in a context that runs it
    context = await browser.new_context(base_url=live_server, locale="en-GB", bypass_csp=True)
    page = await context.new_page()
    try:
        await page.goto("/login?next=/votes/mine")
        await page.get_by_label("E-mail address").fill(EMAIL)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("My votes")
        await assert_accessible(page, "my votes")
        await page.goto(f"/vote/{health}")
        await assert_accessible(page, "the vote page")
        await page.goto("/receipts")
        await assert_accessible(page, "the receipts page")
    finally:
        await context.close()
