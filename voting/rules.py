"""Pure rules of public voting: the counting mode, receipts, the finalists' shortlist and its
tie rule, and the fraud signals' definitions. No I/O (Redis key names are `voting.keys`, the
badge `voting.badge`, the shipped list of disposable domains is read by `voting.fraud`)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Mapping, Sequence

COUNT_ALL = "all"
COUNT_COMPLETE = "complete"


def counting_mode(settings: Mapping[str, object]) -> str:
    """`complete` when the edition counts only complete ballots (a vote in every category)."""
    return COUNT_COMPLETE if settings.get("complete_ballots") else COUNT_ALL


# --- votes ----------------------------------------------------------------------------------

_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_receipt() -> str:
    """80 random bits, as four groups of four characters a person can read out."""
    bits = int.from_bytes(secrets.token_bytes(10), "big")  # 16 characters of 5 bits each
    text = "".join(_RECEIPT_ALPHABET[(bits >> (5 * i)) & 31] for i in range(16))
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def agent_hash(user_agent: str | None) -> str:
    return hashlib.sha256((user_agent or "").encode("utf-8", "replace")).hexdigest()[:16] if user_agent else ""


def categories_left(categories: Sequence[tuple[str, str]], voted: Iterable[str]) -> list[tuple[str, str]]:
    done = set(voted)
    return [(code, title) for code, title in categories if code not in done]


# --- finalists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    nomination_id: str
    votes: int
    submitted_at: datetime | None


def shortlist(standings: Sequence[Standing], size: int) -> list[Standing]:
    """The finalists of one category: the `size` most valid-voted projects, and every
    project tied with the last of them (a tie at the boundary is never broken by chance or
    by an arbitrary key: all the tied projects go through to the experts).

    Returned most-voted first; equal votes in order of submission (earliest first), then id,
    which orders the list but never decides who is in it."""
    ranked = sorted(standings, key=lambda s: (-s.votes, s.submitted_at or datetime.max.replace(tzinfo=timezone.utc), s.nomination_id))
    if size <= 0 or not ranked:
        return []
    if len(ranked) <= size:
        return ranked
    boundary = ranked[size - 1].votes
    return [s for s in ranked if s.votes >= boundary]


# --- fraud signals ----------------------------------------------------------------------------
# Signals are for review only: nothing is voided automatically. Thresholds are deliberately
# plain numbers so that staff can reason about them; they are documented in the README.

BURST_BUCKET_SECONDS = 3600  # bursts are looked for hour by hour
BURST_FACTOR = 5.0  # an hour with 5 times the project's own hourly baseline...
BURST_MINIMUM = 20  # ...and at least 20 votes
NETWORK_MINIMUM_ACCOUNTS = 25  # distinct accounts voting from one /24 or /48 block
QUICK_VOTE_SECONDS = 60  # a vote cast less than a minute after the account was made

SIGNAL_KINDS = ("burst", "network", "disposable", "quick", "alias", "domain")
# `domain`: this many distinct voters for one project from one mail domain that is not a
# public provider (one organisation's addresses) is unusual enough to review.
DOMAIN_MINIMUM_ACCOUNTS = 10
# Providers whose addresses anyone can have: many voters there is normal.
PUBLIC_MAIL_PROVIDERS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "yahoo.fr",
    "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "web.de", "mail.ru",
    "yandex.ru", "qq.com", "163.com", "126.com", "orange.fr", "free.fr", "laposte.net", "zoho.com",
})
# Providers that ignore dots in the local part (a.b@gmail.com is ab@gmail.com).
DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_email(address: str) -> str:
    """The mailbox an address reaches: lowercase, `+tag` removed, dots removed where the
    provider ignores them. Voters sharing one are kept as accounts (a household may share a
    provider) but reviewed as the `alias` signal."""
    local, _, domain = (address or "").strip().lower().rpartition("@")
    if not local:
        return (address or "").strip().lower()
    local = local.split("+", 1)[0]
    if domain in DOTLESS_PROVIDERS:
        domain = DOTLESS_PROVIDERS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def is_public_provider(domain: str) -> bool:
    return domain.lower().strip(".") in PUBLIC_MAIL_PROVIDERS


@dataclass(frozen=True)
class Burst:
    nomination_id: str
    bucket: int  # hours since the epoch
    votes: int
    baseline: float


def find_bursts(
    hourly: Mapping[str, Mapping[int, int]],
    factor: float = BURST_FACTOR,
    minimum: int = BURST_MINIMUM,
) -> list[Burst]:
    """Hours in which a project got far more votes than its own baseline.

    `hourly` maps each project to its votes per hour bucket. A project's baseline for an
    hour is its mean votes per hour over the other hours of its span (first to last hour
    with votes, quiet hours counting as zero). An hour is a burst when it has at least
    `minimum` votes and at least `factor` times the baseline (a baseline under one vote an
    hour counts as one)."""
    bursts = []
    for nomination_id, buckets in hourly.items():
        if not buckets:
            continue
        first, last = min(buckets), max(buckets)
        span = last - first + 1
        total = sum(buckets.values())
        for bucket, votes in buckets.items():
            others = span - 1
            baseline = (total - votes) / others if others else 0.0
            if votes >= minimum and votes >= factor * max(baseline, 1.0):
                bursts.append(Burst(nomination_id, bucket, votes, round(baseline, 2)))
    bursts.sort(key=lambda b: (-b.votes, b.nomination_id, b.bucket))
    return bursts


def signal_id(kind: str, year: int, *parts: object) -> str:
    return ":".join([kind, str(year), *(str(p) for p in parts)])


_SOURCE = re.compile(r"[a-z0-9-]{1,32}")


def clean_source(tag: object) -> str | None:
    """A campaign source tag (`?src=`): 1 to 32 of a-z, 0-9 and '-'; anything else is ignored
    (None), never an error — a mangled link still votes."""
    return tag if isinstance(tag, str) and _SOURCE.fullmatch(tag) else None


# The public reason categories of a void (the integrity report and receipts publish these,
# never the evidence). A CHECK on `vote.void_code` holds the same list (voting migration).
VOID_CODES = ("burst", "network", "disposable", "quick", "alias", "domain", "manual")


def void_code(signal_kind: str | None) -> str:
    """A void through a signal takes the signal's kind; votes listed by hand are `manual`."""
    return signal_kind if signal_kind in VOID_CODES else "manual"


@dataclass(frozen=True)
class SignalRef:
    kind: str
    year: int
    parts: tuple[str, ...]


_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def parse_signal_id(text: str) -> SignalRef | None:
    """`burst:2026:<nomination>:<hour>`, `network:2026:<block>`, `disposable:2026:<domain>`,
    `quick:2026:<nomination>`, `alias:2026:<canonical address>`,
    `domain:2026:<nomination>:<domain>`; None when `text` is none of them."""
    kind, _, rest = (text or "").partition(":")
    year_text, _, tail = rest.partition(":")
    if kind not in SIGNAL_KINDS or not year_text.isdigit() or not tail or len(text) > 400:
        return None
    year = int(year_text)
    if kind == "burst":
        nomination, _, bucket = tail.partition(":")
        if not _UUID.fullmatch(nomination) or not bucket.isdigit():
            return None
        return SignalRef(kind, year, (nomination, bucket))
    if kind == "quick":
        return SignalRef(kind, year, (tail,)) if _UUID.fullmatch(tail) else None
    if kind == "domain":
        nomination, _, domain = tail.partition(":")
        if not _UUID.fullmatch(nomination) or not domain:
            return None
        return SignalRef(kind, year, (nomination, domain))
    return SignalRef(kind, year, (tail,))


def is_disposable(domain: str, listed: frozenset[str]) -> bool:
    """The domain or any parent domain of it is on the list (`x.mailinator.com` too)."""
    labels = domain.lower().strip(".").split(".")
    return any(".".join(labels[i:]) in listed for i in range(len(labels) - 1))
