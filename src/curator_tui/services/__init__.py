"""Services: plain functions that take a Session and do one unit of work. No Textual here."""

from __future__ import annotations
