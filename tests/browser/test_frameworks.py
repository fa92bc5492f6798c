"""Staff add a goal framework in a real browser, from the staff edition page (no JavaScript
needed): a refused code says why next to its field, the added framework's goals are listed
and editable; axe-core finds no violation on the page, with and without errors."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from reports.demo import GDC_OBJECTIVES, GDC_TITLE
from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.test_pages import sign_in_with_form

pytestmark = pytest.mark.browser


async def test_staff_add_the_gdc_framework_from_the_edition_page(page, edition, staff, live_server, assert_accessible):
    await sign_in_with_form(page, STAFF_EMAIL, STAFF_PASSWORD)
    await page.goto(f"/staff/editions/{edition}")
    section = page.get_by_role("region", name="Goal frameworks")
    await expect(section).to_contain_text("SDG — Sustainable Development Goals")
    await assert_accessible(page, "the staff edition page with its set-up sections")

    add = page.get_by_role("form", name="Add a goal framework")
    await add.get_by_label("Code").fill("gdc")
    await add.get_by_label("Title in English").fill(GDC_TITLE)
    await add.get_by_label("Goals, one a line: number, then title").fill(
        "\n".join(f"{n} {t}" for n, t in GDC_OBJECTIVES))
    await add.get_by_role("button", name="Add the framework").click()
    await expect(page.locator("#f-framework-code-error")).to_contain_text("uppercase letters or digits")
    await expect(page.locator("#f-framework-code")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "the staff edition page with an error")

    add = page.get_by_role("form", name="Add a goal framework")
    await add.get_by_label("Code").fill("GDC")
    await add.get_by_role("button", name="Add the framework").click()
    await page.wait_for_url(f"{live_server}/staff/editions/{edition}?saved=framework#frameworks-heading")
    await expect(page.get_by_role("status")).to_have_text("The goal frameworks were saved.")
    edit = page.get_by_role("form", name=f"GDC — {GDC_TITLE}")
    await expect(edit.get_by_label("Goals, one a line: number, then title")).to_contain_text(
        "5 Enhance international governance of AI for the benefit of humanity")
    await assert_accessible(page, "the staff edition page with the GDC framework")
