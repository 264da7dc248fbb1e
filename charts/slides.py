"""A chart as a 16:9 slide, for the teacher at the projector: one line of large title, large axis and legend
labels, the legend on the right (a 16:9 slide has width to spare, not height), the settings in a small footer.

``slide_layout`` takes any figure built on ``base_layout`` (its ``meta`` holds the title, the x-axis title and the
settings without line breaks) and returns a new one; the screen and every export use the same size, so a
downloaded PNG (1920 × 1080) or SVG looks like the slide on screen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from .figures import TITLE_WIDTH
from .style import display_width, wrap

SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720  # 16:9, in CSS pixels: the screen and the SVG
SLIDE_SCALE = 1.5  # PNG pixels per CSS pixel: 1920 × 1080, a full-HD projector's own size
SLIDE_FONT = 22  # px: ticks, axis titles, legend (at least 20 reads from the back of a classroom)
SLIDE_TITLE_FONT = 32  # px: the title's size when it fits one line (smaller when it would not, never under 20)
SLIDE_TITLE_MIN_FONT = 20
SLIDE_FOOTER_FONT = 16  # px: the settings footer
EM_PER_COLUMN = 0.58  # width of one display column (a Hangul syllable is two) in em: Noto Sans at its widest
_SIDE = 40  # px kept free left and right of the title
MARGIN = dict(l=90, r=40, b=40)


def title_font_size(title: str, width: int = SLIDE_WIDTH) -> float:
    """The largest title size up to ``SLIDE_TITLE_FONT`` at which ``title`` fits one line of a ``width`` slide."""
    columns = max(1, display_width(title))
    fits = (width - 2 * _SIDE) / (EM_PER_COLUMN * columns)
    return float(max(SLIDE_TITLE_MIN_FONT, min(SLIDE_TITLE_FONT, int(fits))))


def _plain(text: str) -> str:
    """Rich text as one plain line: line breaks become spaces, tags go."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text.replace("<br>", " "))).strip()


def footer_text(settings: Mapping[str, Any], note: str = "") -> str:
    """'T=50 · H=32 · …' (and a note before it) in lines that fit the slide in the footer's type."""
    columns = int((SLIDE_WIDTH - MARGIN["l"] - MARGIN["r"]) / (EM_PER_COLUMN * SLIDE_FOOTER_FONT))
    parts = [wrap(note, columns)] if note else []
    if settings:
        parts.append(wrap(" · ".join(f"{k}={v}" for k, v in settings.items()), columns, sep=" · "))
    return "<br>".join(parts)


def slide_layout(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` laid out as a 16:9 slide (``SLIDE_WIDTH`` × ``SLIDE_HEIGHT``): its title on one line
    (``title_font_size``), every other label at ``SLIDE_FONT``, the legend on the right, and the settings of
    ``meta.settings`` (with any note the title carried below its first line, such as a cut) in a small footer under
    the x-axis title."""
    out = go.Figure(fig)
    meta = dict(out.layout.meta) if isinstance(out.layout.meta, dict) else {}
    shown = str(out.layout.title.text or "")
    if "title" in meta:  # base_layout's: the title as given, and what the figure added under it (a cut) as a note
        title, head = str(meta["title"]), wrap(str(meta["title"]), TITLE_WIDTH)
        note = _plain(shown[len(head) :]) if shown.startswith(head) else ""
    else:
        title, note = _plain(shown), ""
    x_title = str(meta.get("x_title", _plain(str(out.layout.xaxis.title.text or ""))))
    footer = footer_text(dict(meta.get("settings") or {}), note)
    n_footer = footer.count("<br>") + 1 if footer else 0
    title_size = title_font_size(title)
    top = int(2.2 * title_size)
    colour_bars = any(getattr(t, "colorbar", None) is not None and t.type in ("heatmap", "contour") for t in out.data)
    out.update_layout(
        width=SLIDE_WIDTH,
        height=SLIDE_HEIGHT,
        font=dict(size=SLIDE_FONT),
        title=dict(
            text=title, font=dict(size=title_size), x=0.0, xanchor="left", pad=dict(l=_SIDE // 2),
            yref="container", y=1.0 - (top / 2) / SLIDE_HEIGHT, yanchor="middle",
        ),
        xaxis=dict(title=dict(
            text=x_title + (f"<br><span style='font-size:{SLIDE_FOOTER_FONT}px;color:#667'>{footer}</span>"
                            if footer else ""),
        )),
        legend=dict(orientation="v", yref="paper", y=1.0, yanchor="top", xref="paper", x=1.02, xanchor="left",
                    font=dict(size=SLIDE_FONT - 2)),
        margin=dict(MARGIN, t=top, b=MARGIN["b"] + 6 * n_footer),
        meta=meta | {"slide": True},
    )  # fmt: skip
    if colour_bars:  # a heatmap's colour bar sits where the legend would
        out.update_traces(colorbar=dict(title=dict(font=dict(size=SLIDE_FONT - 2))), selector=dict(type="heatmap"))
    return out


__all__ = [
    "SLIDE_FONT",
    "SLIDE_FOOTER_FONT",
    "SLIDE_HEIGHT",
    "SLIDE_SCALE",
    "SLIDE_TITLE_FONT",
    "SLIDE_WIDTH",
    "footer_text",
    "slide_layout",
    "title_font_size",
]
