"""Errors every layer may raise; the command line prints them without a traceback."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the user's input or arguments: printed without a traceback."""
