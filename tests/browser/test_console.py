"""The staff console in a real browser: a staff member signs in and runs an edition only by
following links and submitting forms from `/staff` — phases, screening, the nominated list,
a judge found on People and put on a panel, a fraud signal voided, the finalists, the
extended descriptions, the winners, publication, the book — then finds those actions in the
audit log. axe-core checks every staff page on the way.

The public's part (projects submitted, votes cast) is set up through the services."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import expect

from accounts.passwords import Passwords
from accounts.services import create_user
from core.clock import utcnow
from core.redis import close_client, make_client
from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.test_judging import submitted
from tests.factories import words_text
from voting import services as voting
from voting.tallies import TallyStore

pytestmark = pytest.mark.browser
CHEAP = Passwords(1, 1024, 1)
SECOND_EMAIL, SECOND_PASSWORD = "grace@example.org", "a second staff passphrase"


def staff_nav(page):
    return page.get_by_role("navigation", name="Staff")


async def go(page, assert_accessible, label: str) -> None:
    """Follow a link of the staff navigation; the page it opens has no axe violation."""
    await staff_nav(page).get_by_role("link", name=label, exact=True).click()
    await assert_accessible(page, label)


async def move_phase(page, assert_accessible, phase_label: str) -> None:
    await go(page, assert_accessible, "Edition")
    await page.select_option("#f-phase", label=phase_label)
    await page.fill("#f-reason", f"On to {phase_label}")
    await page.get_by_role("button", name="Move the phase").click()
    await expect(page.get_by_role("status")).to_contain_text("The phase was moved.")


async def publish(page, assert_accessible) -> None:
    """Four-eyes publication by pages: Ada asks on the results page; Grace, a second staff
    member, signs in, finds the request among the dashboard's next actions and approves it."""
    await go(page, assert_accessible, "Results")
    await page.get_by_role("button", name="Ask to publish the results").click()
    await expect(page.locator("#publication-state")).to_contain_text("Awaiting approval")
    await expect(page.get_by_role("button", name="Approve the publication")).to_have_count(0)
    await assert_accessible(page, "results awaiting approval")
    await go(page, assert_accessible, "Overview")
    await expect(page.locator("main")).to_contain_text(
        "The publication you asked for awaits another staff member's approval")
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.fill("#f-email", SECOND_EMAIL)
    await page.fill("#f-password", SECOND_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="Staff", exact=True).click()
    await page.get_by_role("link", name=f"Approve the publication (asked by {STAFF_EMAIL})").click()
    await assert_accessible(page, "results with a request to approve")
    await page.get_by_role("button", name="Approve the publication").click()
    await expect(page.locator("main")).to_contain_text("published")
    await assert_accessible(page, "results after publication")


async def cast_quick_votes(redis_url: str, nomination_id: str, count: int) -> None:
    """Voters who vote seconds after making their account: the `quick` fraud signal."""
    redis = make_client(redis_url)
    try:
        store = TallyStore(redis)
        for i in range(count):
            voter = await create_user(CHEAP, f"voter{i}@voters.example", "a voter's passphrase", f"Voter {i}",
                                      verified=True)
            await voting.cast_vote(store, voter, nomination_id, voting.Origin(f"192.0.2.{i + 1}"), utcnow())
    finally:
        await close_client(redis)


async def test_staff_run_a_whole_edition_from_the_staff_pages(page, staff, edition, redis_url, assert_accessible):
    owner = await create_user(CHEAP, "owner@owner.example.net", "owner's long passphrase", "Owner", verified=True)
    projects = [await submitted(owner, title=title, entity_name=f"Entity {i}", short_description=words_text(170, seed))
                for i, (title, seed) in enumerate((("Alpha clinics online", "Alpha"), ("Beta records", "Beta"),
                                                   ("Gamma radio school", "Gamma")))]
    await create_user(CHEAP, "kofi@judges.example", "a judge's passphrase", "Kofi Mensah", verified=True)
    await create_user(CHEAP, SECOND_EMAIL, SECOND_PASSWORD, "Grace Hopper", verified=True, roles=("staff",))

    await page.goto("/login?next=/staff")
    await page.fill("#f-email", STAFF_EMAIL)
    await page.fill("#f-password", STAFF_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Edition {edition}")
    await assert_accessible(page, "the staff dashboard")

    # nomination: screen every project, confirm the nominated list
    await move_phase(page, assert_accessible, "Nomination")
    await go(page, assert_accessible, "Overview")
    await page.get_by_role("link", name="Screen the submitted projects").click()
    await assert_accessible(page, "submissions to screen")
    for item in projects:
        await page.locator(f"form[action='/staff/nominations/{item['id']}/eligibility'] button[value=yes]").click()
        row = page.locator("tr", has=page.locator(f"a[href='/projects/{item['id']}']"))
        await expect(row.locator("td").nth(3)).to_contain_text("Eligible")
    await go(page, assert_accessible, "Submissions")
    await page.get_by_role("button", name="Confirm the nominated list").click()
    await assert_accessible(page, "submissions after the nominated list")

    # a judge found on People, given the role and put on a panel
    await go(page, assert_accessible, "People")
    await page.fill("#f-q", "mensah")
    await page.get_by_role("button", name="Find").click()
    await page.get_by_role("link", name="Kofi Mensah").click()
    await assert_accessible(page, "Kofi's account page")
    await page.select_option("#f-role", "judge")
    await page.fill("#f-reason", "Expert on e-health")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.get_by_role("status")).to_contain_text("The role was granted.")
    await page.get_by_role("link", name="Put this judge on a panel").click()
    await assert_accessible(page, "the panels")
    await page.fill("#f-email", "kofi@judges.example")
    await page.select_option("#f-category", "C7.4")
    await page.get_by_role("button", name="Assign the judge").click()
    await expect(page.locator("main")).to_contain_text("kofi@judges.example")

    # voting: the public votes; staff review the fraud signal and void its votes
    await move_phase(page, assert_accessible, "Online voting")
    await cast_quick_votes(redis_url, projects[0]["id"], 3)
    await go(page, assert_accessible, "Overview")
    await page.get_by_role("link", name="Review the fraud signals").click()
    await assert_accessible(page, "the fraud review")
    await page.locator("textarea[name=reason]").first.fill("Accounts made seconds before voting")
    await page.get_by_role("button", name=re.compile("Void the")).first.click()
    await assert_accessible(page, "the fraud review after voiding")

    # selection: finalists, extended descriptions
    await move_phase(page, assert_accessible, "Selection")
    await go(page, assert_accessible, "Overview")
    await page.get_by_role("link", name="Compute the finalists").click()
    await assert_accessible(page, "the tallies")
    await page.get_by_role("button", name="Compute the finalists").click()
    await assert_accessible(page, "the tallies with finalists")
    await go(page, assert_accessible, "Overview")
    await page.get_by_role("link", name="Request extended descriptions").click()
    await page.fill("#f-deadline", (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Mail the finalists who have not answered").click()
    await assert_accessible(page, "the results after the requests")

    # announcement: winners, publication, the book
    await move_phase(page, assert_accessible, "Announcement")
    await go(page, assert_accessible, "Overview")
    await page.get_by_role("link", name="Set the winners").click()
    first = page.locator("input[name=winner]").first
    await first.check()
    winner = (await page.locator(f"label[for='{await first.get_attribute('id')}']").inner_text()).split(" — ")[0]
    await page.get_by_role("button", name="Save C7.4").click()
    await assert_accessible(page, "the results with a winner")
    await publish(page, assert_accessible)
    await go(page, assert_accessible, "Book")
    await page.get_by_role("button", name=re.compile("Build the book")).click()
    await assert_accessible(page, "the book being built")
    await go(page, assert_accessible, "Statistics")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Statistics of the")

    # every step is in the audit log, in words
    await go(page, assert_accessible, "Audit log")
    await page.select_option("#f-edition", "")
    await page.get_by_role("button", name="Filter").click()
    await assert_accessible(page, "the audit log")
    main = page.locator("main")
    for words in ("Ada Lovelace moved the phase from Submission to Nomination",
                  "Ada Lovelace found “Alpha clinics online” eligible",
                  "Ada Lovelace confirmed the nominated list: 3 nominated, 0 not nominated",
                  "Ada Lovelace granted the judge role to kofi@judges.example",
                  "Ada Lovelace put kofi@judges.example on the panel of C7.4",
                  "Ada Lovelace voided 3 votes",
                  "Ada Lovelace computed the finalists",
                  "Ada Lovelace asked ",
                  f"Ada Lovelace set the winners of C7.4: “{winner}”",
                  "Ada Lovelace asked to publish the results",
                  f"Grace Hopper approved the publication asked by {STAFF_EMAIL}",
                  f"Grace Hopper started building the Success Stories book of {edition}"):
        await expect(main).to_contain_text(words)
    await staff_nav(page).get_by_role("link", name="People", exact=True).click()
    await assert_accessible(page, "People")
