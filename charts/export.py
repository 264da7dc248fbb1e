"""Exports of a chart: self-contained HTML, its data as CSV, and PNG/SVG through kaleido when a browser exists."""

from __future__ import annotations

import importlib.util
import io
import shutil
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .style import EXPORT_WIDTH, HEIGHT

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
IMAGE_FORMATS = ("png", "svg")
BOM = "\ufeff"  # Excel reads UTF-8 (Korean labels, σ, ‖) only with it
# float64 holds up to ~1.8e308: past that a log10 value has no plain number
_MAX_LOG10 = float(np.log10(np.finfo(np.float64).max))


def figure_html(fig: go.Figure) -> bytes:
    """The figure as one self-contained HTML file (plotly.js inlined, so it opens offline)."""
    html: str = fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})
    return html.encode("utf-8")


def with_plain_norm(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with a ``norm`` column beside each ``log10_norm``: 10 ** log10_norm, empty where float64 cannot
    hold the value (past 1.8e308, or below its smallest subnormal)."""
    if "log10_norm" not in data.columns:
        return data
    out = data.copy()
    logs = out["log10_norm"].to_numpy(dtype=float)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        plain = np.where(np.isfinite(logs) & (logs <= _MAX_LOG10), 10.0**logs, np.nan)
    plain[~np.isfinite(plain) | ((plain == 0) & np.isfinite(logs))] = np.nan  # over- or underflowed: no value
    plain[logs == -np.inf] = 0.0  # an exact zero stays zero
    out.insert(out.columns.get_loc("log10_norm") + 1, "norm", plain)
    return out


def table_csv(data: pd.DataFrame, settings: Mapping[str, Any] | None = None, title: str = "") -> bytes:
    """The chart's tidy data as CSV (UTF-8 with BOM, for Excel): a header block of ``# key: value`` lines with the
    title and the settings, once, then one row per point with a plain ``norm`` next to each ``log10_norm``.
    Read it back with ``pd.read_csv(f, comment="#")``."""
    buf = io.StringIO()
    buf.write(BOM)
    if title:
        buf.write(f"# title: {title}\n")
    for key, value in (settings or {}).items():
        buf.write(f"# {key}: {value}\n")
    # text quoted, so a '#' inside a label cannot start a comment for the reader
    with_plain_norm(data).to_csv(buf, index=False, float_format="%.17g", lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def browser_path() -> str | None:
    """A Chrome/Chromium executable that kaleido can drive, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def image_export_available() -> bool:
    # find_spec, not import: importing kaleido costs ~0.3 s, paid only when an image is really made
    return importlib.util.find_spec("kaleido") is not None and browser_path() is not None


def image_bytes(
    fig: go.Figure, fmt: str = "png", width: int = EXPORT_WIDTH, height: int = HEIGHT, scale: float = 2
) -> bytes:
    """PNG or SVG bytes of the figure at the size the screen and the toolbar PNG use, rendered by kaleido (needs
    Chromium; raises RuntimeError without it). Each call starts and closes its own browser: slower (~2–3 s) than
    a kept-alive one, but its ~150 MB are not held by a shared server between exports."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"fmt: expected one of {IMAGE_FORMATS}, got {fmt!r}")
    if not image_export_available():
        raise RuntimeError("image export needs kaleido and a Chromium/Chrome browser on the server")
    with warnings.catch_warnings():  # plotly's notices about kaleido's options
        warnings.simplefilter("ignore", UserWarning)
        data: bytes = fig.to_image(format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)
        return data
