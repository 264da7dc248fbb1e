"""The "Your model" page in a real browser with models from three frameworks (issue 18 §4): a Keras 3 bidirectional
GRU (.keras), an ONNX LSTM (torch.onnx.export) and a PyTorch LSTMCell (safetensors), each made here by its
framework, uploaded through the page's file uploader and analysed; a .pt upload shows the two conversion lines.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import CHARTS_READY, EXCEPTION, chart_traces, open_app, wait_idle

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is first imported (in the fixture below)

UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'


@pytest.fixture(scope="module")
def model_files(tmp_path_factory) -> dict[str, Path]:
    import keras
    import torch
    from safetensors.torch import save_file

    here = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    files = {}

    gru = keras.layers.GRU(4, return_sequences=True)
    bigru = keras.Sequential([keras.Input((6, 3)), keras.layers.Bidirectional(gru, name="bigru")])
    files["keras"] = here / "bigru.keras"
    bigru.save(files["keras"])

    lstm = torch.nn.LSTM(3, 5).float()
    files["onnx"] = here / "lstm.onnx"
    # float32 whatever another test left as torch's default dtype (the exporter needs input and weights alike)
    torch.onnx.export(lstm, (torch.randn(4, 1, 3, dtype=torch.float32),), str(files["onnx"]), dynamo=False)

    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(11, 3)
            self.cell = torch.nn.LSTMCell(3, 6)

    tagger = Tagger().float()
    files["cell"] = here / "tagger.safetensors"
    save_file({k: v.contiguous() for k, v in tagger.state_dict().items()}, str(files["cell"]))

    rnn = torch.nn.RNN(3, 4, nonlinearity="relu").float()
    files["rnn"] = here / "rnn_relu.safetensors"
    save_file({f"rnn.{k}": v.contiguous() for k, v in rnn.state_dict().items()}, str(files["rnn"]))

    gru = torch.nn.GRU(3, 4).float()  # saved under the user's own names
    own = dict(zip(("enc_w_ih", "enc_w_hh", "enc_b_ih", "enc_b_hh"), gru.state_dict().values(), strict=True))
    files["names"] = here / "own_names.npz"
    np.savez(files["names"], **{k: v.detach().numpy() for k, v in own.items()})

    files["pt"] = here / "tagger.pt"
    torch.save(tagger.state_dict(), files["pt"])
    return files


FIRST_IS_HEATMAP = """() => { const d = document.querySelector('.js-plotly-plot');
    return Boolean(d && d._fullData && d._fullData.length && d._fullData[0].type === 'heatmap'); }"""


def upload(page, app_url: str, path: Path) -> None:
    open_app(page, app_url, "model?model_source=upload", charts=False)
    page.locator(UPLOAD).set_input_files(str(path))
    wait_idle(page)


def body(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.parametrize(
    "which, described, kind",
    [
        ("keras", "GRU bigru: 1 layer, bidirectional, D = 3, H = 4", "gru"),
        ("onnx", "LSTM", "lstm"),
        ("cell", "LSTM cell: 1 layer, D = 3, H = 6", "lstm"),
    ],
)
def test_the_page_analyses_a_model_from_each_framework(page, app_url, model_files, which, described, kind):
    upload(page, app_url, model_files[which])
    page.wait_for_function(CHARTS_READY, timeout=60_000)
    wait_idle(page)
    text = body(page)
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, text
    assert described in text, text
    fmt = {"keras": "Keras 3 (.keras)", "onnx": "ONNX", "cell": "safetensors"}[which]
    assert fmt in text
    # the heatmap's rows: one per direction, numbered from 1
    rows = {"keras": ["layer 1 forward", "layer 1 reverse"]}.get(which, ["layer 1 forward"])
    # the page's first chart is the heatmap: wait for it to be drawn (the charts below it may be drawn first)
    page.wait_for_function(FIRST_IS_HEATMAP, timeout=60_000)
    heat = chart_traces(page, 0)
    assert heat and page.evaluate("d => d.data[0].y", page.locator(".js-plotly-plot").first.element_handle()) == rows
    curves = chart_traces(page, 2)
    assert curves and all(np.isfinite(c["y"]).any() for c in curves)
    assert "these weights" in text or "the same share" in text or "fresh init" in text
    if kind == "gru":
        assert "keep gate" in text
    if which == "cell":  # the embedding table beside the cell feeds it a real sequence of ids
        box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("Input", exact=True))
        box.locator("input").first.click()
        page.get_by_role("option", name="rows of a matrix in the file (an embedding table) at ids").click()
        expect(page.locator('[data-testid="stMain"]')).to_contain_text("T = 4, N = 1", timeout=60_000)  # ids 0 1 2 3
        wait_idle(page)
        box = page.get_by_label("Token ids, one per step (e.g. 3 17 5)", exact=True).and_(page.locator("input"))
        expect(box).to_be_editable()
        box.fill("3 7 1 10 2")
        box.press("Enter")
        # the rerun starts a moment after the input: wait for its result, not just for an idle app
        expect(page.locator('[data-testid="stMain"]')).to_contain_text("T = 5, N = 1", timeout=60_000)
        wait_idle(page)
        page.wait_for_function(CHARTS_READY, timeout=60_000)
        text = body(page)
        assert "T = 5, N = 1" in text and "embedding.weight" in text, text


def test_a_pt_upload_shows_the_two_conversion_lines(page, app_url, model_files):
    upload(page, app_url, model_files["pt"])
    expect(page.locator('[data-testid="stAlertContentError"]').first).to_contain_text("pickle")
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert "from safetensors.torch import save_file" in code and "torch.load('model.pt', weights_only=True)" in code
    assert page.locator(EXCEPTION).count() == 0


def test_a_pytorch_rnn_asks_for_its_activation_and_the_reading_says_which(page, app_url, model_files):
    upload(page, app_url, model_files["rnn"])
    page.wait_for_function(CHARTS_READY, timeout=60_000)
    control = page.locator('[data-testid="stRadio"]').filter(has=page.get_by_text("RNN activation of the file"))
    expect(control).to_be_visible()  # on the page itself, not under "More options"
    assert "tanh, assumed" in body(page)
    control.get_by_text("relu", exact=True).click()
    wait_idle(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("relu, assumed")
    assert page.locator(EXCEPTION).count() == 0


def test_arrays_under_their_own_names_are_mapped_with_the_shapes_checked(page, app_url, model_files):
    upload(page, app_url, model_files["names"])
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("(3H, H) with H = 4: a GRU")
    page.wait_for_function(CHARTS_READY, timeout=60_000)
    wait_idle(page)
    text = body(page)
    assert "GRU: 1 layer, D = 3, H = 4" in text and page.locator(EXCEPTION).count() == 0


def test_a_file_in_another_format_says_which_formats_the_page_reads(page, app_url, tmp_path):
    other = tmp_path / "photo.png"
    other.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    upload(page, app_url, other)
    error = page.locator('[data-testid="stAlertContentError"]').first
    expect(error).to_contain_text("none of the formats this page reads")
    for fmt in (".safetensors", ".npz", ".keras", ".weights.h5", ".h5/.hdf5", ".onnx"):
        expect(error).to_contain_text(fmt)
    assert page.locator(EXCEPTION).count() == 0
