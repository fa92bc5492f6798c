"""Account actions: creating accounts, signing in, granting and revoking roles."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from core import audit
from core.audit import Actor
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, InvalidInput, NotFound, Unauthenticated
from core.i18n import gettext as _
from core.validation import clean_text
from accounts.passwords import Passwords
from accounts.rules import ROLES, fold_email, is_valid_email, password_errors
from accounts.tables import User, UserRole

log = logging.getLogger("prizes.accounts")


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person, as guards and handlers see them."""

    id: UUID
    email: str
    display_name: str
    roles: frozenset[str]
    email_verified: bool
    auth_epoch: int

    @property
    def is_staff(self) -> bool:
        return "staff" in self.roles

    @property
    def is_judge(self) -> bool:
        return "judge" in self.roles

    def as_actor(self) -> Actor:
        return Actor(self.id, self.email)


async def load_user(user_id: UUID | str) -> CurrentUser | None:
    try:
        key = user_id if isinstance(user_id, UUID) else UUID(str(user_id))
    except ValueError:
        return None
    row = await User.select(
        User.id, User.email, User.display_name, User.email_verified, User.auth_epoch
    ).where(User.id == key).first()
    if row is None:
        return None
    roles = await UserRole.select(UserRole.role).where(UserRole.user == key)
    return CurrentUser(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        roles=frozenset(r["role"] for r in roles),
        email_verified=row["email_verified"],
        auth_epoch=row["auth_epoch"],
    )


def check_new_account(email: str | None, password: str | None, display_name: str | None) -> tuple[str, str, str]:
    errors = FieldErrors()
    email = clean_text(errors, "email", email, max_length=254)
    if email and not errors and not is_valid_email(email):
        errors.add("email", _("Enter a valid e-mail address, such as name@example.org."))
    display_name = clean_text(errors, "display_name", display_name, max_length=200, required=False)
    password = password or ""
    errors.items.extend(password_errors(password, email))
    errors.raise_if_any()
    return email, password, display_name


async def create_user(
    passwords: Passwords,
    email: str,
    password: str,
    display_name: str = "",
    *,
    verified: bool = False,
    roles: tuple[str, ...] = (),
) -> CurrentUser:
    """A new account; 409 naming `email` if the address (in any letter case) is taken."""
    email, password, display_name = check_new_account(email, password, display_name)
    password_hash = await passwords.hash(password)
    user = User(
        email=email,
        email_key=fold_email(email),
        display_name=display_name or email.partition("@")[0],
        password_hash=password_hash,
        email_verified=verified,
        created_at=datetime.now(timezone.utc),
    )
    try:
        async with transaction():
            await User.insert(user)
            for role in roles:
                await UserRole.insert(UserRole(user=user.id, role=role))
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(
                _("An account with this address already exists."),
                [FieldError("email", _("This address is already registered."))],
            ) from None
        raise
    loaded = await load_user(user.id)
    assert loaded is not None
    return loaded


async def authenticate(passwords: Passwords, email: str, password: str) -> CurrentUser:
    """The account for these credentials, or 401. Upgrades an old hash on success."""
    row = await User.select(User.id, User.password_hash).where(User.email_key == fold_email(email or "")).first()
    if row is None or not password:
        await passwords.burn(password or "")
        raise Unauthenticated(_("The e-mail address or the password is not correct."))
    if not await passwords.verify(row["password_hash"], password):
        raise Unauthenticated(_("The e-mail address or the password is not correct."))
    changes = {User.last_login_at: datetime.now(timezone.utc)}
    if passwords.needs_rehash(row["password_hash"]):
        changes[User.password_hash] = await passwords.hash(password)
    await User.update(changes).where(User.id == row["id"])
    user = await load_user(row["id"])
    assert user is not None
    return user


async def set_password(passwords: Passwords, user_id: UUID, password: str, email: str) -> None:
    """Sets the password and ends every session of the account."""
    errors = password_errors(password, email)
    if errors:
        raise InvalidInput(errors)
    password_hash = await passwords.hash(password)
    await User.update({User.password_hash: password_hash, User.auth_epoch: User.auth_epoch + 1}).where(
        User.id == user_id
    )


async def _user_by_email(email: str) -> dict:
    row = await User.select(User.id, User.email).where(User.email_key == fold_email(email or "")).first()
    if row is None:
        raise NotFound(_("No account has this address."), [FieldError("email", _("No account has this address."))])
    return row


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput([FieldError("role", _("Choose one of: %(roles)s.", roles=", ".join(ROLES)))])


async def grant_role(email: str, role: str, actor: Actor) -> CurrentUser:
    _check_role(role)
    row = await _user_by_email(email)
    async with transaction():
        exists = await UserRole.exists().where((UserRole.user == row["id"]) & (UserRole.role == role))
        if not exists:
            try:
                await UserRole.insert(UserRole(user=row["id"], role=role))
            except Exception as error:
                if not is_unique_violation(error):
                    raise
            await audit.record(actor, "role.grant", f"account:{row['id']}", "", {"email": row["email"], "role": role})
    user = await load_user(row["id"])
    assert user is not None
    return user


async def revoke_role(email: str, role: str, actor: Actor) -> CurrentUser:
    """Revokes a role; the last staff account cannot lose its staff role (409)."""
    _check_role(role)
    row = await _user_by_email(email)
    async with transaction():
        if role == "staff":
            staff = await UserRole.count().where(UserRole.role == "staff")
            holds = await UserRole.exists().where((UserRole.user == row["id"]) & (UserRole.role == "staff"))
            if holds and staff <= 1:
                raise Conflict(
                    _("This is the last staff account; grant the role to someone else first."),
                    [FieldError("email", _("The last staff account keeps its role."))],
                )
        deleted = await UserRole.delete().where((UserRole.user == row["id"]) & (UserRole.role == role)).returning(
            UserRole.id
        )
        if deleted:
            await audit.record(actor, "role.revoke", f"account:{row['id']}", "", {"email": row["email"], "role": role})
    user = await load_user(row["id"])
    assert user is not None
    return user
