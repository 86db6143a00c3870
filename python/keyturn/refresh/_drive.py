"""Moved to ``keyturn._drive`` (revocations use the drivers too, and must not import the refresh
package); kept for ``refresh/service.py``'s import until it names ``keyturn._drive``."""

from keyturn._drive import Flow, adrive, drive

__all__ = ["Flow", "adrive", "drive"]
