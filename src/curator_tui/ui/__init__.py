"""Everything Textual: the app, its screens and widgets. Nothing outside ui/ imports Textual."""

from __future__ import annotations
