"""Pure rules of the staff console: which actions come next in a phase, given its figures."""

from __future__ import annotations

from datetime import datetime, timedelta


def next_actions(phase: str, f: dict) -> list[tuple[str, int | None]]:
    """(action code, count or None) for the current phase, most pressing first. `f` holds
    the dashboard figures (see `reports.console.queries.dashboard`)."""
    out: list[tuple[str, int | None]] = []
    if phase == "submission":
        out.append(("review_submissions", f["submitted"]))
        if f["judges_assigned"] == 0:
            out.append(("assign_judges", None))
    elif phase == "nomination":
        if f["screening_left"]:
            out.append(("screen", f["screening_left"]))
        if f["nominated"] == 0 and f["screening_done"]:
            out.append(("confirm_nominated", None))
        out.append(("judging_progress", None))
    elif phase == "voting":
        if f["fraud_signals"]:
            out.append(("review_fraud", f["fraud_signals"]))
        out.append(("move_phase", None))
    elif phase == "selection":
        if f["fraud_signals"]:
            out.append(("review_fraud", f["fraud_signals"]))
        if f["finalists"] == 0:
            out.append(("compute_finalists", None))
        else:
            if f["extended_asked"] < f["finalists"]:
                out.append(("request_extended", f["finalists"] - f["extended_asked"]))
            out.append(("judging_progress", None))
    elif phase == "announcement":
        if f["finalists"] == 0:
            out.append(("compute_finalists", None))
        elif not f["published"]:
            if f["undecided"]:
                out.append(("set_winners", f["undecided"]))
            if f["extended_asked"] < f["finalists"]:
                out.append(("request_extended", f["finalists"] - f["extended_asked"]))
            if f.get("publication") == "awaiting_approval":
                out.append(("approve_publication", None))
            elif not f["undecided"] and f.get("publication", "none") == "none":
                out.append(("publish", None))
        if f["published"] and not f["book_current"]:
            out.append(("build_book", None))
    return out


def time_left(closes_at: datetime | None, now: datetime) -> timedelta | None:
    if closes_at is None:
        return None
    return max(closes_at - now, timedelta(0))
