"""Self-service accounts in a real browser: sign-up with the mailed confirmation link, the
forgotten-password flow and the password change, in English and in French, each page checked
by axe-core.

The server (`live_server`) runs its mail worker: a mail is a row of `outgoing_mail`, read
here from the shared database, and its link starts with the server's own BASE_URL.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from playwright.async_api import expect

from accounts.passwords import Passwords
from accounts.services import create_user
from core.tables import OutgoingMail
from tests.browser.conftest import focused, tab_to

pytestmark = pytest.mark.browser

NBSP = "\u00a0"
EMAIL = "grace@example.org"
NAME = "Grace Hopper"
PASSWORD = "cobol compilers all the way down"
NEW_PASSWORD = "a brand new passphrase for grace"
SHORT = "too short"  # 9 characters
TOO_SHORT = "Use at least 10 characters."
WRONG_CREDENTIALS = "The e-mail address or the password is not correct."
FR_TOO_SHORT = "Utilisez au moins 10 caractères."


# --- helpers -----------------------------------------------------------------------------


async def mails_to(recipient: str, kind: str) -> list[dict]:
    return (
        await OutgoingMail.select()
        .where((OutgoingMail.recipient == recipient) & (OutgoingMail.kind == kind))
        .order_by(OutgoingMail.id)
    )


async def delivered_mail(recipient: str, kind: str, count: int = 1, timeout: float = 15.0) -> dict:
    """The `count`-th mail of this kind to `recipient`, once the server's mail worker has
    delivered it (to the outbox: there is no SMTP server)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await mails_to(recipient, kind)
        if len(rows) >= count and rows[count - 1]["sent_at"] is not None:
            row = rows[count - 1]
            assert row["last_error"] == ""
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"no delivered {kind!r} mail #{count} to {recipient} after {timeout} s: {rows}")
        await asyncio.sleep(0.1)


def link_in(body: str, base_url: str, path: str) -> str:
    """The one link to `base_url + path` in a mail's text."""
    links = re.findall(rf"{re.escape(base_url + path)}\?token=[A-Za-z0-9_\-]+", body)
    assert len(links) == 1, f"expected one link to {base_url}{path} in:\n{body}"
    return links[0]


async def verified_user(email: str = EMAIL, password: str = PASSWORD, name: str = NAME):
    # Cheap argon2 parameters, the same as the server's: it verifies with its own.
    return await create_user(Passwords(1, 1024, 1), email, password, name, verified=True)


def field(page, name: str):
    """The `.field` block of the input named `name`: its label, hint, error and input."""
    return page.locator(".field").filter(has=page.locator(f"#f-{name}"))


async def expect_field_error(page, name: str, message: str) -> None:
    """The error is shown next to its field and tied to it for assistive technology."""
    block = field(page, name)
    await expect(block).to_have_class(re.compile(r"\bhas-error\b"))
    await expect(block.locator(".error")).to_have_text(message)
    await expect(block.locator(".error")).to_have_attribute("id", f"f-{name}-error")
    control = page.locator(f"#f-{name}")
    await expect(control).to_have_attribute("aria-invalid", "true")
    await expect(control).to_have_attribute("aria-describedby", re.compile(rf"(^|\s)f-{name}-error(\s|$)"))
    await expect(control).to_have_accessible_description(re.compile(re.escape(message)))
    await expect(page.get_by_role("alert")).to_contain_text(message)


async def expect_no_field_error(page, name: str) -> None:
    await expect(page.locator(f"#f-{name}")).not_to_have_attribute("aria-invalid", "true")
    await expect(field(page, name).locator(".error")).to_have_count(0)


def post_response(page, path: str):
    """Waits for the response to the form POST to `path` (use with `async with`)."""
    return page.expect_response(lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith(path))


async def sign_out(page, live_server: str, label: str = "Sign out") -> None:
    await page.get_by_role("banner").get_by_role("button", name=label).click()
    await page.wait_for_url(f"{live_server}/")
    await expect(page.locator("header .who")).to_have_count(0)


async def sign_in(page, live_server: str, email: str, password: str, next_: str = "/account") -> None:
    await page.goto(f"/login?next={next_}")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{live_server}{next_}")


# --- a. sign-up, in English, with the keyboard ----------------------------------------------


async def test_sign_up_with_the_keyboard_confirm_the_address_and_sign_in_again(page, live_server, assert_accessible):
    await page.goto("/")
    await tab_to(page, "header a[href='/signup']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/signup")
    await expect(page).to_have_title("Create an account · WSIS Prizes")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    await assert_accessible(page, "the sign-up page")

    # A mistake first: the password is too short. Fields in order, then Enter in the last one.
    await tab_to(page, "#f-email")
    await page.keyboard.type(EMAIL)
    await page.keyboard.press("Tab")
    assert await focused(page, "#f-display_name")
    await page.keyboard.type(NAME)
    await page.keyboard.press("Tab")
    assert await focused(page, "#f-password")
    await page.keyboard.type(SHORT)
    await page.keyboard.press("Tab")
    assert await focused(page, "form button[type=submit]")
    async with post_response(page, "/signup") as posted:
        await page.keyboard.press("Enter")
    assert (await posted.value).status == 422

    await expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    await expect_field_error(page, "password", TOO_SHORT)
    await expect_no_field_error(page, "email")
    await expect(page.get_by_label("E-mail address")).to_have_value(EMAIL)
    await expect(page.get_by_label("Your name")).to_have_value(NAME)
    await expect(page.get_by_label("Password")).to_have_value("")  # never sent back
    assert await mails_to(EMAIL, "verify") == []
    await assert_accessible(page, "the sign-up page with its error")

    # Corrected: Tab to the password field, type a good one, Enter submits.
    await tab_to(page, "#f-password")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/account?welcome=1")
    await expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    await expect(page.get_by_role("status")).to_have_text("Welcome! We sent you a link to confirm your address.")
    await expect(page.locator("header .who")).to_have_text(f"Signed in as {NAME}")
    address = page.get_by_role("region", name="E-mail address")
    await expect(address).to_contain_text(EMAIL)
    await expect(address).to_contain_text("Your address is not confirmed yet: follow the link in the mail we sent you.")
    await expect(address.get_by_role("button", name="Send the link again")).to_be_visible()
    await assert_accessible(page, "the account page of an unconfirmed address")

    # The mail, delivered by the server's worker.
    mail = await delivered_mail(EMAIL, "verify")
    assert len(await mails_to(EMAIL, "verify")) == 1
    assert mail["subject"] == "WSIS Prizes: Confirm your e-mail address"
    assert mail["body_text"].startswith("Hello,") and NAME not in mail["body_text"]  # no text the sign-up form chose
    link = link_in(mail["body_text"], live_server, "/verify")

    await page.goto(link)
    await expect(page).to_have_title("Address confirmed · WSIS Prizes")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Address confirmed")
    await expect(page.get_by_role("status")).to_have_text(
        f"Thank you: {EMAIL} is confirmed. You can now vote and submit projects."
    )
    await expect(page.get_by_role("main").get_by_role("link", name="Go to my account")).to_have_attribute("href", "/account")
    await assert_accessible(page, "the address-confirmed page")

    # The link works once.
    response = await page.goto(link)
    assert response.status == 400
    await expect(page.get_by_role("heading", level=1)).to_have_text("Link not valid")
    await expect(page.get_by_role("alert")).to_have_text(
        "This link is not valid: it may have been used already or have expired."
    )
    await assert_accessible(page, "the link-not-valid page")

    # Sign out with the header button, by keyboard.
    await tab_to(page, "header form[action='/logout'] button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/")
    await expect(page.locator("header .who")).to_have_count(0)

    # Sign in again, by keyboard: the account page shows the address confirmed.
    await page.goto("/login?next=/account")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await assert_accessible(page, "the log-in page")
    await tab_to(page, "#f-email")
    await page.keyboard.type(EMAIL)
    await page.keyboard.press("Tab")
    assert await focused(page, "#f-password")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/account")
    address = page.get_by_role("region", name="E-mail address")
    await expect(address).to_contain_text("Your address is confirmed.")
    await expect(address.get_by_role("button", name="Send the link again")).to_have_count(0)
    await expect(page.get_by_role("status")).to_have_count(0)
    await assert_accessible(page, "the account page of a confirmed address")

    await tab_to(page, "header form[action='/logout'] button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/")
    await expect(page.locator("header .who")).to_have_count(0)
    await expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


# --- b. the same in French ------------------------------------------------------------------


async def test_sign_up_in_french_confirm_the_address_and_sign_in_again(page, live_server, assert_accessible):
    await page.goto("/signup")
    await page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    await page.wait_for_url(f"{live_server}/signup")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page).to_have_title("Créer un compte · Prix du SMSI")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    await expect(page.get_by_role("main")).to_contain_text(
        "Un seul compte vous permet de voter pour les projets nominés et de soumettre vos propres projets."
    )
    await assert_accessible(page, "the French sign-up page")

    await page.get_by_label("Adresse électronique").fill(EMAIL)
    await page.get_by_label("Votre nom").fill(NAME)
    await page.get_by_label("Mot de passe").fill(SHORT)
    async with post_response(page, "/signup") as posted:
        await page.get_by_role("button", name="Créer le compte").click()
    assert (await posted.value).status == 422
    await expect(page.get_by_role("alert").get_by_role("heading")).to_have_text("Veuillez corriger les points suivants")
    await expect_field_error(page, "password", FR_TOO_SHORT)
    await expect(page.get_by_label("Adresse électronique")).to_have_value(EMAIL)
    await assert_accessible(page, "the French sign-up page with its error")

    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Créer le compte").click()
    await page.wait_for_url(f"{live_server}/account?welcome=1")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    await expect(page.get_by_role("status")).to_have_text(
        f"Bienvenue{NBSP}! Nous vous avons envoyé un lien pour confirmer votre adresse."
    )
    address = page.get_by_role("region", name="Adresse électronique")
    await expect(address).to_contain_text(f"Votre adresse n’est pas encore confirmée{NBSP}:")
    await expect(address.get_by_role("button", name="Renvoyer le lien")).to_be_visible()
    await expect(page.locator("header .who")).to_have_text(f"Connecté en tant que {NAME}")
    await assert_accessible(page, "the French account page of an unconfirmed address")

    # The mail is written in the language the reader used when signing up.
    mail = await delivered_mail(EMAIL, "verify")
    assert "confirmez votre adresse électronique" in mail["subject"].lower()
    assert "Confirm your e-mail address" not in mail["subject"]
    link = link_in(mail["body_text"], live_server, "/verify")

    await page.goto(link)
    await expect(page).to_have_title("Adresse confirmée · Prix du SMSI")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Adresse confirmée")
    await expect(page.get_by_role("status")).to_have_text(
        f"Merci{NBSP}: l’adresse {EMAIL} est confirmée. Vous pouvez désormais voter et soumettre des projets."
    )
    await expect(page.get_by_role("main").get_by_role("link", name="Accéder à mon compte")).to_be_visible()
    await assert_accessible(page, "the French address-confirmed page")

    await sign_out(page, live_server, "Se déconnecter")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")

    await page.goto("/login?next=/account")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    await expect(page.get_by_role("main").get_by_role("link", name=f"Mot de passe oublié{NBSP}?")).to_be_visible()
    await assert_accessible(page, "the French log-in page")
    await page.get_by_label("Adresse électronique").fill(EMAIL)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(f"{live_server}/account")
    await expect(page.get_by_role("region", name="Adresse électronique")).to_contain_text("Votre adresse est confirmée.")
    await expect(page.get_by_role("button", name="Renvoyer le lien")).to_have_count(0)
    await assert_accessible(page, "the French account page of a confirmed address")

    await sign_out(page, live_server, "Se déconnecter")


async def _french_sign_up_mail(page, live_server) -> dict:
    await page.goto("/language/fr?next=/signup")
    await page.get_by_label("Adresse électronique").fill(EMAIL)
    await page.get_by_label("Votre nom").fill(NAME)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Créer le compte").click()
    await page.wait_for_url(f"{live_server}/account?welcome=1")
    return await delivered_mail(EMAIL, "verify")


async def test_the_french_confirmation_mail_body_is_in_french(page, live_server):
    mail = await _french_sign_up_mail(page, live_server)
    body = mail["body_text"]
    assert body.startswith("Bonjour,") and NAME not in body, body  # no text the sign-up form chose
    assert "Le secrétariat des Prix du SMSI" in body, body


async def test_the_french_confirmation_mail_subject_names_the_prizes_in_french(page, live_server):
    mail = await _french_sign_up_mail(page, live_server)
    assert mail["subject"].startswith("Prix du SMSI"), mail["subject"]
    assert mail["subject"].lower().endswith("confirmez votre adresse électronique"), mail["subject"]
    assert "WSIS Prizes" not in mail["subject"]


async def test_a_link_sent_again_comes_in_the_language_of_that_request(page, live_server, assert_accessible):
    """Signed up in English, the reader switches to French and asks for the link again from
    the account page: the second mail is French, the first stays English."""
    await page.goto("/signup")
    await page.get_by_label("E-mail address").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create the account").click()
    await page.wait_for_url(f"{live_server}/account?welcome=1")
    first = await delivered_mail(EMAIL, "verify")
    assert first["subject"] == "WSIS Prizes: Confirm your e-mail address"

    await page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    await page.wait_for_url(f"{live_server}/account")
    await page.get_by_role("button", name="Renvoyer le lien").click()
    await page.wait_for_url(f"{live_server}/account?sent=1")
    await expect(page.get_by_role("status")).to_have_text("Nous vous avons envoyé un nouveau lien.")
    await assert_accessible(page, "the French account page, link sent again")

    second = await delivered_mail(EMAIL, "verify", count=2)
    assert "confirmez votre adresse électronique" in second["subject"].lower()
    first_link = link_in(first["body_text"], live_server, "/verify")
    second_link = link_in(second["body_text"], live_server, "/verify")
    assert first_link != second_link

    await page.goto(second_link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Adresse confirmée")
    # The address is confirmed now: the account page no longer offers to send the link.
    await page.goto("/account")
    await expect(page.get_by_role("region", name="Adresse électronique")).to_contain_text("Votre adresse est confirmée.")
    await expect(page.get_by_role("button", name="Renvoyer le lien")).to_have_count(0)


# --- c. forgotten password --------------------------------------------------------------------


async def test_forgotten_password_mails_a_link_to_choose_a_new_one(page, live_server, assert_accessible):
    await verified_user()

    await page.goto("/login")
    await tab_to(page, "main a[href='/password-reset']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/password-reset")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Forgotten password")
    await assert_accessible(page, "the forgotten-password page")

    # An unknown address gets the same answer, and no mail.
    await page.get_by_label("E-mail address").fill("nobody@example.org")
    await page.get_by_role("button", name="Send the link").click()
    confirmation = (
        "If an account has this address, we sent it a link to choose a new password. "
        "The link works once, for one hour."
    )
    await expect(page.get_by_role("status")).to_have_text(confirmation)

    await page.goto("/password-reset")
    await page.get_by_label("E-mail address").fill(EMAIL)
    async with post_response(page, "/password-reset") as posted:
        await page.get_by_role("button", name="Send the link").click()
    assert (await posted.value).status == 200
    await expect(page.get_by_role("status")).to_have_text(confirmation)
    await expect(page.get_by_label("E-mail address")).to_have_count(0)
    await assert_accessible(page, "the forgotten-password page, link sent")

    mail = await delivered_mail(EMAIL, "reset")
    assert mail["subject"] == "WSIS Prizes: Reset your password"
    assert mail["body_text"].startswith(f"Hello {NAME},")  # the name of a verified account
    link = link_in(mail["body_text"], live_server, "/password-reset/confirm")
    assert await mails_to("nobody@example.org", "reset") == []

    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    await expect(page.locator("input[name=token]")).to_have_value(link.partition("?token=")[2])
    await assert_accessible(page, "the choose-a-new-password page")

    # Too short first: the error is next to the field, and the link still works afterwards.
    await page.get_by_label("New password").fill(SHORT)
    async with post_response(page, "/password-reset/confirm") as posted:
        await page.get_by_role("button", name="Save the new password").click()
    assert (await posted.value).status == 422
    await expect_field_error(page, "password", TOO_SHORT)
    await expect(page.get_by_label("New password")).to_have_value("")
    await assert_accessible(page, "the choose-a-new-password page with its error")

    await page.get_by_label("New password").fill(NEW_PASSWORD)
    async with post_response(page, "/password-reset/confirm") as posted:
        await page.get_by_role("button", name="Save the new password").click()
    assert (await posted.value).status == 200
    await expect(page.get_by_role("status")).to_have_text(
        "Your password was changed, and every session of your account was signed out."
    )
    await expect(page.get_by_label("New password")).to_have_count(0)
    await assert_accessible(page, "the choose-a-new-password page, password changed")

    # The old password no longer works; the new one does.
    await page.get_by_role("main").get_by_role("link", name="Sign in").click()
    await page.wait_for_url(f"{live_server}/login")
    await page.get_by_label("E-mail address").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    async with post_response(page, "/login") as posted:
        await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    assert (await posted.value).status == 401
    await expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    await expect(page.locator("header .who")).to_have_count(0)

    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{live_server}/")
    await expect(page.locator("header .who")).to_have_text(f"Signed in as {NAME}")

    # The link was used up.
    await page.goto(link)
    await page.get_by_label("New password").fill("yet another long passphrase")
    async with post_response(page, "/password-reset/confirm") as posted:
        await page.get_by_role("button", name="Save the new password").click()
    assert (await posted.value).status == 400
    await expect(page.get_by_role("alert")).to_contain_text("The token is wrong, used or expired.")
    await expect(page.get_by_role("main").get_by_role("link", name="Ask for a new link")).to_have_attribute(
        "href", "/password-reset"
    )
    await assert_accessible(page, "the choose-a-new-password page with a used link")


# --- d. the account page: changing the password -----------------------------------------------


async def test_change_the_password_on_the_account_page(page, browser, live_server, assert_accessible):
    await verified_user()
    # Another session of the same account, which the change will end.
    other = await browser.new_context(base_url=live_server, locale="en-GB")
    try:
        other_page = await other.new_page()
        await sign_in(other_page, live_server, EMAIL, PASSWORD)

        await sign_in(page, live_server, EMAIL, PASSWORD)
        password_form = page.get_by_role("region", name="Change my password")
        await password_form.get_by_label("Current password").fill("not my password at all")
        await password_form.get_by_label("New password").fill(NEW_PASSWORD)
        async with post_response(page, "/account/password") as posted:
            await password_form.get_by_role("button", name="Change the password").click()
        assert (await posted.value).status == 422
        await expect_field_error(page, "current_password", "The current password is not correct.")
        await expect(field(page, "current_password").locator("label")).to_contain_text("Current password")
        await expect_no_field_error(page, "new_password")
        await assert_accessible(page, "the account page with a wrong current password")

        # Correctly this time, with the keyboard.
        await tab_to(page, "#f-current_password")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Tab")
        assert await focused(page, "#f-new_password")
        await page.keyboard.type(NEW_PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{live_server}/account?changed=1")
        await expect(page.get_by_role("status")).to_have_text(
            "Your password was changed. Every other session was signed out."
        )
        await expect(page.get_by_role("alert")).to_have_count(0)
        await expect(page.locator("header .who")).to_have_text(f"Signed in as {NAME}")  # this session goes on
        await assert_accessible(page, "the account page after the change")

        # The other session has ended.
        await other_page.goto("/account")
        await other_page.wait_for_url(f"{live_server}/login?next=%2Faccount")
        await expect(other_page.locator("header .who")).to_have_count(0)
    finally:
        await other.close()

    await sign_out(page, live_server)
    await sign_in(page, live_server, EMAIL, NEW_PASSWORD)
    await expect(page.locator("header .who")).to_have_text(f"Signed in as {NAME}")
