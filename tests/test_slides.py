"""The slide view (``?slide=true``): every chart as a 16:9 slide with large type, a one-line title and the settings
in a small footer (charts/slides.py), its 16:9 images, and every page run through the app in slide view.

Expectations are written out: 16:9, the sizes in pixels, the settings as they appear in the footer.
"""

from __future__ import annotations

import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

import charts
from charts import slides
from charts.horizon import HorizonMap, horizon_figure

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SETTINGS = {"T": 50, "H": 32, "seed": 0, "N": 1, "D": 8, "input_scale": 1.0, "scheme": "pytorch",
            "nonlinearity": "tanh", "forget_bias": 0.0, "update_bias": 0.0, "formulation": "pytorch",
            "loss": "last", "norm": "l2"}  # fmt: skip
LONG_TITLE = "‖∂L/∂h_t‖ back through time: RNN vs LSTM vs GRU, with their gates opened by +3 as dotted lines"
KOREAN_TITLE = "시간을 거슬러 가는 ‖∂L/∂h_t‖: RNN, LSTM, GRU 비교 — 게이트를 연 LSTM·GRU와 함께 보는 기울기 소실"


def norm_figure(title: str = "‖∂L/∂h_t‖ back through time: RNN vs LSTM", settings=SETTINGS) -> go.Figure:
    t = np.arange(21)
    frame = pd.concat(
        pd.DataFrame({"t": t, "back": 20 - t, "curve": kind, "log10_norm": rate * (20 - t)})
        for kind, rate in (("rnn", -0.3), ("lstm", -0.1))
    )
    info = [{"id": "rnn", "name": "RNN", "colour_key": "rnn", "role": "full"},
            {"id": "lstm", "name": "LSTM 망각 게이트", "colour_key": "lstm", "role": "full"}]  # fmt: skip
    return charts.norm_chart(frame, info, title, settings, x_title="time step t (the loss at t = T)")


def footer(fig: go.Figure) -> str:
    """The footer's text: what the x-axis title carries in its small span, line breaks as spaces."""
    m = re.search(r"<span style='font-size:(\d+)px;color:#667'>(.*)</span>$", fig.layout.xaxis.title.text)
    assert m, fig.layout.xaxis.title.text
    assert int(m.group(1)) == 16  # small: below the 22 px of every other label
    return m.group(2).replace("<br>", " ")


# ------------------------------------------------------------------------------------------------ the layout
def test_a_slide_is_16_by_9_with_large_type():
    fig = charts.slide_layout(norm_figure())
    assert (fig.layout.width, fig.layout.height) == (1280, 720)
    assert fig.layout.width * 9 == fig.layout.height * 16
    assert fig.layout.font.size == 22  # ticks, axis titles: 14 px on a normal chart
    assert fig.layout.title.font.size == 32
    assert fig.layout.legend.font.size >= 20
    assert fig.layout.meta["slide"] is True


@pytest.mark.parametrize("title", ["Short", LONG_TITLE, KOREAN_TITLE])
def test_the_title_is_one_line_that_fits_the_slide(title):
    fig = charts.slide_layout(norm_figure(title))
    text = fig.layout.title.text
    assert text == title and "<br>" not in text  # the normal chart wraps it at 42 columns
    size = fig.layout.title.font.size
    assert 20 <= size <= 32
    # every display column (a Hangul syllable is two) at most 0.58 em wide: the line fits 1280 − 2 × 40 px
    columns = sum(2 if "\uac00" <= ch <= "\ud7a3" else 1 for ch in title)
    assert columns * 0.58 * size <= 1200
    if title == "Short":
        assert size == 32


def test_the_settings_are_in_a_small_footer_every_one_of_them():
    fig = charts.slide_layout(norm_figure())
    text = footer(fig)
    for key, value in SETTINGS.items():
        assert f"{key}={value}" in text
    assert fig.layout.xaxis.title.text.startswith("time step t (the loss at t = T)<br>")


def test_a_chart_without_settings_has_no_footer():
    fig = charts.slide_layout(norm_figure(settings=None))
    assert fig.layout.xaxis.title.text == "time step t (the loss at t = T)"


def test_the_legend_sits_right_of_the_plot_and_the_figure_is_not_changed():
    fig = norm_figure()
    before = fig.to_plotly_json()
    slide = charts.slide_layout(fig)
    assert slide.layout.legend.orientation == "v" and slide.layout.legend.x > 1
    assert fig.to_plotly_json() == before  # a copy: the page's figure stays as it was
    assert [t.name for t in slide.data] == ["RNN", "LSTM 망각 게이트"]
    assert list(slide.layout.xaxis.tickvals)[-1] == 20  # the axis still names its end


def test_a_note_under_the_title_moves_to_the_footer():
    """A horizon map cut to its budget says so under its title; on a slide the title stays one line and the note
    goes to the footer."""
    s, t = np.arange(4, 8), np.arange(0, 8)
    logs = np.where(s[:, None] >= t[None, :], -0.5 * (s[:, None] - t[None, :]), -np.inf)
    m = HorizonMap(what="horizon", kind="rnn", log10=logs, s=s, t=t, norm="l2", T=9, N=1, T_kept=7, N_kept=1,
                   ops=1e9, budget=1e8)  # fmt: skip
    fig = horizon_figure(m, "en", "RNN · ‖∂L_s/∂h_t‖", SETTINGS)
    assert "<sup>" in fig.layout.title.text
    slide = charts.slide_layout(fig)
    assert slide.layout.title.text == "RNN · ‖∂L_s/∂h_t‖"
    assert "T=50" in footer(slide) and "T cut from 9 to 7" in footer(slide)
    assert slide.data[0].colorbar.title.font.size >= 20


# ------------------------------------------------------------------------------------------------ the images
def test_a_slides_png_is_1920_by_1080():
    fig = charts.slide_layout(norm_figure())
    png = charts.image_bytes(fig, "png", charts.SLIDE_WIDTH, charts.SLIDE_HEIGHT, charts.SLIDE_SCALE)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (1920, 1080)


def test_a_slides_svg_is_16_by_9():
    fig = charts.slide_layout(norm_figure(KOREAN_TITLE))
    svg = charts.image_bytes(fig, "svg", charts.SLIDE_WIDTH, charts.SLIDE_HEIGHT, charts.SLIDE_SCALE)
    root = ET.fromstring(svg)
    assert (float(root.get("width")), float(root.get("height"))) == (1280, 720)
    assert "게이트" in svg.decode("utf-8")


# ---------------------------------------------------------------------------------------- through the app
PAGE_FILES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))


def slide_app(page: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"slide": "1", "lang": lang})
    at.run()
    if page != "compare":
        at.switch_page(f"pages/{page}.py").run()
    return at


def share_link(at: AppTest) -> str:
    (link,) = [c.value for c in at.sidebar.caption if "Link to this view" in c.value or "이 화면의 링크" in c.value]
    return link


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_runs_in_slide_view_and_its_link_keeps_it(page):
    at = slide_app(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]  # slide=1 is a valid value: no notice
    assert "slide=true" in share_link(at)
    layouts = [json.loads(chart.proto.spec)["layout"] for chart in at.get("plotly_chart")]
    for layout in layouts:  # every chart with its exports (the lab draws none before a run)
        assert layout["meta"].get("slide") is True
        assert (layout["width"], layout["height"]) == (1280, 720)
        assert "<br>" not in layout["title"]["text"]
    leave = [b for b in at.button if b.label == "Leave slide view"]
    assert len(leave) == len(layouts)  # the way out, next to the exports of each chart


def test_slide_view_in_korean_and_back_out_of_it():
    at = slide_app("compare", "ko")
    assert not at.exception
    (chart,) = at.get("plotly_chart")
    layout = json.loads(chart.proto.spec)["layout"]
    assert layout["width"] == 1280 and any("\uac00" <= ch <= "\ud7a3" for ch in layout["title"]["text"])
    assert "slide=true" in share_link(at) and "lang=ko" in share_link(at)
    # the toolbar's camera saves the slide too: 1280 × 720 at 1.5×, 1920 × 1080
    toolbar = json.loads(chart.proto.config)["toImageButtonOptions"]
    assert (toolbar["width"], toolbar["height"], toolbar["scale"]) == (1280, 720, 1.5)
    assert toolbar["filename"].endswith("_slide")
    next(b for b in at.button if b.label == "슬라이드 보기 끝내기").click().run()
    assert not at.exception
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert "slide" not in layout["meta"] and layout["height"] == charts.HEIGHT
    assert "slide" not in share_link(at)
    next(b for b in at.button if b.label == "슬라이드 보기").click().run()
    assert "slide=true" in share_link(at)


def test_a_bad_slide_value_gets_a_notice_and_the_normal_view():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"slide": "maybe"})
    at.run()
    assert not at.exception
    assert any("slide=maybe" in w.value for w in at.warning)
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout["height"] == charts.HEIGHT and "slide" not in layout["meta"]


def test_slide_layout_constants_are_the_documented_sizes():
    assert (slides.SLIDE_WIDTH, slides.SLIDE_HEIGHT, slides.SLIDE_SCALE) == (1280, 720, 1.5)
