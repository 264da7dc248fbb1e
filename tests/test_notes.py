"""The study notes' boxes (explorer/theory/notes.py): every page they name exists, each page shows its boxes (a
folded "In the notes" expander) and its h_0 = 0 caption, in English and Korean; the long-dependency chart's
builder draws the arrows from each answer back to what it depends on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from checkers_flow import unclosed_bold
from streamlit.testing.v1 import AppTest
from test_app import decode

from charts import notes as ncharts
from explorer.shared.controls import Settings
from explorer.theory import data, notes

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = sorted({p for n in notes.NOTES for p in n.pages})


def test_every_page_named_exists_and_every_note_is_complete():
    keys = [n.key for n in notes.NOTES]
    assert len(keys) == len(set(keys))
    for n in notes.NOTES:
        assert n.style in ("box", "caption") and n.pages
        for page in n.pages:
            assert (ROOT / "pages" / f"{page}.py").is_file(), (n.key, page)
        for en, ko in (n.title, n.body):
            assert (en and ko and en != ko) or en == ko == "h_0 = 0"
            assert unclosed_bold(ko) == [] and unclosed_bold(en) == []
    # the list: each slip where it appears, h_0 = 0 on every page that assumes it
    where = {n.key: set(n.pages) for n in notes.NOTES}
    assert {"gru"} <= where["gru_is_coupled_lstm"] and {"gru"} <= where["gru_mixed_formulations"]
    assert {"lstm"} <= where["lstm_without_output_gate"] and {"lstm"} <= where["cell_stays_inside"]
    assert {"remedies"} <= where["gradient_flipping"] and {"remedies"} <= where["weight_normalisation_term"]
    assert {"compare", "rnn", "lstm", "gru", "horizon", "remedies", "model"} <= where["h0_zero"]
    assert "가중치 감소" in dict((n.key, n) for n in notes.NOTES)["weight_normalisation_term"].body[1]


def run_page(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"T": "8", "H": "4", "lang": lang})
    at.run()
    if page:  # the root is the book's experiment
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_its_boxes(page, lang):
    at = run_page(page, lang)
    labels = [e.label for e in at.expander]
    captions = "\n".join(c.value for c in at.caption)
    k = 0 if lang == "en" else 1
    for note in notes.notes_for(page):
        if note.style == "box":
            assert notes.box_label(note, lang) in labels, (page, note.key, labels)
            box = next(e for e in at.expander if e.label == notes.box_label(note, lang))
            assert note.body[k] in "\n".join(m.value for m in box.markdown)
        else:
            assert note.body[k] in captions, (page, note.key)


def test_long_dependency_chart_points_from_each_answer_back():
    adding = data.adding_example(20, seed=3)
    fig = ncharts.long_dependency_chart(data.TOM_WORDS, data.TOM_SOURCE, adding, "t", names={})
    spec = json.loads(fig.to_json())
    assert not spec["layout"].get("annotations"), "nothing written on the plot"
    arrows = [tr for tr in spec["data"] if tr.get("mode") == "lines+markers"]
    n = len(data.TOM_WORDS)
    # the sentence: from the "?" (last token) back to "Tom" (the first)
    assert data.TOM_WORDS[data.TOM_SOURCE] == "Tom" and data.TOM_WORDS[-1] == "?"
    assert list(decode(arrows[0]["x"])) == [n - 1, data.TOM_SOURCE] and arrows[0]["xaxis"] == "x"
    assert arrows[0]["marker"]["symbol"][-1] == "arrow"
    # the adding problem: from the answer after step T back to the first marked step
    marked = adding.loc[adding["role"] == "marked", "t"].to_list()
    assert len(marked) == 2 and marked[0] <= 10 < marked[1]  # one mark in each half, as rc.task_batch draws them
    assert list(decode(arrows[1]["x"])) == [21, marked[0]] and arrows[1]["xaxis"] == "x2"
    assert [a["name"] for a in arrows] == [f"{n - 1} tokens back", f"{21 - marked[0]} steps back"]
    answer = adding[adding["role"] == "answer"]
    assert answer["t"].item() == 21
    assert answer["value"].item() == pytest.approx(adding.loc[adding["role"] == "marked", "value"].sum())
    names = {tr["name"] for tr in spec["data"]}
    assert {"source", "answer", "input", "marked", "target"} <= names


def test_relu_tanh_chart_draws_the_share_per_scheme():
    r = data.relu_vs_tanh(Settings(T=5, H=3), 2, (0.9, 1.0))
    fig = ncharts.relu_tanh_chart(r.summary, "t", names={"pytorch": "P", "identity": "I"})
    spec = json.loads(fig.to_json())
    lines = {tr["name"]: tr for tr in spec["data"] if tr.get("mode") == "lines+markers"}
    assert set(lines) == {"P", "I"}
    for scheme, name in (("pytorch", "P"), ("identity", "I")):
        part = r.summary[r.summary["scheme"] == scheme].sort_values("rho")
        share = 100 * part["relu_more"] / part["n"]
        assert len(part) == 2
        assert np.allclose(decode(lines[name]["y"]), share.to_numpy())
        assert decode(lines[name]["x"]).tolist() == [0.9, 1.0]
