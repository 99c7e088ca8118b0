"""Verification: claims (forms, CSV, report text), reported vs measured checks, their exports."""
