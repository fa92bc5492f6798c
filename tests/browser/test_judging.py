"""Judging in a real browser: a judge scores two projects with the keyboard only, one with a
mistake shown next to its field and then corrected; axe-core checks the queue and the sheet
pages in each state.

Set-up goes through the services (no HTTP round trip), on the database the served site shares
with the test run.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.async_api import expect

from accounts.passwords import Passwords
from accounts.services import create_user
from accounts.tables import User
from core.audit import Actor
from judging import services as judging
from judging.tables import ScoreSheet
from prizes.nominations import services as nominations
from core.clock import utcnow
from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD, focused, tab_to
from tests.browser.test_accounts import expect_field_error, expect_no_field_error, post_response
from tests.factories import project, set_phase, words_text

pytestmark = pytest.mark.browser

JUDGE_EMAIL = "ada@judges.example"
JUDGE_NAME = "Ada Judge"
JUDGE_PASSWORD = "fair scores for every project"
KEYS = ["action_line", "impact", "empowerment", "sdgs", "replication", "sustainability", "partnerships",
        "wsis_values"]
OUT_OF_SCALE = "Enter a whole number from 1 to 10."


async def submitted(owner, **overrides) -> dict:
    fields = project(**overrides)
    fields["started_on"] = date.fromisoformat(fields["started_on"])  # as the API hands it to the service
    draft = await nominations.create_draft(owner, fields, utcnow())
    return await nominations.submit(owner, draft["id"], utcnow())


async def _set_up() -> tuple[str, str]:
    owner = await create_user(Passwords(1, 1024, 1), "owner@owner.example.net", "owner's long passphrase", "Owner",
                              verified=True)
    first = await submitted(owner, title="Alpha clinics online", entity_name="Entity one",
                            short_description=words_text(170, "Alpha"))
    second = await submitted(owner, title="Beta records for nurses", entity_name="Entity two",
                             short_description=words_text(170, "Beta"))
    await create_user(Passwords(1, 1024, 1), JUDGE_EMAIL, JUDGE_PASSWORD, JUDGE_NAME, verified=True, roles=("judge",))
    await judging.assign_judge(JUDGE_EMAIL, "C7.4", None, Actor.system(), utcnow())
    await set_phase(None, "nomination")
    return first["id"], second["id"]


async def _type_scores(page, values: list[str], comment: str) -> None:
    """From the first score field: each value, Tab to the next, then the comment."""
    await tab_to(page, f"#f-score-{KEYS[0]}")
    for key, value in zip(KEYS, values):
        assert await focused(page, f"#f-score-{key}"), key
        await page.keyboard.press("Control+A")
        await page.keyboard.type(value)
        await page.keyboard.press("Tab")
    assert await focused(page, "#f-comment")
    await page.keyboard.type(comment)


async def test_a_judge_scores_two_projects_with_the_keyboard_only(page, live_server, assert_accessible):
    first, second = await _set_up()

    await page.goto("/login?next=/judging")
    await page.get_by_label("E-mail address").fill(JUDGE_EMAIL)
    await page.get_by_label("Password").fill(JUDGE_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{live_server}/judging")
    await expect(page.get_by_role("heading", level=1)).to_have_text("My judging queue")
    await expect(page.locator("#queue-progress-label")).to_have_text("0 of 2 score sheets submitted")
    await expect(page.get_by_role("progressbar", name="0 of 2 score sheets submitted")).to_have_attribute("value", "0")
    await assert_accessible(page, "the judge's queue")

    # From the queue to the first project without a submitted sheet, by the keyboard.
    await tab_to(page, "main a.button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/judging/projects/{first}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Alpha clinics online")
    await expect(page.get_by_label("Results and impact (from 1 to 10)")).to_be_visible()
    await assert_accessible(page, "a score sheet")

    # A mistake: 12 on a 1-to-10 scale, then "Save and next".
    await _type_scores(page, ["7", "12", "6", "7", "5", "6", "7", "8"], "Convincing evidence of reach.")
    await tab_to(page, "button[value=next]", limit=5)
    async with post_response(page, f"/judging/projects/{first}") as posted:
        await page.keyboard.press("Enter")
    assert (await posted.value).status == 422
    await expect_field_error(page, "score-impact", OUT_OF_SCALE)
    await expect_no_field_error(page, "score-action_line")
    await expect(page.locator("#f-score-impact")).to_have_value("12")
    await expect(page.locator("#f-score-wsis_values")).to_have_value("8")
    await expect(page.locator("#f-comment")).to_have_value("Convincing evidence of reach.")
    await assert_accessible(page, "a score sheet with a mistake")

    # Corrected with the keyboard: the summary's link leads to the field.
    await tab_to(page, "#error-summary a")
    await page.keyboard.press("Enter")
    assert await focused(page, "#f-score-impact")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("8")
    await tab_to(page, "button[value=next]", limit=12)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/judging/projects/{second}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Beta records for nurses")

    # The second project, submitted at once.
    await _type_scores(page, ["9", "9", "8", "9", "7", "8", "9", "9"], "")
    await tab_to(page, "button[value=submit]", limit=5)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/judging/projects/{second}?saved=submitted")
    await expect(page.get_by_role("status")).to_have_text("Your score sheet was submitted.")
    await expect(page.locator("#f-score-impact")).to_have_count(0)
    await assert_accessible(page, "a submitted score sheet")

    await page.goto("/judging")
    await expect(page.locator("#queue-progress-label")).to_have_text("1 of 2 score sheets submitted")
    rows = page.locator("table.queue tbody tr")
    await expect(rows.nth(0)).to_contain_text("Alpha clinics online")
    await expect(rows.nth(0)).to_contain_text("Draft saved")
    await expect(rows.nth(1)).to_contain_text("Submitted")
    await assert_accessible(page, "the judge's queue with progress")

    sheets = {str(s["nomination"]): s for s in await ScoreSheet.select().output(load_json=True)}
    assert sheets[first]["status"] == "draft" and sheets[first]["scores"]["impact"] == 8
    assert sheets[first]["comment"] == "Convincing evidence of reach."
    assert sheets[second]["status"] == "submitted" and sheets[second]["scores"]["wsis_values"] == 9


async def test_the_staff_judging_pages_are_accessible(page, live_server, staff, assert_accessible):
    first, _second = await _set_up()
    judge = await User.select(User.id).where(User.email == JUDGE_EMAIL).first()
    await ScoreSheet.insert(ScoreSheet(nomination=first, judge=judge["id"], round="nomination", status="submitted",
                                       scores='{"action_line": 7, "impact": 8, "empowerment": 6, "sdgs": 7, '
                                              '"replication": 5, "sustainability": 6, "partnerships": 7, '
                                              '"wsis_values": 8}', submitted_at=utcnow()))
    await page.goto("/login?next=/staff/judging")
    await page.get_by_label("E-mail address").fill(STAFF_EMAIL)
    await page.get_by_label("Password").fill(STAFF_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{live_server}/staff/judging/*")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Judging")
    await assert_accessible(page, "the staff panels and rubrics page")
    await page.get_by_role("navigation", name="Judging").get_by_role("link", name="Progress").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Judging progress")
    await assert_accessible(page, "the staff progress page")
    await page.get_by_role("navigation", name="Judging").get_by_role("link", name="Rankings").click()
    await page.get_by_label("Category").select_option("C7.4")
    await page.get_by_role("button", name="Show the ranking").click()
    await expect(page.get_by_role("table").first).to_contain_text("Alpha clinics online")
    await assert_accessible(page, "the staff rankings page")
