"""Exports of a chart: self-contained HTML, its data as CSV, and PNG/SVG through kaleido when a browser exists."""

from __future__ import annotations

import importlib.util
import io
import shutil
import warnings
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
IMAGE_FORMATS = ("png", "svg")


def figure_html(fig: go.Figure) -> bytes:
    """The figure as one self-contained HTML file (plotly.js inlined, so it opens offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}).encode("utf-8")


def table_csv(data: pd.DataFrame, settings: Mapping | None = None) -> bytes:
    """The chart's tidy data as CSV, with one column per setting so each row says how it was made."""
    out = data.copy()
    for key, value in (settings or {}).items():
        out[f"setting_{key}"] = value
    buf = io.StringIO()
    out.to_csv(buf, index=False, float_format="%.17g")
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


def image_bytes(fig: go.Figure, fmt: str = "png", width: int = 1000, height: int = 560, scale: int = 2) -> bytes:
    """PNG or SVG bytes of the figure, rendered by kaleido (needs Chromium; raises RuntimeError without it)."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"fmt: expected one of {IMAGE_FORMATS}, got {fmt!r}")
    if not image_export_available():
        raise RuntimeError("image export needs kaleido and a Chromium/Chrome browser on the server")
    with warnings.catch_warnings():  # plotly warns that per-call options are ignored by a kept-alive server
        warnings.simplefilter("ignore", UserWarning)
        return fig.to_image(format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)


def start_image_server() -> bool:
    """Keep one kaleido browser alive for this process (~0.25 s per export instead of ~2.7 s). True if started."""
    if not image_export_available():
        return False
    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
        return True
    except Exception:  # an old kaleido without the sync server, or a browser that will not start
        return False
