"""axe-core in headless Chromium on the pages of the end of an edition, in English, French and
Arabic (right to left): the finalist's extended-description form (empty, with an error, then
saved), the public results page of a published edition (winners and champions, with their
photos), the catalogue of that year and the staff pages of the edition (tallies, fraud,
results, book, audit, people, statistics). tests/browser/test_console.py checks the staff
pages in English as an edition is run; this checks them with a published edition and in the
other scripts and direction."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from accounts.passwords import Passwords
from accounts.services import create_user
from core.clock import utcnow
from core.settings import Settings
from prizes.results import publication
from prizes.results.services import set_winners
from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.test_accounts import sign_in
from tests.factories import set_phase
from tests.reports.factories import add_photo, add_project

pytestmark = pytest.mark.browser

OWNER_EMAIL, OWNER_PASSWORD = "owner@example.org", "owner's long passphrase"
LANGUAGES = ("en", "fr", "ar")


async def in_language(page, language: str, path: str) -> None:
    """Open `path` in `language` through the site's language switch (and nowhere else: not
    the sign-in page)."""
    await page.goto(f"/language/{language}?next={path}")
    assert page.url.split("://", 1)[1].partition("/")[2] == path.lstrip("/"), page.url
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")


async def test_the_end_of_an_edition_passes_axe_in_three_languages(page, browser, live_server, edition, staff,
                                                                  assert_accessible):
    cheap = Passwords(1, 1024, 1)
    await create_user(cheap, OWNER_EMAIL, OWNER_PASSWORD, "Amina Odhiambo", verified=True)
    grace = await create_user(cheap, "grace@example.org", "a second staff passphrase", "Grace Hopper",
                              verified=True, roles=("staff",))
    winner = await add_project(None, "C1", title="Solar school radios", entity_name="Entity A", owner=OWNER_EMAIL)
    champion = await add_project(None, "C1", title="Open land registry", entity_name="Entity B")
    other = await add_project(None, "C7.4", title="Clinic text reminders", entity_name="Entity C")
    settings = Settings.from_env()
    for item in (winner, champion):
        await add_photo(settings, item, credit="Photo: A. Odhiambo", caption="Pupils around the radio")
    await set_phase(None, "selection")

    # the finalist's extended description: the form, a mistake, then saved
    await sign_in(page, live_server, OWNER_EMAIL, OWNER_PASSWORD, "/nominations")
    await page.get_by_role("link", name="Extended description of “Solar school radios”").click()
    await page.wait_for_url(f"{live_server}/nominations/{winner}/extended")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your story for the Success Stories book")
    await assert_accessible(page, "the extended-description form")
    await page.get_by_label("Extended description").fill("word " * 2000)
    await page.get_by_role("button", name="Save the extended description").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await assert_accessible(page, "the extended-description form with an error")
    await page.get_by_label("Extended description").fill("Our radios reach 40,000 pupils in 300 villages.")
    await page.get_by_role("button", name="Save the extended description").click()
    await expect(page.get_by_role("status")).to_be_visible()
    await assert_accessible(page, "the extended-description form, saved")
    for language in LANGUAGES[1:]:
        await in_language(page, language, f"/nominations/{winner}/extended")
        await assert_accessible(page, f"the extended-description form in {language}")
    await in_language(page, "en", "/nominations")
    await page.get_by_role("button", name="Sign out").click()

    # published: the winners and the champions on the public results page, and the year's catalogue
    await set_winners(staff.as_actor(), edition, {"C1": [winner], "C7.4": [other]}, utcnow())
    await set_phase(None, "announcement")
    await publication.request_publication(staff.as_actor(), edition, None, utcnow(), live_server)
    assert (await publication.approve_publication(grace.as_actor(), edition, utcnow(), live_server))["state"] == (
        "published")
    for language in LANGUAGES:
        await in_language(page, language, f"/results/{edition}")
        main = page.get_by_role("main")
        for title in ("Solar school radios", "Open land registry", "Clinic text reminders"):
            await expect(main).to_contain_text(title)
        await expect(main.locator(".laureate-champion")).to_have_count(1)
        await expect(main.locator(".laureate-winner")).to_have_count(2)
        await expect(main.locator("img")).to_have_count(2)
        await assert_accessible(page, f"the public results page in {language}")
        await main.locator(f"a[href='/projects?year={edition}']").click()
        await page.wait_for_url(f"**/projects?year={edition}")
        await expect(page.locator(f"main a[href='/results/{edition}']")).to_have_count(1)
        await assert_accessible(page, f"the catalogue of {edition} in {language}")

    # the staff pages of the published edition
    await in_language(page, "en", "/")
    await sign_in(page, live_server, STAFF_EMAIL, STAFF_PASSWORD, "/staff")
    paths = [f"/staff/voting/{edition}", f"/staff/fraud/{edition}", f"/staff/results/{edition}",
             f"/staff/reports/{edition}", "/staff/audit", "/staff/people", f"/staff/statistics/{edition}"]
    for language in LANGUAGES:
        for path in paths:
            await in_language(page, language, path)
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            await assert_accessible(page, f"{path} in {language}")
