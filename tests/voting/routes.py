"""Voting's guarded routes, tried by every role in tests/test_access.py:
(method, path template, rule, body, kind)."""

GUARDED = [
    ("POST", "/api/votes", "verified", {"nomination_id": "00000000-0000-0000-0000-000000000001"}, "api"),
    ("GET", "/api/votes/mine", "user", None, "api"),
    ("POST", "/api/votes/void", "staff", {"vote_ids": ["00000000-0000-0000-0000-000000000001"], "reason": "test"}, "api"),
    ("GET", "/api/editions/{year}/tallies", "staff", None, "api"),
    ("GET", "/api/editions/{year}/tallies.csv", "staff", None, "api"),
    ("GET", "/api/editions/{year}/fraud", "staff", None, "api"),
    ("POST", "/api/editions/{year}/finalists", "staff", None, "api"),
    ("GET", "/api/nominations/{nid}/badge", "user", None, "api"),
    ("GET", "/api/editions/{year}/sources", "staff", None, "api"),
    ("GET", "/api/nominations/{nid}/sources", "user", None, "api"),
    ("POST", "/vote/{nid}", "user", {}, "page"),
    ("GET", "/votes/mine", "user", None, "page"),
    ("GET", "/staff/voting/{year}", "staff", None, "page"),
    ("POST", "/staff/voting/{year}/finalists", "staff", {}, "page"),
    ("GET", "/staff/fraud/{year}", "staff", None, "page"),
    ("POST", "/staff/fraud/{year}/void", "staff", {"reason": "test"}, "page"),
]
