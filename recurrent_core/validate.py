"""Input validation for the whole core, in one place: every check raises a ValueError that says what was expected.

NumPy and the standard library only. Arrays: :func:`as_float64`; numbers: :func:`whole` (an int in a range),
:func:`finite` (a float in a range), :func:`check_seed`; choices: :func:`one_of`; options: :func:`truncation`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Array = np.ndarray


def as_float64(name: str, value: Any, shape: tuple[int, ...] | None = None, *, copy: bool = True) -> Array:
    """``value`` as a fresh float64 array (with ``copy=False``: ``value`` itself when it is a float64 ndarray
    already), or ValueError saying what was expected.

    Integers and floats are accepted; bool, complex, object and string arrays are not. NaN and inf are refused,
    and the shape must match exactly (no broadcasting).
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # e.g. ragged nested lists
        raise ValueError(f"{name}: expected a numeric array, got {type(value).__name__} ({exc})") from None
    if arr.dtype.kind not in "iuf":  # not bool, complex, object, string, datetime or timedelta
        raise ValueError(f"{name}: expected a real floating-point array, got dtype {arr.dtype}")
    if isinstance(value, np.ma.MaskedArray) and np.ma.is_masked(value):
        raise ValueError(f"{name}: masked entries have no value; fill them first")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    arr = np.array(arr, dtype=np.float64, copy=True if copy else None)  # a copy: callers may not mutate ours
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or inf")
    return arr


def whole(name: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` as an int in [low, high] (no upper bound when ``high`` is None); bools and floats are refused."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name}: expected a whole number {bound}, got {value!r}")
    return int(value)


def check_seed(value: object, name: str = "seed") -> int:
    """A random seed: a whole number from 0 to 2**32 - 1 (what ``np.random.RandomState`` accepts)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < 2**32:
        raise ValueError(f"{name}: expected a whole number from 0 to 2**32 - 1, got {value!r}")
    return int(value)


def finite(name: str, value: object, low: float | None = None, *, strict: bool = False) -> float:
    """``value`` as a finite float, at least ``low`` (greater than ``low`` when ``strict``), or ValueError naming
    ``name``: "expected a finite number > 0" and the like."""
    bound = "" if low is None else f" {'>' if strict else '>='} {low:g}"
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name}: expected a finite number{bound}, got {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(v) or (low is not None and (v <= low if strict else v < low)):
        raise ValueError(f"{name}: expected a finite number{bound}, got {value!r}")
    return v


def positive(name: str, value: object) -> float:
    """``value`` as a finite float > 0, or ValueError naming ``name``."""
    return finite(name, value, 0.0, strict=True)


def non_negative(name: str, value: object) -> float:
    """``value`` as a finite float >= 0, or ValueError naming ``name``."""
    return finite(name, value, 0.0)


def one_of(name: str, value: object, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of the strings ``allowed``, else ValueError listing them."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}: expected one of {allowed}, got {value!r}")
    return value


def truncation(truncate: object) -> int | None:
    """A truncated-BPTT block length: None, or a whole number of steps >= 1."""
    if truncate is not None and (
        isinstance(truncate, bool) or not isinstance(truncate, (int, np.integer)) or truncate < 1
    ):
        raise ValueError(f"truncate: expected a whole number of steps >= 1 or None, got {truncate!r}")
    return None if truncate is None else int(truncate)
