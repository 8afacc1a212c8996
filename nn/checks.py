"""Checks of user-given settings, shared by nn's modules: one rule, one message.

Example:
    >>> check_count(3, "patience", minimum=0)
    >>> check_count(True, "patience", minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: patience must be a whole number >= 0, got True
"""

from __future__ import annotations

import math
from typing import Any


def check_count(n: Any, what: str, minimum: int) -> None:
    """``n`` must be a whole number (not a bool) of at least ``minimum``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {n!r}")


def check_number(x: Any, what: str, minimum: float) -> None:
    """``x`` must be a finite real number (not a bool) of at least ``minimum``."""
    if (
        isinstance(x, bool)
        or not isinstance(x, (int, float))
        or not math.isfinite(x)
        or x < minimum
    ):
        raise ValueError(f"{what} must be a finite number >= {minimum:g}, got {x!r}")
