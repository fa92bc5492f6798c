"""Staff correct a category's titles in a real browser: from the staff edition page to the
correction page, a field per language, an error next to its field, the saved title shown to
a French reader; axe-core finds no violation on the page, with and without errors."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.test_pages import sign_in_with_form

pytestmark = pytest.mark.browser


async def test_staff_correct_a_title_and_a_french_reader_sees_it(page, edition, staff, live_server, assert_accessible):
    await sign_in_with_form(page, STAFF_EMAIL, STAFF_PASSWORD)
    await page.goto("/staff")  # the dashboard; the edition's page is in the staff navigation
    await page.get_by_role("link", name="Edition", exact=True).first.click()
    await page.wait_for_url(f"{live_server}/staff/editions/{edition}")
    await page.get_by_role("region", name="Category titles").get_by_role(
        "link", name="Correct the category titles in the six languages").click()
    await page.wait_for_url(f"{live_server}/staff/editions/{edition}/categories")
    await expect(page.locator("form[action$='/categories/C9']")).to_have_count(1)
    await expect(page.locator("main form[method=post]")).to_have_count(18)
    await assert_accessible(page, "the category titles page")

    media = page.get_by_role("region", name="C9 — Media")
    await expect(media.get_by_label("Français")).to_have_value("Médias")
    await expect(media.get_by_label("العربية")).to_have_value("وسائط الإعلام")
    await media.get_by_label("Français").fill("")
    # the field is `required` (the browser refuses it first); without that check, the server's
    await page.locator("form[action$='/categories/C9']").evaluate("form => form.noValidate = true")
    await media.get_by_role("button", name="Save the titles of C9").click()
    await expect(page.locator("#f-C9-fr-error")).to_have_text("This field is required.")
    await expect(page.locator("#f-C9-fr")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "the category titles page with an error")

    media = page.get_by_role("region", name="C9 — Media")
    await media.get_by_label("Français").fill("Les médias")
    await media.get_by_label("Reason (kept in the audit log)").fill("secretariat wording")
    await media.get_by_role("button", name="Save the titles of C9").click()
    await page.wait_for_url(f"{live_server}/staff/editions/{edition}/categories?saved=C9")
    await expect(page.get_by_role("status")).to_have_text("The titles of C9 were saved.")
    await assert_accessible(page, "the category titles page with its notice")

    await page.goto("/language/fr?next=/")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("region", name="Les 18 catégories")).to_contain_text("Les médias")
