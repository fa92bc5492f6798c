"""Nominations in a real browser: an owner submits a project through the form (a mistake
first, shown next to its field, then corrected), the public browses the nominated projects
with the GET filter form (with and without JavaScript), and staff list the submissions.
axe-core checks every page.

Set-up goes through the same services the pages and the API use (no HTTP round trip), on
the database the served site shares with the test run.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.async_api import expect

from accounts.passwords import Passwords
from accounts.services import CurrentUser, create_user
from core.tables import OutgoingMail
from judging.services import NOMINATION_ACCESS
from prizes.nominations import services as nominations
from prizes.editions.queries import current_year
from core.clock import utcnow
from prizes.nominations.tables import Nomination
from tests.browser.conftest import STAFF_EMAIL, STAFF_NAME, STAFF_PASSWORD
from tests.browser.test_accounts import expect_field_error, expect_no_field_error, field, post_response, sign_in
from tests.factories import project, set_phase, words_text

pytestmark = pytest.mark.browser

OWNER_EMAIL = "amina@example.org"
OWNER_NAME = "Amina Odhiambo"
OWNER_PASSWORD = "mobile records for every district"
TITLE = "Mobile records for community health"
SHORT_DESCRIPTION_ERROR = "Write 150 to 200 words (now 90)."


async def verified_owner(email: str = OWNER_EMAIL, name: str = OWNER_NAME, password: str = OWNER_PASSWORD) -> CurrentUser:
    # Cheap argon2 parameters, as the server's: it verifies with its own.
    return await create_user(Passwords(1, 1024, 1), email, password, name, verified=True)


def service_fields(**overrides) -> dict:
    """`tests.factories.project()` as the services take it (the API turns the date string
    into a date before they see it)."""
    fields = project(**overrides)
    if isinstance(fields.get("started_on"), str):
        fields["started_on"] = date.fromisoformat(fields["started_on"])
    return fields


async def submitted(owner: CurrentUser, **overrides) -> dict:
    now = utcnow()
    draft = await nominations.create_draft(owner, service_fields(**overrides), now)
    return await nominations.submit(owner, draft["id"], now)


# --- a. an owner submits a project through the form ---------------------------------------------


async def fill_project_form(page, short_description: str) -> None:
    """Every field of the form, in its order on the page."""
    await page.get_by_label("Category (WSIS action line)").select_option("C7.4")
    await page.get_by_label("Project title").fill(TITLE)
    await page.get_by_label("Short description").fill(short_description)
    await page.get_by_label("Web site").fill("https://health.example.org/records")
    await page.get_by_label("Project status").select_option(label="Completed")
    await page.get_by_label("Start date").fill("2021-03-01")
    await page.get_by_label("Entity name").fill("Ministry of Health")
    await page.get_by_label("Stakeholder type").select_option(label="Government")
    await page.get_by_label("Country").select_option("KE")
    await page.get_by_label("ITU region").select_option(label="Africa")
    await page.get_by_label("Contact person").fill(OWNER_NAME)
    await page.get_by_label("Contact e-mail address").fill("amina@health.example.org")
    await page.get_by_label("Goal 3: Good health and well-being", exact=True).check()
    await page.get_by_label("Goal 10: Reduced inequalities", exact=True).check()
    await page.get_by_label("How the project serves these goals").fill(words_text(60, "Goal"))
    await page.get_by_label("Impact: qualitative and quantitative").fill(words_text(60, "Impact"))
    await page.get_by_role("textbox", name="Partnerships").fill(words_text(60, "Partners"))
    await page.get_by_label("Challenges and future perspectives").fill(words_text(60, "Challenges"))
    await page.get_by_label("The submission is in English.").check()
    await page.get_by_label("The information is accurate and complete.").check()
    await page.get_by_label("We consent to the publication of this information by the WSIS Prizes.").check()


async def expect_values_kept(page, short_description: str) -> None:
    await expect(page.get_by_label("Category (WSIS action line)")).to_have_value("C7.4")
    await expect(page.get_by_label("Project title")).to_have_value(TITLE)
    await expect(page.get_by_label("Short description")).to_have_value(short_description)
    await expect(page.get_by_label("Web site")).to_have_value("https://health.example.org/records")
    await expect(page.get_by_label("Project status")).to_have_value("completed")
    await expect(page.get_by_label("Start date")).to_have_value("2021-03-01")
    await expect(page.get_by_label("Entity name")).to_have_value("Ministry of Health")
    await expect(page.get_by_label("Stakeholder type")).to_have_value("government")
    await expect(page.get_by_label("Country")).to_have_value("KE")
    await expect(page.get_by_label("ITU region")).to_have_value("africa")
    await expect(page.get_by_label("Contact person")).to_have_value(OWNER_NAME)
    await expect(page.get_by_label("Contact e-mail address")).to_have_value("amina@health.example.org")
    await expect(page.get_by_label("Our own project")).to_be_checked()
    for goal in range(1, 18):
        box = page.locator(f"#f-sdg-{goal}")  # labelled "Goal 3: Good health and well-being"
        if goal in (3, 10):
            await expect(box).to_be_checked()
        else:
            await expect(box).not_to_be_checked()
    await expect(page.get_by_label("How the project serves these goals")).to_have_value(words_text(60, "Goal"))
    await expect(page.get_by_label("Impact: qualitative and quantitative")).to_have_value(words_text(60, "Impact"))
    await expect(page.get_by_role("textbox", name="Partnerships")).to_have_value(words_text(60, "Partners"))
    await expect(page.get_by_label("Challenges and future perspectives")).to_have_value(words_text(60, "Challenges"))
    for label in ("The submission is in English.", "The information is accurate and complete.",
                  "We consent to the publication of this information by the WSIS Prizes."):
        await expect(page.get_by_label(label)).to_be_checked()


async def test_an_owner_corrects_a_mistake_and_submits_a_project(page, live_server, assert_accessible):
    await verified_owner()
    await sign_in(page, live_server, OWNER_EMAIL, OWNER_PASSWORD, next_="/")
    await expect(page.locator("header .who")).to_have_text(f"Signed in as {OWNER_NAME}")

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    await page.wait_for_url(f"{live_server}/nominations")
    await expect(page.get_by_role("heading", level=1)).to_have_text("My projects")
    await expect(page.get_by_role("main")).to_contain_text("You have no project in this edition yet.")
    await assert_accessible(page, "the empty dashboard")

    await page.get_by_role("link", name="Submit a new project").click()
    await page.wait_for_url(f"{live_server}/nominations/new")
    await expect(page).to_have_title("Submit a project · WSIS Prizes")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Submit a project")
    await expect(page.get_by_role("alert")).to_have_count(0)
    await assert_accessible(page, "the empty project form")

    # One mistake: a short description of 90 words.
    short = words_text(90)
    await fill_project_form(page, short)
    async with post_response(page, "/nominations/new") as posted:
        await page.get_by_role("button", name="Submit the project").click()
    assert (await posted.value).status == 422

    summary = page.get_by_role("alert")
    await expect(summary.get_by_role("heading")).to_have_text("The project is not complete yet.")
    await expect(summary.get_by_role("listitem")).to_have_text([SHORT_DESCRIPTION_ERROR])
    await expect(summary.get_by_role("link", name=SHORT_DESCRIPTION_ERROR)).to_have_attribute(
        "href", "#f-short_description"
    )
    await expect_field_error(page, "short_description", SHORT_DESCRIPTION_ERROR)
    await expect(field(page, "short_description").locator(".hint")).to_contain_text("Now: 90 words.")
    for name in ("title", "website", "entity_name", "country", "region", "contact_email", "impact", "challenges"):
        await expect_no_field_error(page, name)
    await expect_values_kept(page, short)
    # The draft was kept: the form now saves that draft rather than making another.
    [draft] = await Nomination.select(Nomination.id, Nomination.status)
    assert draft["status"] == "draft"
    project_form = page.locator("main form").filter(has=page.get_by_role("button", name="Submit the project"))
    await expect(project_form).to_have_attribute("action", f"/nominations/{draft['id']}/edit")
    assert await OutgoingMail.count().where(OutgoingMail.kind == "receipt") == 0
    await assert_accessible(page, "the project form with its error")

    # The link in the summary takes the reader to the field.
    await summary.get_by_role("link", name=SHORT_DESCRIPTION_ERROR).click()
    await expect(page).to_have_url(re.compile(r"#f-short_description$"))

    # Corrected: 170 words.
    await page.get_by_label("Short description").fill(words_text(170))
    async with post_response(page, f"/nominations/{draft['id']}/edit") as posted:
        await page.get_by_role("button", name="Submit the project").click()
    assert (await posted.value).status == 303
    await page.wait_for_url(f"{live_server}/nominations/{draft['id']}/receipt")
    await expect(page).to_have_title("Project submitted · WSIS Prizes")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Project submitted")
    receipt = page.get_by_role("status")
    await expect(receipt).to_contain_text(f"We received “{TITLE}” for the WSIS Prizes")
    await expect(receipt).to_contain_text("category C7.4")
    await expect(receipt).to_contain_text(f"Reference: {draft['id']}")
    await expect(receipt).to_contain_text(f"A receipt is on its way to {OWNER_EMAIL}.")
    await assert_accessible(page, "the receipt")

    row = await Nomination.select(Nomination.status, Nomination.short_description).where(Nomination.id == draft["id"]).first()
    assert row == {"status": "submitted", "short_description": words_text(170)}
    [mail] = await OutgoingMail.select(OutgoingMail.recipient, OutgoingMail.body_text).where(OutgoingMail.kind == "receipt")
    assert mail["recipient"] == OWNER_EMAIL and str(draft["id"]) in mail["body_text"]

    await page.get_by_role("link", name="Back to my projects").click()
    await page.wait_for_url(f"{live_server}/nominations")
    rows = page.get_by_role("table", name="Your projects and their status").get_by_role("row")
    await expect(rows).to_have_count(2)  # the header row and the project
    await expect(rows.nth(1).get_by_role("cell")).to_have_text(
        [TITLE, "C7.4", "Submitted", f"Withdraw “{TITLE}” to a draft Receipt of “{TITLE}” Photos of “{TITLE}”"]
    )  # and the links to its receipt and to its photos
    await assert_accessible(page, "the dashboard with a submitted project")
    await page.get_by_role("link", name=f"Photos of “{TITLE}”").click()
    await page.wait_for_url(re.compile(r".*/nominations/[0-9a-f-]+/edit#photos$"))
    await expect(page.get_by_role("heading", name="Photos for the Success Stories book")).to_be_visible()


# --- b. the public catalogue ---------------------------------------------------------------------

# (title, category, region, country); all nominated except where said.
AFRICA = [(f"Africa project {n:02d}", "C7.4", "africa", "KE") for n in range(1, 23)]
EUROPE = [("Open data for rivers", "C4", "europe", "FR"), ("Libraries online", "C3", "europe", "DE")]
AMERICAS = [("Farm prices by text message", "C7.6", "americas", "BR")]
REFUSED = ("Refused project in Europe", "C5", "europe", "IT")


async def nominated_catalogue() -> dict[str, str]:
    """Projects submitted, screened and confirmed as staff would, then the edition moved to
    online voting. Their ids by title."""
    owner = await verified_owner()
    staff = await create_user(Passwords(1, 1024, 1), "screener@example.org", "screening all day long", "Screener",
                              verified=True, roles=("staff",))
    ids: dict[str, str] = {}
    for n, (title, category, region, country) in enumerate(AFRICA + EUROPE + AMERICAS + [REFUSED]):
        item = await submitted(owner, title=title, category=category, region=region, country=country,
                               entity_name=f"Entity {n}", short_description=words_text(170, f"Seed{n}x"))
        ids[title] = item["id"]
    await set_phase(None, "nomination")
    now = utcnow()
    for title, nomination_id in ids.items():
        await nominations.decide_eligibility(staff, nomination_id, title != REFUSED[0], "not ICT" if title == REFUSED[0] else "", now,
                                             NOMINATION_ACCESS)
    counts = await nominations.confirm_nominated(staff.as_actor(), await current_year(now), now)
    assert counts == {"nominated": len(ids) - 1, "not_nominated": 1, "undecided": 0}
    await set_phase(None, "voting")
    return ids


def card_titles(page):
    return page.locator("main .cards .card h2")


async def test_the_public_filters_the_catalogue_by_region_and_opens_a_project(page, live_server, assert_accessible):
    ids = await nominated_catalogue()

    await page.goto("/")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    await page.wait_for_url(f"{live_server}/projects")
    await expect(page).to_have_title("Nominated projects · WSIS Prizes")
    await expect(page.get_by_role("status")).to_have_text("25 projects")
    await expect(card_titles(page)).to_have_count(20)
    await expect(page.get_by_role("navigation", name="Pages").get_by_role("link")).to_have_text(["Page 2"])
    await assert_accessible(page, "the catalogue")

    search = page.get_by_role("search", name="Search the nominated projects")
    await search.get_by_label("Region").select_option(label="Europe")
    await search.get_by_role("button", name="Search").click()
    await page.wait_for_url(re.compile(r"/projects\?.*\bregion=europe\b"))
    await expect(page.get_by_role("status")).to_have_text("2 projects")
    # Ordered by category: C3 before C4. The refused project is not there.
    await expect(card_titles(page)).to_have_text(["Libraries online", "Open data for rivers"])
    await expect(page.get_by_role("main")).not_to_contain_text(REFUSED[0])
    await expect(search.get_by_label("Region")).to_have_value("europe")
    await expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)
    await assert_accessible(page, "the catalogue filtered by region")

    await page.get_by_role("link", name="Open data for rivers", exact=True).click()
    await page.wait_for_url(f"{live_server}/projects/{ids['Open data for rivers']}")
    await expect(page).to_have_title("Open data for rivers · WSIS Prizes")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Open data for rivers")
    await expect(page.locator("main .lead")).to_have_text("Entity 22 · Europe · Government")
    about = page.get_by_role("region", name="About the project")
    await expect(about).to_contain_text(words_text(170, "Seed22x")[:80])
    await expect(page.get_by_role("region", name="Sustainable Development Goals").get_by_role("listitem")).to_have_text(
        ["Goal 3: Good health and well-being", "Goal 10: Reduced inequalities"]
    )
    # No private field is public.
    main = page.get_by_role("main")
    for private in ("Amina Odhiambo", "amina@health.example.org", OWNER_EMAIL, "For staff"):
        await expect(main).not_to_contain_text(private)
    await assert_accessible(page, "a project page")

    # A project that was not nominated has no public page.
    response = await page.goto(f"/projects/{ids[REFUSED[0]]}")
    assert response.status == 404


async def test_the_catalogue_filter_and_pages_work_without_javascript(browser, live_server, edition):
    ids = await nominated_catalogue()
    context = await browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(15_000)
    try:
        page = await context.new_page()
        await page.goto("/projects")
        search = page.get_by_role("search", name="Search the nominated projects")
        await search.get_by_label("Region").select_option(label="Africa")
        await search.get_by_role("button", name="Search").click()
        await page.wait_for_url(re.compile(r"/projects\?.*\bregion=africa\b"))
        await expect(page.get_by_role("status")).to_have_text("22 projects")
        await expect(card_titles(page)).to_have_text([f"Africa project {n:02d}" for n in range(1, 21)])
        await expect(search.get_by_label("Region")).to_have_value("africa")

        # The second page keeps the filter.
        await page.get_by_role("navigation", name="Pages").get_by_role("link", name="Page 2").click()
        await page.wait_for_url(re.compile(r"/projects\?.*\bregion=africa\b.*\bpage=2\b"))
        await expect(card_titles(page)).to_have_text(["Africa project 21", "Africa project 22"])
        await expect(page.get_by_role("navigation", name="Pages").locator("[aria-current=page]")).to_have_text("2")

        # A search and a second filter, still without JavaScript.
        await search.get_by_label("Search title, entity or description").fill("Farm prices")
        await search.get_by_label("Region").select_option(label="All regions")
        await search.get_by_role("button", name="Search").click()
        await page.wait_for_url(re.compile(r"/projects\?q=Farm\+prices"))
        await expect(card_titles(page)).to_have_text(["Farm prices by text message"])

        await page.get_by_role("link", name="Farm prices by text message", exact=True).click()
        await page.wait_for_url(f"{live_server}/projects/{ids['Farm prices by text message']}")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Farm prices by text message")
    finally:
        await context.close()


async def test_the_catalogue_is_empty_before_voting(page, live_server, assert_accessible):
    owner = await verified_owner()
    item = await submitted(owner)
    await page.goto("/projects")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Nominated projects")
    await expect(page.locator("main .lead")).to_have_text("The nominated projects are published when online voting opens.")
    await expect(page.get_by_role("search")).to_have_count(0)
    await expect(page.get_by_role("main")).not_to_contain_text(TITLE)
    assert (await page.goto(f"/projects/{item['id']}")).status == 404
    await assert_accessible(page, "the catalogue before voting")


# --- c. staff list and screen the submissions ----------------------------------------------------


async def test_staff_list_screen_and_confirm_the_submissions(page, live_server, staff, assert_accessible):
    owner = await verified_owner()
    first = await submitted(owner)
    second = await submitted(owner, category="C4", title="Teachers online", entity_name="Teachers' Union",
                             stakeholder_type="civil_society", short_description=words_text(170, "Teachers"))
    draft = await nominations.create_draft(owner, service_fields(title="Only a draft", category="C1",
                                                                 entity_name="Drafting Office"), utcnow())

    await sign_in(page, live_server, STAFF_EMAIL, STAFF_PASSWORD, next_="/")
    await expect(page.locator("header .who")).to_have_text(f"Signed in as {STAFF_NAME}")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Submissions").click()
    await page.wait_for_url(f"{live_server}/staff/nominations")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Submissions — {first['year']}")
    await expect(page.get_by_role("status")).to_have_text("2 submissions")
    table = page.get_by_role("table", name="Submissions")
    await expect(table.get_by_role("columnheader")).to_have_text(["Project", "Category", "Entity", "Status"])
    rows = table.get_by_role("row")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(1).get_by_role("cell")).to_have_text(["Teachers online", "C4", "Teachers' Union (KE)", "Submitted"])
    await expect(rows.nth(2).get_by_role("cell")).to_have_text([TITLE, "C7.4", "Ministry of Health (KE)", "Submitted"])
    await expect(page.get_by_role("main")).not_to_contain_text("Only a draft")
    await expect(page.get_by_role("link", name="Download these submissions as CSV")).to_have_attribute(
        "href", "/staff/nominations/export.csv?"
    )
    await assert_accessible(page, "the staff list of submissions")

    # Filtered with the form.
    filters = page.get_by_role("search", name="Filter the submissions")
    await filters.get_by_label("Category").select_option("C4")
    await filters.get_by_role("button", name="Filter").click()
    await page.wait_for_url(re.compile(r"/staff/nominations\?.*\bcategory=C4\b"))
    await expect(page.get_by_role("status")).to_have_text("1 submission")
    await expect(table.get_by_role("row").nth(1).get_by_role("cell").first).to_have_text("Teachers online")

    # The nomination phase: a screening form on each row.
    await set_phase(None, "nomination")
    await page.goto("/staff/nominations")
    await expect(table.get_by_role("columnheader")).to_have_text(["Project", "Category", "Entity", "Status", "Screening"])
    await assert_accessible(page, "the staff list of submissions with the screening forms")

    await page.get_by_label(f"Reason for “{TITLE}”").fill("A clear ICT project")
    await rows.nth(2).get_by_role("button", name="Eligible", exact=True).click()
    await page.wait_for_url(f"{live_server}/staff/nominations")
    await page.get_by_label("Reason for “Teachers online”").fill("Not an ICT project")
    await rows.nth(1).get_by_role("button", name="Not eligible").click()
    await page.wait_for_url(f"{live_server}/staff/nominations")
    await expect(rows.nth(1).get_by_role("cell").nth(3)).to_have_text("Not eligibleNot an ICT project")
    await expect(rows.nth(2).get_by_role("cell").nth(3)).to_have_text("EligibleA clear ICT project")
    await assert_accessible(page, "the staff list after screening")

    await page.get_by_role("button", name="Confirm the nominated list").click()
    await page.wait_for_url(f"{live_server}/staff/nominations?status=nominated")
    await expect(page.get_by_role("status")).to_have_text("1 submission")
    await expect(table.get_by_role("row").nth(1).get_by_role("cell").nth(3)).to_have_text("NominatedA clear ICT project")
    statuses = {str(r["id"]): r["status"] for r in await Nomination.select(Nomination.id, Nomination.status)}
    assert statuses == {first["id"]: "nominated", second["id"]: "ineligible", draft["id"]: "draft"}


async def test_a_web_site_that_is_not_http_is_never_a_link(page, live_server, staff):
    """Drafts refuse a web site that is not http(s), but one stored before that rule (or
    written around the services) must still never become a link on a page staff open."""
    from prizes.nominations.tables import Nomination

    owner = await verified_owner()
    draft = await nominations.create_draft(owner, service_fields(), utcnow())
    await Nomination.update({Nomination.website: "javascript:document.title='owned'"}).where(
        Nomination.id == draft["id"])
    await sign_in(page, live_server, STAFF_EMAIL, STAFF_PASSWORD, next_="/")
    await page.goto(f"/projects/{draft['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await expect(page.locator("main a[href^='javascript:' i]")).to_have_count(0)
    await expect(page.get_by_role("link", name="Project web site")).to_have_count(0)
