"""AppTest: the "Your model" page through app.py with each example model, in English and Korean, with hostile URL
values; uploads are tested on the pure functions the page calls (tests/test_model_view.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.model import data as model_view

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def run_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    at.run()
    at.switch_page("pages/model.py").run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("source", sorted(model_view.EXAMPLES))
def test_the_page_runs_with_each_example_model(source):
    at = run_page({"model_source": source, "model_T": "60"})
    assert_clean(at)
    figs = figures(at)
    # two heatmaps, ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ curves (LSTM), the forget gate
    assert len(figs) == 5
    assert [f["data"][0]["type"] for f in figs[:2]] == ["heatmap", "heatmap"]
    text = "\n".join(m.value for m in at.markdown)
    assert "LSTM `lstm`: 1 layer" in text and "T = 60" in text
    assert "forget gate f averages" in text and "fresh init" in text
    assert at.dataframe  # the spectral facts (H = 32: computed)


def test_the_page_in_korean_with_the_loss_on_one_unit_and_every_step():
    at = run_page({"lang": "ko", "model_loss": "every", "model_unit": "5", "model_T": "30", "model_N": "2"})
    assert_clean(at)
    text = "\n".join(m.value for m in at.markdown)
    assert "망각 게이트 f 평균" in text and "N = 2" in text


def test_a_unit_past_the_output_gives_a_notice_not_an_error():
    at = run_page({"model_unit": "4000", "model_T": "20"})
    assert not at.exception
    assert any("does not exist" in w.value for w in at.warning)


def test_hostile_url_values_are_clamped_with_a_notice():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"model_T": "-5", "model_scale": "abc", "model_source": "<script>"})
    at.run()
    notices = "\n".join(w.value for w in at.warning)
    assert "model_T" in notices and "model_scale" in notices and "model_source" in notices
    at.switch_page("pages/model.py").run()
    assert_clean(at)
    assert at.slider(key="model_T").value == 1 and at.slider(key="model_scale").value == 1.0
    assert at.selectbox(key="model_source").value == "T150_open"


def test_upload_mode_without_a_file_asks_for_one():
    at = run_page({"model_source": "upload"})
    assert not at.exception
    assert any("Choose a weights file" in i.value for i in at.info)


def test_adding_problem_inputs_for_the_examples():
    at = run_page({"model_input": "adding", "model_T": "150", "model_N": "4"})
    assert_clean(at)
    text = "\n".join(m.value for m in at.markdown)
    assert "T = 150, N = 4" in text and "forget gate f averages" in text


def test_file_input_without_a_file_asks_for_one():
    at = run_page({"model_input": "file"})
    assert not at.exception
    assert any("Upload an input file" in i.value for i in at.info)


def test_the_books_orientation_applies_to_the_model_pages_charts():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"axis": "back"})
    at.run()
    at.switch_page("pages/model.py").run()
    assert not at.exception
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        if "time step" in layout["xaxis"]["title"]["text"] or "steps back" in layout["xaxis"]["title"]["text"]:
            assert "steps back from the loss" in layout["xaxis"]["title"]["text"]


# ---------------------------------------------------------------------------------------- issue 16 on this page
@pytest.mark.parametrize("source, T", [("T150_open", 150), ("T250_open", 250)])
def test_each_example_opens_on_what_it_was_trained_on(source, T):
    at = run_page({"model_source": source} if source != "T150_open" else None)
    assert_clean(at)
    assert at.selectbox(key="model_input").value == "adding" and at.slider(key="model_T").value == T
    text = "\n".join(m.value for m in at.markdown)
    assert f"T = {T}, N = 1" in text
    # choosing another example in the session opens it on its own task too
    other = "T250_open" if source == "T150_open" else "T150_default"
    at.selectbox(key="model_source").select(other).run()
    assert at.slider(key="model_T").value == (250 if other == "T250_open" else 150)
    assert at.selectbox(key="model_input").value == "adding"


def test_a_links_own_input_settings_win_over_the_examples_task():
    at = run_page({"model_source": "T250_open", "model_T": "40"})
    assert_clean(at)
    assert at.selectbox(key="model_input").value == "random" and at.slider(key="model_T").value == 40


@pytest.mark.parametrize("lang, row", [("en", "layer 1 forward"), ("ko", "1층 순방향")])
def test_heatmap_rows_are_numbered_from_1_like_the_readings(lang, row):
    at = run_page({"lang": lang, "model_T": "10"})
    assert_clean(at)
    figs = figures(at)
    assert figs[0]["data"][0]["y"] == [row] and figs[1]["data"][0]["y"] == [row]
    text = "\n".join(m.value for m in at.markdown)
    assert row in text and "L0" not in text


def test_exports_are_named_from_the_pages_settings_not_the_sidebars():
    at = run_page({"model_source": "T250_open", "model_seed": "7", "T": "33"})
    assert_clean(at)
    names = [json.loads(c.proto.config)["toImageButtonOptions"]["filename"] for c in at.get("plotly_chart")]
    assert names and all("T250" in n and "seed7" in n and "T33" not in n for n in names), names
