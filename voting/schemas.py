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
