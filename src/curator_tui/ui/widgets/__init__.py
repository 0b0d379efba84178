"""The app's widgets: each shows plain data and reports what the curator did."""

from __future__ import annotations
