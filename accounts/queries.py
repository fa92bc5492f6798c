"""Reads of accounts for staff: the People list (never how anyone voted)."""

from __future__ import annotations

from uuid import UUID

from core.errors import FieldError, InvalidInput, NotFound
from core.i18n import gettext as _
from piccolo.columns.combination import WhereRaw

from accounts.rules import ROLES
from accounts.tables import User, UserRole

MAX_LIMIT = 100


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def check_role_filter(role: str | None) -> str | None:
    if role in (None, ""):
        return None
    if role not in (*ROLES, "none"):
        raise InvalidInput([FieldError("role", _("Choose one of: %(roles)s.", roles=", ".join((*ROLES, "none"))))])
    return role


def _out(row: dict, roles: dict) -> dict:
    return {"id": str(row["id"]), "email": row["email"], "display_name": row["display_name"],
            "roles": sorted(roles.get(row["id"], [])), "email_verified": bool(row["email_verified"]),
            "created_at": row["created_at"], "suspended": row["suspended_at"] is not None,
            "language": row["language"]}


async def _roles_of(ids: list) -> dict:
    roles: dict = {}
    if ids:
        for r in await UserRole.select(UserRole.user, UserRole.role).where(UserRole.user.is_in(ids)):
            roles.setdefault(r["user"], []).append(r["role"])
    return roles


async def list_accounts(q: str | None, role: str | None, offset: int, limit: int) -> tuple[list[dict], int]:
    """Accounts whose address or name contains `q` (any letter case), with `role` (or
    `none`: no role), newest first. Returns the page and the total."""
    role = check_role_filter(role)
    offset, limit = max(0, offset), min(max(1, limit), MAX_LIMIT)
    where = User.id.is_not_null()
    text = (q or "").strip()[:200]
    if text:
        pattern = _like(text.lower())
        where &= WhereRaw(
            """(LOWER("email") LIKE {} ESCAPE '\\' OR LOWER("display_name") LIKE {} ESCAPE '\\')""", pattern, pattern)
    if role == "none":
        where &= User.id.not_in(UserRole.select(UserRole.user))
    elif role:
        where &= User.id.is_in(UserRole.select(UserRole.user).where(UserRole.role == role))
    total = await User.count().where(where)
    rows = await User.select(User.id, User.email, User.display_name, User.email_verified, User.created_at,
                             User.suspended_at, User.language).where(where).order_by(
        User.created_at, ascending=False).order_by(User.id).offset(offset).limit(limit)
    roles = await _roles_of([r["id"] for r in rows])
    return [_out(r, roles) for r in rows], total


async def get_account(user_id: UUID | str) -> dict:
    try:
        key = user_id if isinstance(user_id, UUID) else UUID(str(user_id))
    except ValueError:
        raise NotFound(_("No such account.")) from None
    row = await User.select(User.id, User.email, User.display_name, User.email_verified, User.created_at,
                            User.suspended_at, User.language, User.last_login_at).where(User.id == key).first()
    if row is None:
        raise NotFound(_("No such account."))
    out = _out(row, await _roles_of([row["id"]]))
    out.update(suspended_at=row["suspended_at"], last_login_at=row["last_login_at"])
    return out
