"""Mails that staff decisions send to other people are written in each reader's language —
the one they last read the site in — not in the language of the staff member who acted."""

from __future__ import annotations

import pytest

from accounts.tables import User
from core.i18n import LANGUAGES, language_tag
from core.i18n import gettext as _
from core.i18n import in_language
from core.mail import OutgoingMail
from tests.factories import project, set_phase, signed_in, words_text


async def test_the_language_a_person_reads_the_site_in_is_remembered(app, client):
    async with await signed_in(app, "amina@example.org") as amina:
        await amina.get("/account")
        assert (await User.select(User.language).where(User.email == "amina@example.org").first())["language"] == "en"
        await amina.get("/account", headers={"accept-language": "fr-CH, fr;q=0.9"})
        assert (await User.select(User.language).where(User.email == "amina@example.org").first())["language"] == "fr"
        await amina.get("/language/en")  # the language switch: a cookie that wins over the browser's
        await amina.get("/account", headers={"accept-language": "fr"})
        assert (await User.select(User.language).where(User.email == "amina@example.org").first())["language"] == "en"


async def test_signing_up_in_french_records_french(client):
    response = await client.post("/api/accounts", json={"email": "luc@example.org", "password": "a long passphrase 12",
                                                        "display_name": "Luc"}, headers={"accept-language": "fr"})
    assert response.status_code == 201, response.text
    assert (await User.select(User.language).where(User.email == "luc@example.org").first())["language"] == "fr"
    mail = await OutgoingMail.select(OutgoingMail.subject).where(OutgoingMail.recipient == "luc@example.org").first()
    with in_language("fr"):
        expected = _("WSIS Prizes: Confirm your e-mail address")
    assert mail["subject"] == expected and expected.startswith("Prix du SMSI")


async def test_staff_decisions_reach_each_owner_in_their_own_language(app, client):
    ids = {}
    for email, language in (("fr@example.org", "fr"), ("en@example.org", "en")):
        async with await signed_in(app, email) as owner:
            await owner.get("/account", headers={"accept-language": language})
            nid = (await owner.post("/api/nominations", json=project(title=f"Radios {language}", entity_name=f"Radio club {language}",
                                                                short_description=words_text(150, seed=language)),
                                    headers={"accept-language": language})).json()["id"]
            submitted = await owner.post(f"/api/nominations/{nid}/submit", headers={"accept-language": language})
            assert submitted.status_code == 200, submitted.text
            ids[email] = nid
    await set_phase(app, "nomination")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:  # works in English
        for nid in ids.values():
            decided = await staff.post(f"/api/nominations/{nid}/eligibility", json={"eligible": True})
            assert decided.status_code == 200, decided.text
        year = (await client.get("/api/editions/current")).json()["year"]
        assert (await staff.post(f"/api/editions/{year}/nominated")).status_code == 200
    mails = {m["recipient"]: m["subject"] for m in await OutgoingMail.select(
        OutgoingMail.recipient, OutgoingMail.subject).where(OutgoingMail.kind == "nominated")}
    with in_language("fr"):
        french = _("WSIS Prizes: “%(title)s” is nominated", title="Radios fr")
    assert french.startswith("Prix du SMSI")
    assert mails == {"fr@example.org": french, "en@example.org": "WSIS Prizes: “Radios en” is nominated"}


# Every language the site offers (`core.i18n.LANGUAGES`: French and Arabic today, Spanish,
# Chinese and Russian once their catalogues are merged): the verification mail of a reader who
# signs up in it is written in it, subject and body, with no English sentence left.
VERIFY_LINES = (
    "Please confirm your e-mail address for the WSIS Prizes by opening this link:",
    "The link works once and expires in 48 hours. If you did not create an account, ignore this message.",
    "The WSIS Prizes secretariat",
)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
async def test_a_reader_receives_the_verification_mail_in_their_language(client, language):
    tag = language_tag(language)
    email = f"reader-{language}@example.org"
    response = await client.post("/api/accounts", json={"email": email, "password": "a long passphrase 12",
                                                        "display_name": "Nour"},
                                 headers={"accept-language": f"{tag}, en;q=0.1"})
    assert response.status_code == 201, response.text
    assert (await User.select(User.language).where(User.email == email).first())["language"] == language
    mail = await OutgoingMail.select(OutgoingMail.subject, OutgoingMail.body_text).where(
        OutgoingMail.recipient == email).first()
    with in_language(language):
        subject = _("WSIS Prizes: Confirm your e-mail address")
        lines = [_(line) for line in VERIFY_LINES] + [_("Hello,")]
    assert mail["subject"] == subject != "WSIS Prizes: Confirm your e-mail address"
    assert "Nour" not in mail["body_text"]  # the mail greets no text the sign-up form chose
    for line, english in zip(lines, VERIFY_LINES + ("Hello,",)):
        assert line in mail["body_text"] and line != english
        assert english not in mail["body_text"]
