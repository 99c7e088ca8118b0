"""Verification: claims (forms, CSV, report text), reported vs measured checks, and the views
pages and commands share (service)."""
