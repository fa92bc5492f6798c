"""Shapes in and out of the accounts API. Unknown fields and wrong JSON types are refused
(400) by decoding; content rules (422) are the services'."""

from __future__ import annotations

import msgspec

from accounts.services import CurrentUser


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class SessionIn(Strict):
    email: str
    password: str


class RoleIn(Strict):
    email: str
    role: str
    reason: str | None = None


class SuspensionIn(Strict):
    suspended: bool
    reason: str


class AccountListItem(msgspec.Struct):
    id: str
    email: str
    display_name: str
    roles: list[str]
    email_verified: bool
    created_at: str
    suspended: bool

    @classmethod
    def of(cls, item: dict) -> "AccountListItem":
        return cls(id=item["id"], email=item["email"], display_name=item["display_name"], roles=item["roles"],
                   email_verified=item["email_verified"], created_at=item["created_at"].isoformat(),
                   suspended=item["suspended"])


class AccountPage(msgspec.Struct):
    items: list[AccountListItem]
    total: int
    offset: int
    limit: int


class MeOut(msgspec.Struct):
    id: str
    email: str
    display_name: str
    roles: list[str]
    email_verified: bool

    @classmethod
    def of(cls, user: CurrentUser) -> "MeOut":
        return cls(
            id=str(user.id),
            email=user.email,
            display_name=user.display_name,
            roles=sorted(user.roles),
            email_verified=user.email_verified,
        )


class AccountIn(Strict):
    email: str
    password: str
    display_name: str = ""


class AccountOut(msgspec.Struct):
    id: str
    email: str
    email_verified: bool


class TokenIn(Strict):
    token: str


class ResetRequestIn(Strict):
    email: str


class ResetConfirmIn(Strict):
    token: str
    password: str


class PasswordChangeIn(Strict):
    current_password: str
    new_password: str


class Message(msgspec.Struct):
    detail: str
