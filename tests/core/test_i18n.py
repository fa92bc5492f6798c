"""Translations: every offered language's catalogue (`core.i18n.LANGUAGES`: French, Arabic, and
Spanish, Chinese and Russian once their catalogues are merged) covers every message of the code
and templates, keeps their placeholders and follows Babel's plural rules; the reader gets their
language from the cookie, the browser or the switch; Arabic pages are right-to-left."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
from babel.messages.pofile import read_po

from core import i18n, i18n_catalog
from tests.factories import ApiClient, make_user

FR_SKIP_LINK = "Aller au contenu principal"
FR_TIMELINE = "Calendrier"
FR_WRONG_CREDENTIALS = "L’adresse électronique ou le mot de passe est incorrect."
EN_WRONG_CREDENTIALS = "The e-mail address or the password is not correct."

# printf-style conversions, named (`%(name)s`) or not (`%d`); `%%` is a literal percent sign.
_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<kind>[diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> Counter:
    return Counter((m.group("name"), m.group("kind")) for m in _PLACEHOLDER.finditer(text) if m.group("kind") != "%")


def french_catalog():
    return catalog_of("fr")


def catalog_of(language: str):
    with i18n_catalog.catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


# Every translated language the site offers: a language joins the tests by leaving
# `core.i18n.PENDING_LANGUAGES`, and then needs a complete catalogue.
OFFERED = i18n_catalog.offered_languages()


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


@pytest.fixture(scope="module")
def extracted():
    return i18n_catalog.extract_messages()


# --- the catalogue -------------------------------------------------------------------------


def test_extraction_finds_messages_in_python_and_templates(extracted):
    locations = {path for message in extracted if message.id for path, _line in message.locations}
    assert any(path.startswith("templates/") for path in locations)
    assert any(path.startswith("accounts/") for path in locations)
    ids = set(i18n_catalog.msgids(extracted))
    assert "Skip to main content" in ids  # a template
    assert EN_WRONG_CREDENTIALS in ids  # Python, `_()`
    assert "Online voting" in ids  # Python, `N_()`


@pytest.mark.parametrize("language", OFFERED)
def test_every_extracted_message_has_a_translation_in_every_offered_language(extracted, language):
    assert i18n_catalog.catalog_path(language).is_file(), f"{language} is offered but has no catalogue"
    catalog = catalog_of(language)
    missing, fuzzy = [], []
    for message in extracted:
        if not message.id:
            continue
        translated = catalog.get(message.id, context=message.context)
        if translated is None or not all(_strings(translated)):
            missing.append(message.id)
        elif translated.fuzzy:
            fuzzy.append(message.id)
    assert not missing, (
        f"{len(missing)} message(s) without a {language} translation; run "
        f"`.venv/bin/python -m core.i18n_catalog update` and translate them:\n"
        + "\n".join(repr(m) for m in missing)
    )
    assert not fuzzy, f"fuzzy {language} translations (not used until reviewed):\n" + "\n".join(repr(m) for m in fuzzy)


@pytest.mark.parametrize("language", OFFERED)
def test_the_app_serves_every_translation(extracted, language):
    """What the app compiles at start-up (`core.i18n.translations`) gives the catalogue's text."""
    catalog = catalog_of(language)
    compiled = i18n.translations(language)
    wrong = []
    for message in extracted:
        if not message.id or isinstance(message.id, (list, tuple)):
            continue
        expected = catalog.get(message.id).string
        if compiled.gettext(message.id) != expected:
            wrong.append(message.id)
    assert not wrong, wrong


@pytest.mark.parametrize("language", OFFERED)
def test_translations_keep_the_placeholders_of_their_message(language):
    wrong = []
    for message in catalog_of(language):
        if not message.id:
            continue
        ids, strings = _ids(message), _strings(message)
        # A plural's forms follow the language's rule, not English's two: a form may carry the
        # count where the English singular does not (Russian "one" is also 21, 31...) or leave
        # it out; it keeps what both English forms have and adds nothing neither has.
        allowed = set().union(*(placeholders(i) for i in ids))
        required = set.intersection(*(set(placeholders(i)) for i in ids))
        for text in strings:
            if not text:
                continue
            found = placeholders(text)
            if (found != placeholders(ids[0])) if len(ids) == 1 else not (required <= set(found) <= allowed):
                wrong.append(f"{ids[0]!r} -> {text!r}")
    assert not wrong, "placeholders differ between message and translation:\n" + "\n".join(wrong)


def test_placeholder_check_catches_a_dropped_or_renamed_placeholder():
    assert placeholders("At most %(max)d characters (got %(count)d).") == placeholders("%(max)d au plus (%(count)d).")
    assert placeholders("Edition %(year)s") != placeholders("Édition %(annee)s")
    assert placeholders("Edition %(year)s") != placeholders("Édition %(year)d")
    assert placeholders("Edition %(year)s") != placeholders("Édition")
    assert placeholders("100%% sure") == placeholders("sûr à 100 %%")


def test_french_catalogue_header():
    catalog = french_catalog()
    assert str(catalog.locale) == "fr"
    assert catalog.num_plurals == 2
    assert catalog.plural_expr == "(n > 1)"
    assert catalog.charset.lower() == "utf-8"
    assert not catalog.fuzzy


# French and Spanish keep gettext's two forms: CLDR 42+ (Babel 2.12+) adds a third, "many",
# used only for exact millions ("1 000 000 de votes"), which no message of ours counts.
TWO_FORMS = {"fr": (2, "(n > 1)"), "es": (2, "(n != 1)")}


@pytest.mark.parametrize("language", OFFERED)
def test_catalogue_header_has_babels_plural_rules(language):
    """Arabic has six plural forms, Russian three, Chinese one: Babel's (CLDR's) rules."""
    from babel.messages.catalog import Catalog

    catalog = catalog_of(language)
    expected = TWO_FORMS.get(language) or (Catalog(locale=language).num_plurals, Catalog(locale=language).plural_expr)
    assert str(catalog.locale) == language
    assert (catalog.num_plurals, catalog.plural_expr) == expected
    assert not catalog.fuzzy
    for message in catalog:
        if message.id and isinstance(message.id, (list, tuple)):
            assert len(message.string) == catalog.num_plurals, message.id


def test_arabic_russian_and_chinese_have_six_three_and_one_plural_forms():
    assert [catalog_of(code).num_plurals for code in ("ar", "ru", "zh") if code in OFFERED] == [
        n for code, n in (("ar", 6), ("ru", 3), ("zh", 1)) if code in OFFERED]


def test_arabic_plurals_pick_the_form_of_the_number():
    with i18n.in_language("ar"):
        forms = [i18n.ngettext("%(num)d vote", "%(num)d votes", n) for n in (0, 1, 2, 3, 11, 100)]
    assert forms == ["لا أصوات (0)", "صوت واحد (1)", "صوتان (2)", "3 أصوات", "11 صوتًا", "100 صوت"]


def test_every_official_language_is_offered_or_pending_and_named_in_itself():
    assert list(i18n.OFFICIAL_LANGUAGES) == ["en", "fr", "es", "ar", "zh", "ru"]
    assert i18n.OFFICIAL_LANGUAGES == {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية",
                                       "zh": "中文", "ru": "Русский"}
    assert set(i18n.LANGUAGES) | i18n.PENDING_LANGUAGES == set(i18n.OFFICIAL_LANGUAGES)
    assert not set(i18n.LANGUAGES) & i18n.PENDING_LANGUAGES
    assert (i18n.language_tag("zh"), i18n.language_tag("ar"), i18n.language_tag("fr")) == ("zh-Hans", "ar", "fr")
    assert [i18n.text_direction(code) for code in i18n.OFFICIAL_LANGUAGES] == ["ltr", "ltr", "ltr", "rtl", "ltr", "ltr"]


def test_check_fails_for_an_offered_language_without_a_catalogue(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(i18n_catalog, "catalog_path", lambda language: tmp_path / language / "messages.po")
    assert i18n_catalog.main(["check", "ar"]) == 1
    assert "ar: no catalogue" in capsys.readouterr().out


@pytest.mark.parametrize("language", OFFERED)
def test_check_passes_for_every_offered_language(language, capsys):
    assert i18n_catalog.main(["check", language]) == 0, capsys.readouterr().out


def test_no_message_is_built_at_run_time():
    """f-strings and concatenations inside `_()` cannot be extracted (nor translated)."""
    built = [
        item for item in i18n_catalog.unextractable_calls() if not item.reason.startswith("message chosen at run time")
    ]
    assert not built, "\n".join(f"{item.location}: {item.call}: {item.reason}" for item in built)


def test_update_keeps_translations_adds_new_messages_and_marks_vanished_ones_obsolete(tmp_path, monkeypatch, extracted):
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    shutil.copy(i18n_catalog.catalog_path("fr"), po)
    monkeypatch.setattr(i18n_catalog, "catalog_path", lambda language: tmp_path / language / "LC_MESSAGES" / "messages.po")

    catalog = i18n_catalog.read_catalog("fr")
    del catalog["Timeline"]  # as if the message were new in the code
    catalog.add("A message the code no longer has", "Un message que le code n’a plus", locations=[("gone.py", 1)])
    po.write_bytes(i18n_catalog.render(catalog))

    result = i18n_catalog.update_catalog("fr", extracted, fuzzy_matching=False)
    assert result.written
    assert result.added == ["Timeline"]
    assert result.untranslated == ["Timeline"]
    assert result.obsolete == ["A message the code no longer has"]
    merged = i18n_catalog.read_catalog("fr")
    assert merged.get("Timeline").string == ""
    assert merged.get("Skip to main content").string == FR_SKIP_LINK
    assert "A message the code no longer has" in merged.obsolete
    assert "A message the code no longer has" not in i18n_catalog.msgids(merged)

    again = i18n_catalog.update_catalog("fr", extracted, fuzzy_matching=False)
    assert not again.written and not again.added  # idempotent

    dropped = i18n_catalog.update_catalog("fr", extracted, drop_obsolete=True)
    assert dropped.written
    assert not i18n_catalog.read_catalog("fr").obsolete


@pytest.mark.parametrize("language", OFFERED)
def test_the_committed_catalogue_is_up_to_date(extracted, language):
    """`update` would change nothing but dates: the .po matches the code."""
    result = i18n_catalog.update_catalog(language, extracted, fuzzy_matching=False, write=False)
    assert not result.added, f"run `.venv/bin/python -m core.i18n_catalog update`; new messages: {result.added}"


# --- choosing the language ------------------------------------------------------------------


def test_negotiation_prefers_the_cookie_then_the_best_accepted_language():
    assert i18n.negotiate("fr", "en") == "fr"
    assert i18n.negotiate("xx", "fr") == "fr"
    assert i18n.negotiate(None, "fr-CH, en;q=0.5") == "fr"
    assert i18n.negotiate(None, "en-GB, fr;q=0.8") == "en"
    assert i18n.negotiate(None, "de, fr;q=0.3") == "fr"
    assert i18n.negotiate(None, "de") == "en"
    assert i18n.negotiate(None, None) == "en"
    assert i18n.negotiate(None, "de, fr;q=0") == "en"  # q=0: "not acceptable"


async def test_home_page_in_french_with_the_language_cookie(client):
    client.http.cookies.set(i18n.LANGUAGE_COOKIE, "fr", domain="testserver.local")
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in response.text
    assert f'<h2 id="timeline-heading">{FR_TIMELINE}</h2>' in response.text
    assert FR_SKIP_LINK in response.text
    assert "Soumission" in response.text  # a phase label, translated where shown
    assert "Skip to main content" not in response.text
    assert ">Timeline<" not in response.text


async def test_home_page_in_english_by_default(client):
    response = await client.get("/")
    assert '<html lang="en" dir="ltr">' in response.text
    assert "Skip to main content" in response.text
    assert FR_SKIP_LINK not in response.text


@pytest.mark.parametrize(
    ("accept_language", "lang", "skip_link"),
    [
        ("fr-CH, en;q=0.5", "fr", FR_SKIP_LINK),
        ("de", "en", "Skip to main content"),
        ("de, fr;q=0", "en", "Skip to main content"),
    ],
)
async def test_home_page_language_from_accept_language(client, accept_language, lang, skip_link):
    response = await client.get("/", headers={"Accept-Language": accept_language})
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="ltr">' in response.text
    assert skip_link in response.text


async def test_the_cookie_wins_over_accept_language(client):
    client.http.cookies.set(i18n.LANGUAGE_COOKIE, "en", domain="testserver.local")
    response = await client.get("/", headers={"Accept-Language": "fr"})
    assert '<html lang="en" dir="ltr">' in response.text


def _set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


async def test_language_switch_sets_the_cookie_and_goes_back_to_the_page(client):
    response = await client.get("/language/fr", params={"next": "/editions/2026"})
    assert response.status_code == 303
    assert response.headers["location"] == "/editions/2026"
    assert any(c.startswith(f"{i18n.LANGUAGE_COOKIE}=fr;") for c in _set_cookies(response)), _set_cookies(response)
    assert client.http.cookies.get(i18n.LANGUAGE_COOKIE) == "fr"
    page = await client.get("/")
    assert '<html lang="fr" dir="ltr">' in page.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
async def test_language_switch_never_redirects_to_another_site(client, target):
    response = await client.get("/language/fr", params={"next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert any(c.startswith(f"{i18n.LANGUAGE_COOKIE}=fr;") for c in _set_cookies(response))


async def test_language_switch_ignores_an_unknown_language(client):
    response = await client.get("/language/xx", params={"next": "/"})
    assert response.status_code == 303
    assert not any(c.startswith(f"{i18n.LANGUAGE_COOKIE}=") for c in _set_cookies(response))


# --- messages from Python ---------------------------------------------------------------------


async def test_api_error_detail_in_french(app, client):
    await make_user(app, "staff@example.org")
    client.http.cookies.set(i18n.LANGUAGE_COOKIE, "fr", domain="testserver.local")
    response = await client.post("/api/session", json={"email": "staff@example.org", "password": "not the password"})
    assert response.status_code == 401
    assert response.json()["detail"] == FR_WRONG_CREDENTIALS


async def test_api_error_detail_in_english_by_default_and_in_french_by_accept_language(app, client):
    await make_user(app, "staff@example.org")
    english = await client.post("/api/session", json={"email": "staff@example.org", "password": "not the password"})
    assert english.json()["detail"] == EN_WRONG_CREDENTIALS
    other = ApiClient.extra(app)
    try:
        french = await other.post(
            "/api/session",
            json={"email": "nobody@example.org", "password": "not the password"},
            headers={"Accept-Language": "fr"},
        )
    finally:
        await other.http.aclose()
    assert french.status_code == 401
    assert french.json()["detail"] == FR_WRONG_CREDENTIALS


async def test_login_page_error_in_french(app, client):
    await make_user(app, "staff@example.org")
    client.http.cookies.set(i18n.LANGUAGE_COOKIE, "fr", domain="testserver.local")
    page = await client.get("/login")
    assert "<h1>Se connecter</h1>" in page.text
    response = await client.post(
        "/login", data={"email": "staff@example.org", "password": "wrong password", "next": "/"}
    )
    assert response.status_code == 401
    assert FR_WRONG_CREDENTIALS in response.text


# --- right to left, dates and numbers ----------------------------------------------------------


AR_SKIP_LINK = "انتقل إلى المحتوى الرئيسي"


async def test_home_page_in_arabic_is_right_to_left(client):
    response = await client.get("/", headers={"Accept-Language": "ar-EG, en;q=0.5"})
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.text
    assert AR_SKIP_LINK in response.text
    assert "Skip to main content" not in response.text
    # the switch names each language in itself, with its own language and direction
    assert 'lang="fr" dir="ltr" hreflang="fr">Français</a>' in response.text
    assert '<span aria-current="true" lang="ar" dir="rtl">العربية</span>' in response.text


def test_instants_are_written_the_readers_way_in_the_editions_time_zone():
    from datetime import datetime, timezone

    from core.templating import format_instant, format_number

    instant = datetime(2027, 3, 31, 21, 0, tzinfo=timezone.utc)
    written = {}
    for language in ("en", "fr", "ar", "es", "zh", "ru"):
        token = i18n._current.set(language)  # pending languages too: Babel knows them all
        try:
            written[language] = (format_instant(instant, "Europe/Zurich"), format_number(1234567))
        finally:
            i18n._current.reset(token)
    assert written == {
        "en": ("Mar 31, 2027, 23:00 CEST", "1,234,567"),
        "fr": ("31 mars 2027, 23:00 CEST", "1\u202f234\u202f567"),
        "ar": ("31 مارس 2027، 23:00 CEST", "1,234,567"),
        "es": ("31 mar 2027, 23:00 CEST", "1.234.567"),
        "zh": ("2027年3月31日 23:00 CEST", "1,234,567"),
        "ru": ("31 мар. 2027\u202fг., 23:00 CEST", "1\xa0234\xa0567"),
    }


def test_typed_text_is_isolated_and_escaped():
    from core.templating import isolate

    assert isolate("وزارة <b>") == '<bdi>وزارة &lt;b&gt;</bdi>'
    assert isolate("") == "" and isolate(None) == ""
