"""Account actions: creating accounts, signing in, mailed links (verification, reset),
passwords. Roles and the staff lock: accounts/roles.py."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from core import audit
from core.audit import Actor
from core.batching import Coalescer
from core.db import is_sqlite, is_unique_violation, transaction
from core.errors import Conflict, DomainError, FieldError, FieldErrors, Forbidden, InvalidInput, NotFound, Unauthenticated
from core.i18n import gettext as _
from core.mail import Mail, enqueue
from core.ratelimit import RateLimiter
from core.settings import RateLimit
from core.templating import render_text
from core.validation import clean_text
from accounts.passwords import Passwords
from accounts.rules import RESET_TOKEN_TTL, ROLES, VERIFY_TOKEN_TTL, fold_email, is_valid_email, password_errors
from accounts.tables import AccountToken, User, UserRole

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
    language: str = ""
    suspended: bool = False

    @property
    def is_staff(self) -> bool:
        return "staff" in self.roles

    @property
    def is_judge(self) -> bool:
        return "judge" in self.roles

    def as_actor(self) -> Actor:
        return Actor(self.id, self.email)


def _user_key(user_id: UUID | str) -> UUID | None:
    try:
        return user_id if isinstance(user_id, UUID) else UUID(str(user_id))
    except ValueError:
        return None


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _users_of(rows: list[dict]) -> dict[UUID, CurrentUser]:
    """The accounts of `_LOAD_USER`'s rows (a row per role)."""
    grouped: dict[UUID, list[dict]] = {}
    for row in rows:
        grouped.setdefault(_uuid(row["id"]), []).append(row)
    return {
        key: CurrentUser(
            id=key,
            email=first["email"],
            display_name=first["display_name"],
            roles=frozenset(r["role"] for r in group if r["role"]),
            email_verified=bool(first["email_verified"]),
            auth_epoch=int(first["auth_epoch"]),
            language=first["language"] or "",
            suspended=first["suspended_at"] is not None,
        )
        for key, group in grouped.items()
        for first in group[:1]
    }


async def load_user(user_id: UUID | str) -> CurrentUser | None:
    key = _user_key(user_id)
    if key is None:
        return None
    # One query: the account with a row per role.
    return _users_of(await User.raw(_LOAD_USER + '"id" = {}', key)).get(key)


async def _load_users(keys: list[UUID]) -> list[CurrentUser | None]:
    unique = list(dict.fromkeys(keys))
    users = _users_of(await User.raw(_LOAD_USER + '"id" IN (' + ", ".join("{}" for _ in unique) + ")", *unique))
    return [users.get(key) for key in keys]


# The signed-in person of every request: the requests that arrive together share one query.
# Only for reads outside a transaction (the session middleware's), never inside one.
_signed_in_users: Coalescer[UUID, CurrentUser | None] = Coalescer(_load_users, max_batch=100, concurrency=2)


async def load_signed_in_user(user_id: UUID | str) -> CurrentUser | None:
    """`load_user` for the session middleware: as fresh (the query runs after the call), but
    the requests of one moment share one query."""
    key = _user_key(user_id)
    return None if key is None else await _signed_in_users(key)


async def remember_language(user_id: UUID, language: str) -> None:
    await User.update({User.language: language}).where(User.id == user_id)


async def languages_of(emails: list[str]) -> dict[str, str]:
    """Address → the language its account reads the site in ("" when unknown), for the
    accounts with these addresses: mails sent to them are written in it."""
    if not emails:
        return {}
    rows = await User.select(User.email, User.language).where(User.email.is_in(list(emails)))
    return {r["email"]: r["language"] for r in rows}


_LOAD_USER = (
    f'SELECT u."id", u."email", u."display_name", u."email_verified", u."auth_epoch", u."language", u."suspended_at", r."role" '
    f'FROM "{User._meta.tablename}" u LEFT JOIN "{UserRole._meta.tablename}" r ON r."user" = u."id" '
    'WHERE u.'
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
    verification_link_base: str | None = None,
    language: str = "",
) -> CurrentUser:
    """A new account; 409 naming `email` if the address (in any letter case) is taken.
    With `verification_link_base` (the site's BASE_URL), the verification mail is queued in
    the same transaction: an account exists iff its mail is on its way."""
    email, password, display_name = check_new_account(email, password, display_name)
    password_hash = await passwords.hash(password)
    user = User(
        email=email,
        email_key=fold_email(email),
        display_name=display_name or email.partition("@")[0],
        password_hash=password_hash,
        email_verified=verified,
        created_at=datetime.now(timezone.utc),
        language=language,
    )
    try:
        async with transaction():
            await User.insert(user)
            for role in roles:
                await UserRole.insert(UserRole(user=user.id, role=role))
            if not verified and verification_link_base:
                await _mail_token(user.id, user.email, "", "verify", verification_link_base)
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


async def authenticate(passwords: Passwords, email: str, password: str,
                       failures: tuple[RateLimiter, RateLimit] | None = None) -> CurrentUser:
    """The account for these credentials, or 401. Upgrades an old hash on success.
    `failures`: the limiter and the limit of failed attempts per address signed into
    (RATE_LIMIT_LOGINS_PER_ACCOUNT): 429 once reached, before any password is checked; only
    failures count, so the owner's own reset link keeps working meanwhile. A suspended
    account is refused (403), said only to whoever knows its password."""
    subject = fold_email(email or "")
    if failures is not None:
        await failures[0].refuse_if_full("logins-account", subject, failures[1])
    row = await User.select(User.id, User.password_hash, User.suspended_at).where(User.email_key == subject).first()
    if row is None or not password or not await passwords.verify(row["password_hash"], password):
        if row is None or not password:
            await passwords.burn(password or "")
        if failures is not None:
            await failures[0].hit("logins-account", subject, failures[1])
        raise Unauthenticated(_("The e-mail address or the password is not correct."))
    if row["suspended_at"] is not None:  # said only to whoever knows the password
        raise Forbidden(_("This account is suspended. Write to the secretariat if you think this is a mistake."))
    changes = {User.last_login_at: datetime.now(timezone.utc)}
    if passwords.needs_rehash(row["password_hash"]):
        changes[User.password_hash] = await passwords.hash(password)
    await User.update(changes).where(User.id == row["id"])
    user = await load_user(row["id"])
    assert user is not None
    return user


async def set_password(passwords: Passwords, user_id: UUID, password: str, email: str, key: str = "password") -> None:
    """Sets the password and ends every session of the account."""
    errors = password_errors(password, email, key)
    if errors:
        raise InvalidInput(errors)
    password_hash = await passwords.hash(password)
    await User.update({User.password_hash: password_hash, User.auth_epoch: User.auth_epoch + 1}).where(
        User.id == user_id
    )


async def _user_by_email(email: str) -> dict:
    row = await User.select(User.id, User.email, User.suspended_at).where(
        User.email_key == fold_email(email or "")).first()
    if row is None:
        raise NotFound(_("No account has this address."), [FieldError("email", _("No account has this address."))])
    return row


async def account_row(user_id: UUID | str) -> dict:
    try:
        key = user_id if isinstance(user_id, UUID) else UUID(str(user_id))
    except ValueError:
        key = None
    row = await User.select(User.id, User.email, User.suspended_at).where(User.id == key).first() if key else None
    if row is None:
        raise NotFound(_("No such account."))
    return row


# --- mailed tokens: address verification and password reset ------------------------------

_PURPOSES = {"verify": (VERIFY_TOKEN_TTL, "/verify", "mail/accounts/verify.txt"),
             "reset": (RESET_TOKEN_TTL, "/password-reset/confirm", "mail/accounts/reset.txt")}


class BadToken(DomainError):
    status_code = 400


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def _mail_token(user_id: UUID, email: str, name: str, purpose: str, base_url: str) -> None:
    """Mint a single-use token, keep its digest, queue the mail with the link. Call inside
    the transaction of the change that needs it."""
    ttl, path, template = _PURPOSES[purpose]
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    await AccountToken.insert(
        AccountToken(user=user_id, purpose=purpose, token_hash=_digest(token), created_at=now, expires_at=now + ttl)
    )
    link = f"{base_url}{path}?token={token}"
    subject = _("WSIS Prizes: Confirm your e-mail address") if purpose == "verify" else _("WSIS Prizes: Reset your password")
    await enqueue(Mail(to=email, subject=subject, text=render_text(template, name=name, link=link),
                       kind=purpose))


async def _consume(token: str | None, purpose: str) -> UUID:
    """The account a valid token belongs to; the token is used up atomically (two requests
    with one token: one wins). 400 naming `token` if it is wrong, used or expired."""
    wrong = BadToken(
        _("This link is not valid: it may have been used already or have expired."),
        [FieldError("token", _("The token is wrong, used or expired."))],
    )
    if not token or len(token) > 200:
        raise wrong
    now = datetime.now(timezone.utc)
    rows = await AccountToken.update({AccountToken.used_at: now}).where(
        (AccountToken.token_hash == _digest(token))
        & (AccountToken.purpose == purpose)
        & (AccountToken.used_at.is_null())
        & (AccountToken.expires_at > now)
    ).returning(AccountToken.user)
    if not rows:
        raise wrong
    return rows[0]["user"]


async def send_verification_mail(user: CurrentUser, base_url: str, actor: Actor | None = None) -> None:
    """The verification mail again: asked by its owner, or by staff (`actor`: audited)."""
    if user.email_verified:
        raise Conflict(_("This address is already verified."), [FieldError("email", _("Already verified."))])
    async with transaction():
        await _mail_token(user.id, user.email, "", "verify", base_url)
        if actor is not None:
            await audit.record(actor, "account.verification_mail", f"account:{user.id}", "", {"email": user.email})


async def verify_email(token: str | None) -> CurrentUser:
    async with transaction():
        user_id = await _consume(token, "verify")
        # Whoever signed up with someone else's address loses every session when the real
        # owner proves it (a new auth_epoch ends them all; the verifying page signs its own
        # visitor in again only if they are that account already).
        await User.update({User.email_verified: True, User.auth_epoch: User.auth_epoch + 1}).where(User.id == user_id)
    user = await load_user(user_id)
    assert user is not None
    return user


async def request_password_reset(email: str | None, base_url: str, limiter=None, limit=None) -> None:
    """Mails a reset link if the address has an account; says nothing either way. Requests
    are counted per address, existing or not, so the limit tells nothing either."""
    if limiter is not None and limit is not None:
        await limiter.check("reset-mails", fold_email(email or "")[:320], limit)
    row = await User.select(User.id, User.email, User.display_name).where(
        User.email_key == fold_email(email or "")
    ).first()
    if row is None:
        return
    async with transaction():
        await _mail_token(row["id"], row["email"], row["display_name"], "reset", base_url)


async def reset_password(passwords: Passwords, token: str | None, password: str | None) -> CurrentUser:
    """Sets the new password and ends every session of the account. Following the mailed
    link also proves the address, so the account counts as verified."""
    password = password or ""
    if len(password) > 256 or len(password) < 10:
        # checked before the token is used up, so a too-short password can be retried
        raise InvalidInput(password_errors(password))
    async with transaction():
        user_id = await _consume(token, "reset")
        row = await User.select(User.email).where(User.id == user_id).first()
        errors = password_errors(password, row["email"])
        if errors:
            raise InvalidInput(errors)
        password_hash = await passwords.hash(password)
        await User.update(
            {User.password_hash: password_hash, User.auth_epoch: User.auth_epoch + 1, User.email_verified: True}
        ).where(User.id == user_id)
        # every other outstanding reset link of the account stops working
        await AccountToken.update({AccountToken.used_at: datetime.now(timezone.utc)}).where(
            (AccountToken.user == user_id) & (AccountToken.purpose == "reset") & AccountToken.used_at.is_null())
    user = await load_user(user_id)
    assert user is not None
    return user


async def change_password(passwords: Passwords, user: CurrentUser, current: str, new: str) -> CurrentUser:
    """Needs the current password; ends every other session (the caller signs this one in
    again)."""
    row = await User.select(User.password_hash).where(User.id == user.id).first()
    if row is None or not await passwords.verify(row["password_hash"], current or ""):
        raise InvalidInput([FieldError("current_password", _("The current password is not correct."))])
    await set_password(passwords, user.id, new or "", user.email, key="new_password")
    updated = await load_user(user.id)
    assert updated is not None
    return updated
