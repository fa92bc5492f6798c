"""What staff do to an account besides roles. Suspension: its sessions end and it can no
longer sign in; nothing it did is deleted. Under the same staff lock as role revocations (`accounts.roles.lock_staff`),
so the contest always keeps one staff account that can sign in."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from core import audit
from core.audit import Actor
from core.db import transaction
from core.errors import Conflict, FieldError
from core.i18n import gettext as _
from accounts.roles import check_reason, last_staff, lock_staff, other_active_staff
from accounts.services import CurrentUser, account_row, load_user, send_verification_mail
from accounts.tables import User, UserRole


async def suspend(user_id: UUID | str, actor: Actor, reason: str | None, now: datetime) -> CurrentUser:
    """Suspends an account: every session ends (`auth_epoch`), sign-in is refused, nothing
    is deleted. The last staff account that can sign in cannot be suspended (409)."""
    reason = check_reason(reason, required=True)
    row = await account_row(user_id)
    if row["suspended_at"] is not None:
        raise Conflict(_("This account is already suspended."), [FieldError("suspended", _("Already suspended."))])
    async with transaction():
        await lock_staff()
        holds = await UserRole.exists().where((UserRole.user == row["id"]) & (UserRole.role == "staff"))
        if holds and await other_active_staff(row["id"]) == 0:
            raise last_staff("suspended")
        updated = await User.update({User.suspended_at: now, User.auth_epoch: User.auth_epoch + 1}).where(
            (User.id == row["id"]) & User.suspended_at.is_null()).returning(User.id)
        if updated:
            await audit.record(actor, "account.suspend", f"account:{row['id']}", reason, {"email": row["email"]})
    user = await load_user(row["id"])
    assert user is not None
    return user


async def unsuspend(user_id: UUID | str, actor: Actor, reason: str | None) -> CurrentUser:
    reason = check_reason(reason, required=True)
    row = await account_row(user_id)
    if row["suspended_at"] is None:
        raise Conflict(_("This account is not suspended."), [FieldError("suspended", _("Not suspended."))])
    async with transaction():
        updated = await User.update({User.suspended_at: None}).where(
            (User.id == row["id"]) & User.suspended_at.is_not_null()).returning(User.id)
        if updated:
            await audit.record(actor, "account.unsuspend", f"account:{row['id']}", reason, {"email": row["email"]})
    user = await load_user(row["id"])
    assert user is not None
    return user


async def resend_verification(user_id: UUID | str, actor: Actor, base_url: str) -> CurrentUser:
    """Staff send an account's verification mail again (409 if it is verified already)."""
    user = await load_user((await account_row(user_id))["id"])
    assert user is not None
    await send_verification_mail(user, base_url, actor)
    return user
