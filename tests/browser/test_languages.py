"""Every offered language in a real browser (headless Chromium against the served site): the
home page, the catalogue, a vote page, the sign-up form and a staff page, for each language of
`core.i18n.LANGUAGES` (the test grows by itself when Spanish, Chinese and Russian leave
`PENDING_LANGUAGES`): the `lang` attribute is right, Arabic pages are `dir="rtl"` with the
header mirrored (measured from the element boxes), axe-core reports no violation, and no
English interface string is left (the test knows them: every message Babel extracts)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from core import i18n, i18n_catalog
from prizes.editions.rules import DEFAULT_CATEGORIES
from tests.browser.conftest import STAFF_EMAIL, STAFF_NAME, STAFF_PASSWORD
from tests.factories import set_phase
from tests.voting.factories import nominated

pytestmark = pytest.mark.browser

TITLE = "Kibera Solar Radio"
DATA = [TITLE, f"Entity of {TITLE}", STAFF_NAME, STAFF_EMAIL, "Owen", "owner@example.org"] + [title for _code, title in DEFAULT_CATEGORIES]


def english_strings(language: str) -> list[str]:
    """The interface's English strings that `language` translates differently: any of them on a
    page in that language is an untranslated word. Messages with placeholders are left out
    (their fixed parts are short), and so are those the language writes the same way."""
    compiled = i18n.translations(language)
    messages = [m.id for m in i18n_catalog.extract_messages()
                if m.id and not isinstance(m.id, (list, tuple)) and "%" not in m.id]
    # what the language itself writes: an English string that is also a word of it ("Comment"
    # in French, as in "Comment voter") is not a sign of an untranslated page
    native = "\n".join(compiled.gettext(m) for m in messages)
    found = [m for m in messages if compiled.gettext(m) != m and re.search(r"[A-Za-z]{2}", m)
             and not re.search(rf"(?<![\w]){re.escape(m)}(?![\w])", native)]
    return sorted(found, key=len, reverse=True)


def untranslated(text: str, language: str) -> list[str]:
    for item in sorted(DATA, key=len, reverse=True):  # text typed by people, not the interface
        text = text.replace(item, " ")
    text = re.sub(r"\b[A-Z][A-Za-z]+/[A-Za-z_]+\b", " ", text)  # a time zone's name (Europe/Zurich)
    return [s for s in english_strings(language) if re.search(rf"(?<![\w]){re.escape(s)}(?![\w])", text)]


async def visible_text(page) -> str:
    """What a reader sees or hears: the text, plus labels and alternatives in attributes."""
    return await page.evaluate("""() => {
        const parts = [document.title, document.body.innerText];
        for (const el of document.querySelectorAll('[aria-label], [alt], [title], [placeholder], input[type=submit]')) {
            for (const name of ['aria-label', 'alt', 'title', 'placeholder', 'value']) {
                if (el.hasAttribute(name) && (name !== 'value' || el.type === 'submit')) parts.push(el.getAttribute(name));
            }
        }
        return parts.join('\\n');
    }""")


async def header_boxes(page) -> dict:
    return await page.evaluate("""() => {
        const box = el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right}; };
        const items = [...document.querySelectorAll('header nav:first-of-type .nav > li')];
        return {width: document.documentElement.clientWidth, brand: box(document.querySelector('.brand')),
                nav: box(document.querySelector('header nav')), first: box(items[0]), second: box(items[1])};
    }""")


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
async def test_every_page_kind_in_every_offered_language(browser, live_server, edition, staff, language,
                                                         assert_accessible):
    from accounts.passwords import Passwords
    from accounts.services import create_user

    await create_user(Passwords(1, 1024, 1), "owner@example.org", STAFF_PASSWORD, "Owen", verified=True)
    project = await nominated(None, category="C7.4", title=TITLE)
    await set_phase(None, "voting")
    tag, direction = i18n.language_tag(language), i18n.text_direction(language)
    context = await browser.new_context(base_url=live_server, locale=tag, viewport={"width": 1280, "height": 900},
                                        extra_http_headers={"Accept-Language": tag},
                                        bypass_csp=True)  # axe-core is injected as an inline script
    context.set_default_timeout(15_000)
    page = await context.new_page()
    left_over = {}
    try:
        pages = ["/", "/projects", f"/vote/{project}", "/signup"]
        for path in pages + ["/staff"]:
            if path == "/staff":  # sign in (the form, in this language), then a staff page
                await page.goto("/login?next=/staff")
                await page.locator("#f-email").fill(STAFF_EMAIL)
                await page.locator("#f-password").fill(STAFF_PASSWORD)
                await page.locator("main form button[type=submit]").click()
                await page.wait_for_url(f"{live_server}/staff**")
            else:
                response = await page.goto(path)
                assert response.status == 200, path
            html = page.locator("html")
            await expect(html).to_have_attribute("lang", tag)
            await expect(html).to_have_attribute("dir", direction)
            boxes = await header_boxes(page)
            if direction == "rtl":  # mirrored: the brand at the right edge, the menu running leftwards
                assert boxes["brand"]["right"] > boxes["width"] / 2 > boxes["nav"]["left"], (path, boxes)
                assert boxes["first"]["left"] > boxes["second"]["right"], (path, boxes)
            else:
                assert boxes["brand"]["left"] < boxes["width"] / 2 < boxes["nav"]["right"], (path, boxes)
                assert boxes["first"]["right"] < boxes["second"]["left"], (path, boxes)
            await assert_accessible(page, f"{path} in {language}")
            if language != i18n.DEFAULT_LANGUAGE:
                found = untranslated(await visible_text(page), language)
                if found:
                    left_over[path] = found
    finally:
        await context.close()
    assert not left_over, f"English left on the {language} pages: {left_over}"


def test_the_english_check_finds_an_english_string():
    assert untranslated("Skip to main content · انتقل", "ar") == ["Skip to main content"]
    assert untranslated(f"{TITLE} — Entity of {TITLE} — Europe/Zurich — العربية", "ar") == []
    assert untranslated("Sign out", "ar") == ["Sign out"]
    assert untranslated("Comment voter", "fr") == []  # a French word that is also an English message
