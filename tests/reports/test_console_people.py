"""People: the accounts list (page and `GET /api/accounts`), role grants and revocations
with a reason, the last staff role, suspension, the verification mail sent by staff."""

from __future__ import annotations

import asyncio
import re

from accounts import administration, roles, services
from accounts.tables import User, UserRole
from core.audit import Actor
from core.clock import utcnow
from core.tables import AuditEntry, OutgoingMail
from tests.factories import ApiClient, make_user, signed_in


async def _form(api: ApiClient, url: str, data: dict):
    return await api.post(url, data={**data, "_csrf_token": await api.csrf()}, csrf=False)


async def _id(email: str) -> str:
    return str((await User.select(User.id).where(User.email == email).first())["id"])


async def _roles(email: str) -> list[str]:
    rows = await UserRole.select(UserRole.role).where(UserRole.user.email == email)
    return sorted(r["role"] for r in rows)


async def test_the_accounts_list_finds_by_address_or_name_and_role(app, client):
    await make_user(app, "amina@example.org", display_name="Amina Odhiambo")
    await make_user(app, "kofi@example.org", display_name="Kofi Mensah", roles=("judge",))
    await make_user(app, "under_score@example.org", display_name="Percent 100%")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        page = (await staff.get("/api/accounts", params={"q": "MENSAH"})).json()
        assert page["total"] == 1 and page["offset"] == 0 and page["limit"] == 20
        item = page["items"][0]
        assert set(item) == {"id", "email", "display_name", "roles", "email_verified", "created_at", "suspended"}
        assert (item["email"], item["roles"], item["email_verified"], item["suspended"]) == (
            "kofi@example.org", ["judge"], True, False)
        assert [i["email"] for i in (await staff.get("/api/accounts", params={"role": "judge"})).json()["items"]] == [
            "kofi@example.org"]
        # LIKE's wildcards are searched for literally
        assert [i["email"] for i in (await staff.get("/api/accounts", params={"q": "d_r"})).json()["items"]] == []
        assert [i["email"] for i in (await staff.get("/api/accounts", params={"q": "0%"})).json()["items"]] == [
            "under_score@example.org"]
        assert (await staff.get("/api/accounts", params={"role": "none", "limit": 1})).json()["total"] == 2
        assert (await staff.get("/api/accounts", params={"offset": 2**31 - 1, "limit": 2**31 - 1})).json()["limit"] == 100
        assert (await staff.get("/api/accounts", params={"offset": 10**12, "limit": 10**12})).status_code == 400
        bad = await staff.get("/api/accounts", params={"role": "admin"})
        assert bad.status_code == 422 and [e["key"] for e in bad.json()["extra"]] == ["role"]
        page = await staff.get("/staff/people", params={"q": "amina"})
        assert page.status_code == 200 and "Amina Odhiambo" in page.text and "Kofi" not in page.text


async def test_staff_grant_and_revoke_judge_with_a_reason_on_the_account_page(app, client):
    await make_user(app, "kofi@example.org", display_name="Kofi <b>Mensah</b>")
    kofi = await _id("kofi@example.org")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        page = await staff.get(f"/staff/people/{kofi}")
        assert page.status_code == 200 and "Kofi &lt;b&gt;Mensah&lt;/b&gt;" in page.text
        missing = await _form(staff, f"/staff/people/{kofi}/roles", {"change": "grant", "role": "judge", "reason": " "})
        assert missing.status_code == 422 and 'id="f-reason-error"' in missing.text
        unknown = await _form(staff, f"/staff/people/{kofi}/roles", {"change": "grant", "role": "admin", "reason": "x"})
        assert unknown.status_code == 422 and 'id="f-role-error"' in unknown.text
        assert await _roles("kofi@example.org") == []
        granted = await _form(staff, f"/staff/people/{kofi}/roles",
                              {"change": "grant", "role": "judge", "reason": "Expert on e-health"})
        assert granted.status_code == 303 and granted.headers["location"] == f"/staff/people/{kofi}?done=granted"
        assert await _roles("kofi@example.org") == ["judge"]
        entry = await AuditEntry.select().where(AuditEntry.action == "role.grant").first()
        assert entry["reason"] == "Expert on e-health" and entry["subject"] == f"account:{kofi}"
        revoked = await _form(staff, f"/staff/people/{kofi}/roles", {"change": "revoke", "role": "judge", "reason": "Left"})
        assert revoked.status_code == 303 and await _roles("kofi@example.org") == []


async def test_nobody_can_remove_the_last_staff_role_not_even_its_holder(app, client):
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        me = await _id("staff@example.org")
        asked = await _form(staff, f"/staff/people/{me}/roles", {"change": "revoke", "role": "staff", "reason": "bye"})
        assert asked.status_code == 200 and "Take your own role away?" in asked.text  # asked to confirm
        assert await _roles("staff@example.org") == ["staff"]
        refused = await _form(staff, f"/staff/people/{me}/roles",
                              {"change": "revoke", "role": "staff", "reason": "bye", "confirm": "yes"})
        assert refused.status_code == 409 and "last staff account" in refused.text
        api = await staff.request("DELETE", "/api/staff/roles", json={"email": "staff@example.org", "role": "staff"})
        assert api.status_code == 409 and [e["key"] for e in api.json()["extra"]] == ["role"]
        suspend = await _form(staff, f"/staff/people/{me}/suspension", {"suspend": "yes", "reason": "test"})
        assert suspend.status_code == 409
        assert await _roles("staff@example.org") == ["staff"]
        assert await User.count().where(User.suspended_at.is_not_null()) == 0
        assert await AuditEntry.count().where(AuditEntry.action.is_in(["role.revoke", "account.suspend"])) == 0


async def test_two_concurrent_revocations_cannot_both_leave_no_staff(app, client):
    """Alice and Bob, the only staff, each revoke the other at once: one of them stays."""
    alice = await make_user(app, "alice@example.org", roles=("staff",))
    bob = await make_user(app, "bob@example.org", roles=("staff",))
    for _ in range(5):
        results = await asyncio.gather(
            roles.revoke_role("bob@example.org", "staff", alice.as_actor(), "concurrent"),
            roles.revoke_role("alice@example.org", "staff", bob.as_actor(), "concurrent"),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, Exception)]
        assert len(failures) == 1 and "last staff account" in str(failures[0])
        assert await UserRole.count().where(UserRole.role == "staff") == 1
        await roles.grant_role("alice@example.org", "staff", Actor.system())
        await roles.grant_role("bob@example.org", "staff", Actor.system())
    # and a revocation racing a suspension
    results = await asyncio.gather(
        roles.revoke_role("bob@example.org", "staff", alice.as_actor(), "concurrent"),
        administration.suspend(alice.id, bob.as_actor(), "concurrent", utcnow()),
        return_exceptions=True,
    )
    assert len([r for r in results if isinstance(r, Exception)]) == 1
    active = await UserRole.count().where((UserRole.role == "staff") & UserRole.user.suspended_at.is_null())
    assert active == 1


async def test_a_suspended_account_is_signed_out_and_cannot_sign_in_and_keeps_everything(app, client):
    await make_user(app, "kofi@example.org", roles=("judge",))
    kofi = await _id("kofi@example.org")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        async with await signed_in(app, "other@example.org") as _unused:
            pass
        judge = ApiClient.extra(app)
        await judge.sign_in("kofi@example.org")
        assert (await judge.get("/api/me")).status_code == 200
        no_reason = await _form(staff, f"/staff/people/{kofi}/suspension", {"suspend": "yes", "reason": ""})
        assert no_reason.status_code == 422 and await User.count().where(User.suspended_at.is_not_null()) == 0
        done = await _form(staff, f"/staff/people/{kofi}/suspension", {"suspend": "yes", "reason": "Spam"})
        assert done.status_code == 303
        assert (await judge.get("/api/me")).status_code == 401  # the session ended
        refused = await judge.post("/api/session", json={"email": "kofi@example.org",
                                                          "password": "correct horse battery staple"})
        assert refused.status_code == 403 and "suspended" in refused.json()["detail"]
        assert await _roles("kofi@example.org") == ["judge"]  # nothing deleted
        again = await staff.put(f"/api/accounts/{kofi}/suspension", json={"suspended": True, "reason": "x"})
        assert again.status_code == 409 and [e["key"] for e in again.json()["extra"]] == ["suspended"]
        listed = (await staff.get("/api/accounts", params={"q": "kofi"})).json()["items"][0]
        assert listed["suspended"] is True
        lifted = await staff.put(f"/api/accounts/{kofi}/suspension", json={"suspended": False, "reason": "Appeal"})
        assert lifted.status_code == 200
        await judge.sign_in("kofi@example.org")
        await judge.http.aclose()
        actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.subject == f"account:{kofi}").order_by(AuditEntry.id)]
        assert actions == ["account.suspend", "account.unsuspend"]


async def test_staff_send_the_verification_mail_again(app, client):
    await make_user(app, "new@example.org", verified=False)
    await make_user(app, "done@example.org")
    new, done = await _id("new@example.org"), await _id("done@example.org")
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        page = await staff.get(f"/staff/people/{new}")
        assert "Send the verification mail again" in page.text
        sent = await _form(staff, f"/staff/people/{new}/verification-mail", {})
        assert sent.status_code == 303
        assert await OutgoingMail.count().where(OutgoingMail.recipient == "new@example.org") == 1
        refused = await staff.post(f"/api/accounts/{done}/verification-mail")
        assert refused.status_code == 409 and [e["key"] for e in refused.json()["extra"]] == ["email"]
        assert (await staff.post("/api/accounts/not-a-uuid/verification-mail")).status_code == 404


async def test_the_account_page_shows_what_it_owns_and_never_how_it_voted(app, client):
    from tests.factories import project

    async with await signed_in(app, "owner@example.org") as owner:
        created = await owner.post("/api/nominations", json=project(title="Clinic reminders", owned_by_submitter=False))
        assert created.status_code == 201, created.text
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        page = await staff.get(f"/staff/people/{await _id('owner@example.org')}")
        assert "Clinic reminders" in page.text and "nominated by a third party" in page.text
        assert not re.search(r"[Vv]ote", page.text.split("<main", 1)[1].split("</main>", 1)[0])
