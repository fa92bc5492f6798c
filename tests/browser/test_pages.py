"""The pages in a real browser (headless Chromium against the served site), with axe-core
checking each page for accessibility violations."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import (
    STAFF_EMAIL,
    STAFF_NAME,
    STAFF_PASSWORD,
    axe_results,
    axe_violations,
    focused,
    tab_to,
)

pytestmark = pytest.mark.browser

CODES = ["C1", "C2", "C3", "C4", "C5", "C6", "C7.1", "C7.2", "C7.3", "C7.4", "C7.5", "C7.6", "C7.7", "C7.8",
         "C8", "C9", "C10", "C11"]
PHASE_LABELS = ["Submission", "Nomination", "Online voting", "Selection", "Announcement"]
WRONG_CREDENTIALS = "The e-mail address or the password is not correct."


async def sign_in_with_form(page, email: str, password: str) -> None:
    await page.goto("/login?next=/")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def test_home_page_shows_the_edition_timeline_and_18_categories(page, edition, assert_accessible):
    response = await page.goto("/")
    assert response.status == 200
    await expect(page).to_have_title(f"WSIS Prizes {edition} · WSIS Prizes")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"WSIS Prizes {edition}")
    await expect(page.locator("main .lead")).to_contain_text("The contest is in its Submission phase.")

    timeline = page.get_by_role("region", name="Timeline")
    steps = timeline.get_by_role("listitem")
    await expect(steps).to_have_count(5)
    await expect(timeline.get_by_role("heading", level=3)).to_have_text(
        ["Submission now", "Nomination", "Online voting", "Selection", "Announcement"]
    )
    current = timeline.locator("[aria-current=step]")
    await expect(current).to_have_count(1)
    await expect(current.get_by_role("heading")).to_have_text("Submission now")

    categories = page.get_by_role("region", name="The 18 categories")
    await expect(categories.get_by_role("heading", level=2)).to_have_text("The 18 categories")
    await expect(categories.locator("li .code")).to_have_text(CODES)
    await expect(categories.get_by_role("listitem").filter(has_text="C7.4")).to_have_text(
        "C7.4 ICT applications: e-health"
    )
    await expect(page.get_by_role("link", name="Sign in")).to_have_attribute("href", "/login?next=/")

    await assert_accessible(page, "the home page")


async def test_staff_signs_in_with_the_keyboard_and_opens_the_staff_page(page, edition, staff, live_server, assert_accessible):
    await page.goto("/")
    # From the top of the page: Tab to the "Sign in" link and follow it with Enter.
    await tab_to(page, "header a[href^='/login']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/login?next=/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await assert_accessible(page, "the log-in page")

    # The fields come in order: e-mail address, password, then the button.
    await tab_to(page, "#f-email")
    await page.keyboard.type(STAFF_EMAIL)
    await page.keyboard.press("Tab")
    assert await focused(page, "#f-password")
    await page.keyboard.type(STAFF_PASSWORD)
    await page.keyboard.press("Tab")
    assert await focused(page, "form button[type=submit]")
    await page.keyboard.press("Shift+Tab")
    assert await focused(page, "#f-password")
    await page.keyboard.press("Enter")  # submits the form from the password field

    await page.wait_for_url(f"{live_server}/")
    await expect(page.locator("header .who")).to_have_text(f"Signed in as {STAFF_NAME}")
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The "Staff" link, again with the keyboard.
    await tab_to(page, "header a[href='/staff']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/staff")  # the dashboard; the edition's page is in the staff navigation
    await assert_accessible(page, "the staff dashboard")
    await tab_to(page, f"nav.staff-nav a[href='/staff/editions/{edition}']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/staff/editions/{edition}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Edition {edition}")
    await expect(page.locator("main .lead")).to_have_text(
        "Current phase: Submission. Times are in Europe/Zurich."
    )
    await expect(page.get_by_role("region", name="Move the phase").get_by_label("Phase")).to_have_value("submission")
    await assert_accessible(page, "the staff edition page")


async def test_staff_moves_the_phase_to_voting_and_the_home_page_shows_it(page, edition, staff, live_server, assert_accessible):
    await sign_in_with_form(page, STAFF_EMAIL, STAFF_PASSWORD)
    await expect(page.locator("header .who")).to_have_text(f"Signed in as {STAFF_NAME}")

    await page.goto("/staff")
    await page.get_by_role("navigation", name="Staff").get_by_role("link", name="Edition", exact=True).click()
    await page.wait_for_url(f"{live_server}/staff/editions/{edition}")
    form = page.get_by_role("region", name="Move the phase")
    await form.get_by_label("Phase").select_option(label="Online voting")
    await form.get_by_label("Reason (kept in the audit log)").fill("The jury finished early")
    await form.get_by_role("button", name="Move the phase").click()

    await page.wait_for_url(f"{live_server}/staff/editions/{edition}?saved=phase")
    await expect(page.get_by_role("status")).to_have_text("The phase was moved.")
    await expect(page.locator("main .lead")).to_have_text("Current phase: Online voting. Times are in Europe/Zurich.")
    # newest first: the counting rules frozen as the vote opened, then the move itself
    history = page.get_by_role("region", name="History").get_by_role("row")
    await expect(history.nth(1).get_by_role("cell").nth(2)).to_contain_text("Counting rules frozen (fingerprint ")
    await expect(history.nth(2).get_by_role("cell").nth(1)).to_have_text(STAFF_EMAIL)
    await expect(history.nth(2).get_by_role("cell").nth(2)).to_have_text("Phase moved from Submission to Online voting")
    await expect(history.nth(2).get_by_role("cell").nth(3)).to_have_text("The jury finished early")
    await assert_accessible(page, "the staff edition page with its notice and history")

    await page.goto("/")
    await expect(page.locator("main .lead")).to_contain_text("The contest is in its Online voting phase.")
    current = page.get_by_role("region", name="Timeline").locator("[aria-current=step]")
    await expect(current).to_have_count(1)
    await expect(current.get_by_role("heading")).to_have_text("Online voting now")


async def test_the_language_switch_renders_the_page_in_french(page, edition, live_server, assert_accessible):
    await page.goto("/")
    languages = page.get_by_role("navigation", name="Language")
    # every other official language, each in its own name
    await expect(languages.get_by_role("link")).to_have_text(["Français", "Español", "العربية", "中文", "Русский"])
    await languages.get_by_role("link", name="Français").click()

    await page.wait_for_url(f"{live_server}/")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    english = page.locator("header a[hreflang=en]")
    await expect(english).to_have_text("English")
    await expect(english).to_have_attribute("href", "/language/en?next=/")
    await expect(page.locator("header [aria-current=true][lang=fr]")).to_have_text("Français")
    await assert_accessible(page, "the French home page")

    # The choice is kept (a cookie): the next page is French too, and English comes back.
    await page.goto("/login")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await page.locator("header a[hreflang=en]").click()
    await page.wait_for_url(f"{live_server}/login")
    await expect(page.locator("html")).to_have_attribute("lang", "en")


async def test_a_wrong_password_shows_the_error_on_the_log_in_page(page, edition, staff, live_server, assert_accessible):
    await page.goto("/login?next=/staff")
    await page.get_by_label("E-mail address").fill(STAFF_EMAIL)
    await page.get_by_label("Password").fill("not the password at all")
    async with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as posted:
        await page.get_by_role("button", name="Sign in").click()
    response = await posted.value
    assert response.status == 401

    await expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await expect(page.get_by_label("E-mail address")).to_have_value(STAFF_EMAIL)
    await expect(page.get_by_label("Password")).to_have_value("")
    await expect(page.locator("input[name=next]")).to_have_value("/staff")
    await expect(page.locator("header .who")).to_have_count(0)
    await assert_accessible(page, "the log-in page with its error")



async def test_the_axe_check_reports_violations(page, edition):
    """The harness itself: axe runs its default rules on our pages, colour contrast
    included, and reports a violation when there is one, so the zero-violation
    assertions above mean something."""
    await page.goto("/")
    results = await axe_results(page)
    checked = {rule["id"] for rule in results["passes"]}
    assert {"color-contrast", "html-has-lang", "landmark-one-main", "link-name"} <= checked
    assert results["violations"] == []

    await page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.insertAdjacentHTML("beforeend", '<p style="color:#bbb;background:#fff">faint</p><img src="/static/site.css">');
        }"""
    )
    found = {v["id"]: v for v in await axe_violations(page)}
    assert set(found) == {"color-contrast", "image-alt"}
    assert found["image-alt"]["nodes"][0]["target"] == ["img"]
