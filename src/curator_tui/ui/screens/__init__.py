"""The app's screens."""

from __future__ import annotations
