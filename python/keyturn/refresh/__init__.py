"""Refresh-token rotation with reuse detection, device sessions and the stores behind them."""

from __future__ import annotations

from keyturn.refresh.service import AsyncTokenService, DeviceSession, TokenPair, TokenService

__all__ = ["AsyncTokenService", "DeviceSession", "TokenPair", "TokenService"]
