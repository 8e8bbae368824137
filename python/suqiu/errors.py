"""Exceptions raised by suqiu. Each also subclasses the builtin a Python user would catch."""

from __future__ import annotations

__all__ = [
    "Error",
    "InvalidInputError",
    "UnknownDivisionError",
    "LimitExceededError",
    "ProfileError",
    "DivisionsError",
    "ModelLoadError",
    "SuqiuIOError",
]


class Error(Exception):
    """Base class of every suqiu error (also raised for a caught internal panic)."""


class InvalidInputError(Error, ValueError):
    """A message or argument is not acceptable (empty text, bad type, bad option)."""


class UnknownDivisionError(InvalidInputError):
    """A division code the gazetteer does not know."""


class LimitExceededError(InvalidInputError):
    """A documented limit was exceeded (e.g. a message over 256 KiB)."""


class ProfileError(Error, ValueError):
    """A profile directory or file is missing or malformed."""


class DivisionsError(Error, ValueError):
    """A divisions CSV is missing or malformed."""


class ModelLoadError(Error, OSError):
    """A model file is missing, truncated, corrupted or of a newer version."""


class SuqiuIOError(Error, OSError):
    """Reading or writing a file failed."""
