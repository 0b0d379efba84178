"""Errors the services raise; their messages are written for the curator."""

from __future__ import annotations


class ServiceError(ValueError):
    """Something the user asked for cannot be done; the message says why."""


class NotFound(ServiceError):
    """The claim, mechanism, step, study or item does not exist (any more)."""


class Conflict(ServiceError):
    """The record changed since it was read (another window or program saved it)."""
