"""The one exception the command line turns into one line on stderr; its own module so the demo
(``_demo``) and ``cli`` both use it without importing each other."""

from __future__ import annotations

__all__ = ["CommandError"]


class CommandError(Exception):
    """A failure worth one line on stderr (exit 1)."""
