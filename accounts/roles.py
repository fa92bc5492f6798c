"""Roles: granting and revoking `judge` and `staff` with a reason, and the one lock under
which nothing can leave the contest without a staff account that can sign in."""

from __future__ import annotations

from uuid import UUID

from core import audit
from core.audit import Actor
from core.db import is_sqlite, is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, InvalidInput
from core.i18n import gettext as _
from core.validation import clean_text
from accounts.rules import ROLES
from accounts.services import CurrentUser, _user_by_email, load_user
from accounts.tables import User, UserRole


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput([FieldError("role", _("Choose one of: %(roles)s.", roles=", ".join(ROLES)))])


def check_reason(reason: str | None, required: bool) -> str:
    errors = FieldErrors()
    cleaned = clean_text(errors, "reason", reason, max_length=2000, required=required, multiline=True)
    errors.raise_if_any()
    return cleaned


# One lock for every change that could leave the contest without staff (revoking the staff
# role, suspending a staff account): on PostgreSQL a transaction-scoped advisory lock, taken
# before counting, so two concurrent revocations are serialised and the second sees the first;
# SQLite's write transactions (BEGIN IMMEDIATE) already serialise.
STAFF_LOCK_ID = 7_202_612

_ACTIVE_STAFF = (
    f'SELECT COUNT(*) AS n FROM "{UserRole._meta.tablename}" r JOIN "{User._meta.tablename}" u ON u."id" = r."user" '
    """WHERE r."role" = 'staff' AND u."suspended_at" IS NULL AND u."id" <> {}"""
)


async def lock_staff() -> None:
    if not is_sqlite():
        await User.raw("SELECT pg_advisory_xact_lock({})", STAFF_LOCK_ID)


async def other_active_staff(user_id: UUID) -> int:
    rows = await User.raw(_ACTIVE_STAFF, user_id)
    return int(rows[0]["n"]) if rows else 0


def last_staff(key: str) -> Conflict:
    return Conflict(
        _("This is the last staff account; grant the staff role to someone else first."),
        [FieldError(key, _("The contest must keep at least one staff account that can sign in."))],
    )


async def grant_role(email: str, role: str, actor: Actor, reason: str | None = None) -> CurrentUser:
    """Grants a role (nothing happens if it is held already). `reason` is kept in the audit
    log; pages require one (`reason=""` is then refused), the API and the CLI may omit it."""
    _check_role(role)
    reason = check_reason(reason, required=reason is not None)
    row = await _user_by_email(email)
    async with transaction():
        exists = await UserRole.exists().where((UserRole.user == row["id"]) & (UserRole.role == role))
        if not exists:
            try:
                await UserRole.insert(UserRole(user=row["id"], role=role))
            except Exception as error:
                if not is_unique_violation(error):
                    raise
            await audit.record(actor, "role.grant", f"account:{row['id']}", reason, {"email": row["email"], "role": role})
    user = await load_user(row["id"])
    assert user is not None
    return user


async def revoke_role(email: str, role: str, actor: Actor, reason: str | None = None) -> CurrentUser:
    """Revokes a role. Nobody — the holder included — can take the staff role from the last
    staff account that can sign in (409, under the staff lock)."""
    _check_role(role)
    reason = check_reason(reason, required=reason is not None)
    row = await _user_by_email(email)
    async with transaction():
        if role == "staff":
            await lock_staff()
            holds = await UserRole.exists().where((UserRole.user == row["id"]) & (UserRole.role == "staff"))
            if holds and row["suspended_at"] is None and await other_active_staff(row["id"]) == 0:
                raise last_staff("role")
        deleted = await UserRole.delete().where((UserRole.user == row["id"]) & (UserRole.role == role)).returning(
            UserRole.id
        )
        if deleted:
            await audit.record(actor, "role.revoke", f"account:{row['id']}", reason, {"email": row["email"], "role": role})
    user = await load_user(row["id"])
    assert user is not None
    return user
