"""People and their roles. Accounts carry over from one edition to the next."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ROLES = ("staff", "judge")


class User(Table, tablename="account"):
    id = UUID(primary_key=True)
    email = Varchar(length=320, null=False)
    # The address folded to lower case: unique, so two spellings of one address never
    # make two accounts, whatever races between requests.
    email_key = Varchar(length=320, null=False, unique=True)
    display_name = Varchar(length=200, null=False, default="")
    password_hash = Text(null=False)
    email_verified = Boolean(default=False, null=False)
    # Bumped to end every session of the account (password reset, sign out everywhere).
    auth_epoch = Integer(default=0, null=False)
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    last_login_at = Timestamptz(null=True, default=None)
    # The language the person last read the site in: mails sent to them by others (staff
    # decisions, reminders) are written in it. Empty until known.
    language = Varchar(length=8, null=False, default="")
    # Set by staff: a suspended account cannot sign in and its sessions have ended; nothing
    # it did is deleted.
    suspended_at = Timestamptz(null=True, default=None)


class UserRole(Table, tablename="account_role"):
    """Constraints (made in the migration): unique (user, role); role in ROLES."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    role = Varchar(length=20, null=False)
    granted_at = Timestamptz(default=TimestamptzNow(), null=False)


class AccountToken(Table, tablename="account_token"):
    """A single-use token mailed to the owner of an account (address verification, password
    reset). Only its SHA-256 is stored; `used_at` makes it single-use."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    purpose = Varchar(length=20, null=False)
    token_hash = Varchar(length=64, null=False, unique=True)
    created_at = Timestamptz(default=TimestamptzNow(), null=False)
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)
