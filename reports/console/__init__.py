"""The staff console: the dashboard of an edition, the People pages, the audit log in words.
It reads every domain (like the rest of `reports`) and is read by none; the actions it offers
are each domain's own services."""
