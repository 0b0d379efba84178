"""Alembic migrations of the library schema (run by curator_tui.db, never by hand)."""
