"""PyJWT's warning classes (``jwt.warnings``)."""

from __future__ import annotations

__all__ = ["InsecureKeyLengthWarning", "RemovedInPyjwt3Warning"]


class RemovedInPyjwt3Warning(DeprecationWarning):
    """A PyJWT 2 argument that PyJWT 3 removes (unknown keyword arguments to ``decode``)."""


class InsecureKeyLengthWarning(UserWarning):
    """A key shorter than the minimum keyturn signs with: verification only, rotate it."""
