"""One typed settings object, read once from the environment (and an optional `.env`).

`create_app(settings)` takes it; tests build their own instead of touching `os.environ`.
Secrets are wrapped in `Secret` so that they never show in a repr or a log line.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


class Secret(str):
    """A string that hides itself in reprs (and so in logs and tracebacks)."""

    def __repr__(self) -> str:
        return "Secret('**********')"

    def reveal(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class RateLimit:
    """`count` events per `seconds`, parsed from `N/second|minute|hour|day`."""

    count: int
    seconds: int

    UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

    @classmethod
    def parse(cls, text: str, variable: str = "rate limit") -> "RateLimit":
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*", text or "")
        if not match or int(match.group(1)) < 1:
            raise SettingsError(f"{variable}: expected N/second, N/minute, N/hour or N/day, got {text!r}")
        return cls(int(match.group(1)), cls.UNITS[match.group(2)])

    def __str__(self) -> str:
        unit = {v: k for k, v in self.UNITS.items()}[self.seconds]
        return f"{self.count}/{unit}"


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: `KEY=value` lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _bool(value: str, variable: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{variable}: expected true or false, got {value!r}")


def _int(value: str, variable: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{variable}: expected an integer, got {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{variable}: must be at least {minimum}")
    return number


def _seconds(value: str, variable: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{variable}: expected a number of seconds, got {value!r}") from None
    if not number >= 0:  # also refuses NaN
        raise SettingsError(f"{variable}: must be 0 or more")
    return number


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    smtp_url: Secret | None
    base_url: str
    secret_key: Secret
    var_dir: Path
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    rate_limit_votes_per_ip: RateLimit = RateLimit(60, 60)
    rate_limit_votes_per_account: RateLimit = RateLimit(30, 60)
    rate_limit_votes_per_network: RateLimit = RateLimit(600, 60)
    rate_limit_registrations_per_ip: RateLimit = RateLimit(20, 3600)
    rate_limit_logins_per_ip: RateLimit = RateLimit(30, 60)
    # failed attempts only, per address signed into (the reset link keeps working)
    rate_limit_logins_per_account: RateLimit = RateLimit(20, 3600)
    rate_limit_logins_per_network: RateLimit = RateLimit(300, 60)
    rate_limit_registrations_per_network: RateLimit = RateLimit(100, 3600)
    rate_limit_mails_per_account: RateLimit = RateLimit(5, 3600)
    # argon2id parameters; the defaults are argon2-cffi's (about 120 ms a hash here).
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    session_max_age: int = 14 * 24 * 3600
    # How often each worker looks for a phase whose closing instant has passed (seconds).
    phase_tick_seconds: float = 5.0
    # The sender of every mail, and how often each worker looks for queued mails (seconds;
    # 0 runs no mail worker). An enqueue in the same process wakes the worker at once.
    mail_from: str = "WSIS Prizes <no-reply@wsis-prizes.invalid>"
    mail_poll_seconds: float = 2.0
    # Uploaded images (project photos for the book): where they are kept, and how big.
    media_dir: Path | None = None
    max_image_bytes: int = 5_000_000
    # How long each process keeps an edition it read (seconds; 0 = always read the database).
    edition_cache_seconds: float = 1.0
    max_body_bytes: int = 1_000_000
    # Anonymous public pages kept rendered in each process (core/pagecache.py): how many
    # (0: none), how often each process reads the public version from Redis (seconds; 0: at
    # every request), and the max-age and stale-while-revalidate they are sent with.
    page_cache_entries: int = 2000
    public_version_seconds: float = 0.5
    public_max_age: int = 1
    public_stale_seconds: int = 1
    log_level: str = "INFO"
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: Path | None = None,
    ) -> "Settings":
        """Read every setting once. The environment wins over `.env`."""
        environ = dict(os.environ if environ is None else environ)
        env_file = env_file if env_file is not None else PROJECT_ROOT / ".env"
        values = {**read_env_file(env_file), **environ}

        var_dir = Path(values.get("PRIZES_VAR_DIR") or PROJECT_ROOT / "var").resolve()
        database_url = values.get("DATABASE_URL") or f"sqlite:///{var_dir / 'prizes.sqlite'}"
        if not (database_url.startswith("sqlite:///") or database_url.startswith(("postgresql://", "postgres://"))):
            raise SettingsError("DATABASE_URL: expected sqlite:///path or postgresql://...")

        secret = values.get("SECRET_KEY") or _generated_secret(var_dir)

        proxies = []
        for item in (values.get("TRUSTED_PROXIES") or "").replace(";", ",").split(","):
            item = item.strip()
            if item:
                try:
                    proxies.append(ipaddress.ip_network(item, strict=False))
                except ValueError:
                    raise SettingsError(f"TRUSTED_PROXIES: {item!r} is not an address or network") from None

        def limit(name: str, default: RateLimit) -> RateLimit:
            return RateLimit.parse(values[name], name) if values.get(name) else default

        base_url = (values.get("BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError("BASE_URL: expected http://... or https://...")

        defaults = cls.__dataclass_fields__
        return cls(
            database_url=database_url,
            redis_url=values.get("REDIS_URL") or None,
            smtp_url=Secret(values["SMTP_URL"]) if values.get("SMTP_URL") else None,
            base_url=base_url,
            secret_key=Secret(secret),
            var_dir=var_dir,
            trusted_proxies=tuple(proxies),
            rate_limit_votes_per_ip=limit("RATE_LIMIT_VOTES_PER_IP", defaults["rate_limit_votes_per_ip"].default),
            rate_limit_votes_per_account=limit(
                "RATE_LIMIT_VOTES_PER_ACCOUNT", defaults["rate_limit_votes_per_account"].default
            ),
            rate_limit_votes_per_network=limit(
                "RATE_LIMIT_VOTES_PER_NETWORK", defaults["rate_limit_votes_per_network"].default
            ),
            rate_limit_registrations_per_ip=limit(
                "RATE_LIMIT_REGISTRATIONS_PER_IP", defaults["rate_limit_registrations_per_ip"].default
            ),
            rate_limit_logins_per_ip=limit("RATE_LIMIT_LOGINS_PER_IP", defaults["rate_limit_logins_per_ip"].default),
            rate_limit_logins_per_account=limit(
                "RATE_LIMIT_LOGINS_PER_ACCOUNT", defaults["rate_limit_logins_per_account"].default
            ),
            rate_limit_logins_per_network=limit(
                "RATE_LIMIT_LOGINS_PER_NETWORK", defaults["rate_limit_logins_per_network"].default
            ),
            rate_limit_registrations_per_network=limit(
                "RATE_LIMIT_REGISTRATIONS_PER_NETWORK", defaults["rate_limit_registrations_per_network"].default
            ),
            rate_limit_mails_per_account=limit(
                "RATE_LIMIT_MAILS_PER_ACCOUNT", defaults["rate_limit_mails_per_account"].default
            ),
            argon2_time_cost=_int(values.get("ARGON2_TIME_COST", "3"), "ARGON2_TIME_COST", 1),
            argon2_memory_cost=_int(values.get("ARGON2_MEMORY_COST", "65536"), "ARGON2_MEMORY_COST", 8),
            argon2_parallelism=_int(values.get("ARGON2_PARALLELISM", "4"), "ARGON2_PARALLELISM", 1),
            phase_tick_seconds=float(values.get("PHASE_TICK_SECONDS", "5")),
            mail_from=values.get("MAIL_FROM") or defaults["mail_from"].default,
            mail_poll_seconds=_seconds(values.get("MAIL_POLL_SECONDS", "2"), "MAIL_POLL_SECONDS"),
            media_dir=Path(values["PRIZES_MEDIA_DIR"]).resolve() if values.get("PRIZES_MEDIA_DIR") else var_dir / "media",
            max_image_bytes=_int(values.get("MAX_IMAGE_BYTES", "5000000"), "MAX_IMAGE_BYTES", 1000),
            edition_cache_seconds=_seconds(values.get("EDITION_CACHE_SECONDS", "1"), "EDITION_CACHE_SECONDS"),
            page_cache_entries=_int(values.get("PAGE_CACHE_ENTRIES", "2000"), "PAGE_CACHE_ENTRIES", 0),
            public_version_seconds=_seconds(values.get("PUBLIC_VERSION_SECONDS", "0.5"), "PUBLIC_VERSION_SECONDS"),
            public_max_age=_int(values.get("PUBLIC_MAX_AGE", "1"), "PUBLIC_MAX_AGE", 0),
            public_stale_seconds=_int(values.get("PUBLIC_STALE_SECONDS", "1"), "PUBLIC_STALE_SECONDS", 0),
            log_level=values.get("LOG_LEVEL", "INFO").upper(),
            extra={k: v for k, v in values.items() if k.startswith("PRIZES_")},
        )


def _generated_secret(var_dir: Path) -> str:
    """SECRET_KEY defaults to a random key generated once into `var/` (never into the repo)."""
    path = var_dir / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Create exclusively so two workers starting together agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
