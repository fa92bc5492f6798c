"""Words for the editions' codes, in the reader's language (through gettext at use)."""

from core.i18n import N_

PHASE_LABELS = {
    "submission": N_("Submission"),
    "nomination": N_("Nomination"),
    "voting": N_("Online voting"),
    "selection": N_("Selection"),
    "announcement": N_("Announcement"),
}
