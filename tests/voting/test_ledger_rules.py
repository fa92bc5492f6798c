"""Pure rules of the verifiable vote: source tags, void reason codes, receipts' form, the
canonical JSON of the rules and its fingerprint."""

from __future__ import annotations

import hashlib

import pytest

from prizes.editions.rules import canonical_json, counting_rules, fingerprint, frozen_changes
from voting.ledger import MalformedReceipt, check_receipt, csv_line, LedgerRow, receipt_sha256
from voting.rules import VOID_CODES, clean_source, new_receipt, void_code


@pytest.mark.parametrize(("tag", "kept"), [
    ("newsletter", "newsletter"), ("a", "a"), ("x" * 32, "x" * 32), ("2026-radio", "2026-radio"),
    ("", None), ("x" * 33, None), ("Newsletter", None), ("a_b", None), ("a b", None), ("é", None),
    ("<script>", None), (None, None), (42, None), ("a\n", None),
])
def test_a_source_tag_is_kept_only_when_of_the_form(tag, kept):
    assert clean_source(tag) == kept


def test_void_codes_come_from_the_signal_kind_or_are_manual():
    assert [void_code(k) for k in ("burst", "network", "disposable", "quick", "alias", "domain")] == list(VOID_CODES[:6])
    assert void_code(None) == "manual" and void_code("something-else") == "manual"


def test_a_receipt_is_checked_for_its_form_only():
    receipt = new_receipt()
    assert check_receipt(receipt) == receipt and check_receipt(f" {receipt.lower()}\n") == receipt
    for bad in ("", "ABCD-EFGH-JKLM-NPQ", "ABCD-EFGH-JKLM-NPQ0", "ABCDEFGHJKLMNPQR", "ABCD-EFGH-JKLM-NPQR-A"):
        with pytest.raises(MalformedReceipt):
            check_receipt(bad)
    assert receipt_sha256("ABCD-EFGH-JKLM-NPQR") == hashlib.sha256(b"ABCD-EFGH-JKLM-NPQR").hexdigest()


def test_a_csv_line_of_the_ledger():
    row = LedgerRow("ab" * 32, "C7.4", "00000000-0000-0000-0000-000000000001", False, "quick")
    assert csv_line(row) == f"{'ab' * 32},C7.4,00000000-0000-0000-0000-000000000001,false\n"


def test_the_canonical_json_and_fingerprint_of_the_rules():
    rules = counting_rules({"shortlist_size": 3, "public_tallies": True}, [{"title": "Impact é", "weight": 1}])
    text = canonical_json(rules)
    assert text == ('{"complete_ballots":false,"selection_rubric":[{"title":"Impact é","weight":1}],'
                    '"shortlist_size":3,"tie_rule":"shortlist-ties-at-boundary-all-pass/v1","winners_per_category":1}')
    assert fingerprint(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert frozen_changes(None, {"shortlist_size": 9}) == []
    assert frozen_changes(text, {"shortlist_size": 3, "public_tallies": False}) == []
    assert frozen_changes(text, {"shortlist_size": 4, "complete_ballots": True, "min_words": 1}) == [
        "complete_ballots", "shortlist_size"]
