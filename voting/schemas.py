"""Shapes in and out of the voting API. Unknown fields and wrong JSON types are refused
(400) by decoding; content rules (422) are the services'."""

from __future__ import annotations

from datetime import datetime

import msgspec

from prizes.editions.schemas import iso


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class VoteIn(Strict):
    nomination_id: str
    source: str | None = None  # a campaign source tag; one not of the form is ignored


class VoteOut(msgspec.Struct):
    nomination_id: str
    category: str
    receipt: str


class MyVoteOut(msgspec.Struct):
    category: str
    nomination_id: str
    title: str
    cast_at: str
    receipt: str

    @classmethod
    def of(cls, item: dict) -> "MyVoteOut":
        return cls(item["category"], item["nomination_id"], item["title"], iso(item["cast_at"]), item["receipt"])


class MyVotesOut(msgspec.Struct):
    items: list[MyVoteOut]


class TallyOut(msgspec.Struct):
    nomination_id: str
    category: str
    votes: int


class TalliesOut(msgspec.Struct):
    items: list[TallyOut]


class VoidIn(Strict):
    vote_ids: list[str] | None = None
    signal: str | None = None
    reason: str | None = None


class VoidOut(msgspec.Struct):
    voided: int
    vote_ids: list[str]


class SignalOut(msgspec.Struct):
    id: str
    kind: str
    summary: str
    votes: int
    valid: int
    accounts: int
    first_at: str | None
    last_at: str | None
    nomination_id: str | None
    title: str | None
    category: str | None
    network: str | None
    domain: str | None
    vote_ids: list[str]

    @classmethod
    def of(cls, item: dict) -> "SignalOut":
        return cls(
            id=item["id"], kind=item["kind"], summary=item["summary"], votes=item["votes"], valid=item["valid"],
            accounts=item["accounts"], first_at=_iso(item["first_at"]), last_at=_iso(item["last_at"]),
            nomination_id=item["nomination_id"], title=item["title"], category=item["category"],
            network=item["network"], domain=item["domain"], vote_ids=item["vote_ids"],
        )


class SignalsOut(msgspec.Struct):
    items: list[SignalOut]


class CampaignOut(msgspec.Struct):
    link: str
    image: str
    html: str


def _iso(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


# --- the public ledger (voting/ledger.py) ----------------------------------------------------------


class ReceiptRowOut(msgspec.Struct):
    receipt_sha256: str
    category: str
    nomination_id: str
    counted: bool


class ReceiptsOut(msgspec.Struct):
    items: list[ReceiptRowOut]
    total: int
    offset: int
    limit: int


class ReceiptStatusOut(msgspec.Struct, omit_defaults=True):
    """`status` only when unknown; `void_reason` (a public category) only when voided;
    `reason` ("incomplete_ballot") only when not counted yet."""

    status: str
    year: int | None = None
    category: str | None = None
    nomination_id: str | None = None
    void_reason: str | None = None
    reason: str | None = None


class IntegrityTotalsOut(msgspec.Struct):
    raw: int
    valid: int
    voided: int
    voters: int


class IntegrityCategoryOut(msgspec.Struct):
    category: str
    raw: int
    valid: int
    voided: int
    void_reasons: dict[str, int]


class IntegrityOut(msgspec.Struct):
    year: int
    rules: dict[str, object]
    rules_fingerprint: str | None
    voting_closed_at: str | None
    totals: IntegrityTotalsOut
    categories: list[IntegrityCategoryOut]
    receipts_sha256: str
    audit_head: str | None

    @classmethod
    def of(cls, report: dict) -> "IntegrityOut":
        return cls(
            year=report["year"], rules=report["rules"], rules_fingerprint=report["rules_fingerprint"],
            voting_closed_at=_iso(report["voting_closed_at"]), totals=IntegrityTotalsOut(**report["totals"]),
            categories=[IntegrityCategoryOut(**c) for c in report["categories"]],
            receipts_sha256=report["receipts_sha256"], audit_head=report["audit_head"],
        )


class SourceOut(msgspec.Struct):
    nomination_id: str
    source: str | None
    votes: int


class SourcesOut(msgspec.Struct):
    items: list[SourceOut]
