"""The guarded routes of the results (prizes/results_controllers.py) and of the reports
domain, tried by every role in tests/test_access.py. (method, path, who may, body, kind)"""

GUARDED = [
    ("PUT", "/api/editions/{year}/winners", "staff", {}, "api"),
    ("POST", "/api/editions/{year}/publish", "staff", None, "api"),
    ("GET", "/api/editions/{year}/results", "staff", None, "api"),
    ("POST", "/api/editions/{year}/extended-requests", "staff", {}, "api"),
    ("GET", "/api/editions/{year}/extended-requests", "staff", None, "api"),
    ("PUT", "/api/editions/{year}/foreword", "staff", {"text": "A foreword."}, "api"),
    ("GET", "/api/nominations/{nid}/extended", "user", None, "api"),
    ("PUT", "/api/nominations/{nid}/extended", "verified", {"text": "An extended description."}, "api"),
    ("GET", "/api/nominations/{nid}/certificate.pdf", "user", None, "api"),
    ("GET", "/nominations/{nid}/extended", "user", None, "page"),
    ("POST", "/nominations/{nid}/extended", "verified", {"text": "An extended description."}, "page"),
    ("POST", "/nominations/{nid}/extended/photos", "verified", None, "page"),
    ("POST", "/nominations/{nid}/extended/photos/{image_id}/remove", "verified", None, "page"),
    ("GET", "/staff/results", "staff", None, "page"),
    ("GET", "/staff/results/{year}", "staff", None, "page"),
    ("POST", "/staff/results/{year}/winners", "staff", {"category": "C1"}, "page"),
    ("POST", "/staff/results/{year}/extended-requests", "staff", {}, "page"),
    ("POST", "/staff/results/{year}/foreword", "staff", {"text": "A foreword."}, "page"),
    ("POST", "/staff/results/{year}/publish", "staff", None, "page"),
    ("GET", "/staff/reports/{year}", "staff", None, "page"),
    ("POST", "/staff/reports/{year}/build", "staff", None, "page"),
]
